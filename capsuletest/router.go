package capsuletest

import (
	"net/http"
	"strings"
)

// route is one registered method and path pattern with its handler.
type route struct {
	method  string
	segs    []string
	h       handlerFunc
	read    bool
	maxBody int64
}

type handlerFunc func(c *call) *reply

type routeOption func(*route)

// readOnlyRoute marks a non-GET route (e.g. POST .../filters/results) as a read,
// allowed for read-only tokens.
func readOnlyRoute() routeOption { return func(r *route) { r.read = true } }

// maxBody overrides the request body cap of one route.
func maxBody(n int64) routeOption { return func(r *route) { r.maxBody = n } }

// handle registers an API route. pattern is relative to /api/v2 and may contain
// {name} segments, e.g. "/pipelines/{id}/milestones". A literal segment wins over
// a wildcard at the same position.
func (f *fake) handle(method, pattern string, h handlerFunc, opts ...routeOption) {
	rt := &route{method: method, segs: splitPath(pattern), h: h, maxBody: f.cfg.maxBody}
	for _, o := range opts {
		o(rt)
	}
	f.routes = append(f.routes, rt)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the most specific route for method and path. When the path
// matches routes of other methods only, status is 405; with no match at all, 404.
func match(routes []*route, method, path string) (*route, map[string]string, int) {
	segs := splitPath(path)
	var best *route
	var bestScore []bool
	pathKnown := false
	for _, rt := range routes {
		score, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method != method && !(method == http.MethodHead && rt.method == http.MethodGet) {
			continue
		}
		if best == nil || moreSpecific(score, bestScore) {
			best, bestScore = rt, score
		}
	}
	if best == nil {
		if pathKnown {
			return nil, nil, http.StatusMethodNotAllowed
		}
		return nil, nil, http.StatusNotFound
	}
	params := map[string]string{}
	for i, s := range best.segs {
		if isWild(s) {
			params[s[1:len(s)-1]] = segs[i]
		}
	}
	return best, params, http.StatusOK
}

func isWild(s string) bool { return len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}' }

func matchSegs(pat, segs []string) ([]bool, bool) {
	if len(pat) != len(segs) {
		return nil, false
	}
	score := make([]bool, len(pat))
	for i, p := range pat {
		if isWild(p) {
			if segs[i] == "" {
				return nil, false
			}
			continue
		}
		if p != segs[i] {
			return nil, false
		}
		score[i] = true
	}
	return score, true
}

func moreSpecific(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return false
}

// replies ----------------------------------------------------------------------
