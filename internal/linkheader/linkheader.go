// Package linkheader parses and formats RFC 8288 Link headers, which Capsule
// uses for pagination: Link: <https://.../parties?page=2&perPage=100>; rel="next".
package linkheader

import (
	"net/url"
	"strconv"
	"strings"
)

// Parse returns the target of each relation in a Link header value, keyed by
// rel. Malformed parts are skipped.
func Parse(header string) map[string]string {
	links := map[string]string{}
	for _, part := range strings.Split(header, ",") {
		segs := strings.Split(part, ";")
		target, opened := strings.CutPrefix(strings.TrimSpace(segs[0]), "<")
		target, closed := strings.CutSuffix(target, ">")
		if !opened || !closed {
			continue
		}
		for _, param := range segs[1:] {
			k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
				continue
			}
			for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
				links[strings.ToLower(rel)] = target
			}
		}
	}
	return links
}

// Page returns the page query parameter of a link target, or 0 when it has
// none or it is not a positive integer.
func Page(target string) int {
	u, err := url.Parse(target)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(u.Query().Get("page"))
	if err != nil {
		return 0
	}
	return max(n, 0) // 0 and negative pages alike are no page
}

// Format builds a Link header value from rel and target pairs in order.
func Format(pairs ...[2]string) string {
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		parts = append(parts, "<"+p[1]+`>; rel="`+p[0]+`"`)
	}
	return strings.Join(parts, ", ")
}
