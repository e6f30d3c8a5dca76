package capsuletest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paging, since, show-multiple and the deleted feeds, shared by every list.

// paging reads page (default 1, >= 1) and perPage (default 50, 1..100).
func (c *call) paging() (page, perPage int, rep *reply) {
	page, perPage = 1, 50
	if v := c.query.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			// With a reply the numbers are unused: 0, 0 is only a placeholder.
			return 0, 0, errReply(c.f.cfg.perPageStatus, "page must be a positive integer")
		}
		page = n
	}
	if v := c.query.Get("perPage"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, errReply(c.f.cfg.perPageStatus, "perPage must be between 1 and 100")
		}
		perPage = n
	}
	return page, perPage, nil
}

// list answers one page of items as {key: [...]} with a Link header (rel="next"
// when another page exists, rel="prev" when page > 1; other query parameters
// kept). render turns a record into its JSON (nil means view).
func (c *call) list(key string, items []record, render func(record) any) *reply {
	page, perPage, rep := c.paging()
	if rep != nil {
		return rep
	}
	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	return c.pageReply(key, items[start:end], page, perPage, len(items), end < len(items), render)
}

// listScan answers one page of the records of coll that keep accepts (nil
// keeps all), in ascending id order, like list, but walks the id index only
// as far as the page (and one more match, for rel="next") needs.
func (c *call) listScan(key string, coll *collection, keep func(id int64, r record) bool, render func(record) any) *reply {
	page, perPage, rep := c.paging()
	if rep != nil {
		return rep
	}
	start := (page - 1) * perPage
	if keep == nil { // a slice of the id index
		from := min(start, len(coll.order))
		to := min(from+perPage, len(coll.order))
		items := make([]record, 0, to-from)
		for _, id := range coll.order[from:to] {
			items = append(items, coll.items[id])
		}
		return c.pageReply(key, items, page, perPage, len(coll.order), to < len(coll.order), render)
	}
	var items []record
	seen, more := 0, false
	for _, id := range coll.order {
		r := coll.items[id]
		if !keep(id, r) { // keep is not nil here
			continue
		}
		if seen == start+perPage {
			more = true
			break
		}
		if seen >= start {
			items = append(items, r)
		}
		seen++
	}
	return c.pageReply(key, items, page, perPage, seen, more, render)
}

// changedScanLimit is the most changed records a since list gathers from the
// time index; with more, scanning the id index for the page is cheaper.
const changedScanLimit = 2048

// listSince answers one page of the records of coll that keep accepts and,
// when the since query parameter is given, that changed strictly after it:
// from the time index when few records changed, else by a scan.
func (c *call) listSince(key string, coll *collection, keep func(id int64, r record) bool, render func(record) any) *reply {
	t, present, rep := c.parseSince()
	if rep != nil {
		return rep
	}
	if !present {
		return c.listScan(key, coll, keep, render)
	}
	after := ts(t) // whole seconds: stored updatedAt > after is updatedAt after t
	if ids, few := coll.changedAfter(after, changedScanLimit); few {
		items := make([]record, 0, len(ids))
		for _, id := range ids {
			if r := coll.items[id]; keep == nil || keep(id, r) {
				items = append(items, r)
			}
		}
		return c.list(key, items, render)
	}
	return c.listScan(key, coll, func(id int64, r record) bool {
		at, _ := r["updatedAt"].(string)
		return at > after && (keep == nil || keep(id, r))
	}, render)
}

// pageReply renders items, page page of perPage, with the Link header; total
// is the number of matches (exact when more is false) and more whether
// another page follows.
func (c *call) pageReply(key string, items []record, page, perPage, total int, more bool, render func(record) any) *reply {
	rp := c.listAll(key, items, render)
	var links []string
	if more {
		links = append(links, fmt.Sprintf("<%s>; rel=\"next\"", c.pageURL(page+1)))
	}
	if page > 1 {
		links = append(links, fmt.Sprintf("<%s>; rel=\"prev\"", c.pageURL(min(page-1, max(1, (total+perPage-1)/perPage)))))
	}
	if len(links) > 0 {
		rp.header.Set("Link", strings.Join(links, ", "))
	}
	return rp
}

func (c *call) pageURL(page int) string {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = slices.Clone(v)
	}
	q.Set("page", strconv.Itoa(page))
	return strings.TrimSuffix(c.baseURL(), APIPrefix) + c.r.URL.Path + "?" + q.Encode()
}

// listAll answers every item as {key: [...]} without paging.
func (c *call) listAll(key string, items []record, render func(record) any) *reply {
	if render == nil {
		render = func(r record) any { return view(r) }
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		out = append(out, render(it))
	}
	return ok(key, out)
}

// parseSince parses the since query parameter (ISO-8601); present is false
// when it is absent; a bad value answers 400.
func (c *call) parseSince() (t time.Time, present bool, rep *reply) {
	v := c.query.Get("since")
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, errReply(http.StatusBadRequest, "since must be an ISO 8601 date-time, e.g. 2024-09-19T12:30:45Z")
	}
	return t, true, nil
}

// filterSince keeps the items whose updatedAt is strictly after the since query
// parameter (all items when it is absent; 400 when it is malformed).
func (c *call) filterSince(items []record) ([]record, *reply) {
	t, present, rep := c.parseSince()
	if rep != nil || !present {
		return items, rep
	}
	out := items[:0:0]
	for _, it := range items {
		s, _ := it["updatedAt"].(string)
		if u, err := time.Parse(time.RFC3339, s); err == nil && u.After(t) {
			out = append(out, it)
		}
	}
	return out, nil
}

// deletedFeed answers GET /{coll}/deleted?since=...: {"<coll>":[{id,deletedAt}]}
// of records removed strictly after since, plus "restricted<Coll>" with the
// records restricted for the caller after since when there are any
// (restricted.go); since is required (422).
func (c *call) deletedFeed(coll *collection) *reply {
	t, present, rep := c.parseSince()
	if rep != nil {
		return rep
	}
	if !present {
		return validationFailed(fieldErr(coll.resource, "since", "is required"))
	}
	out := []any{}
	for _, d := range coll.deletions {
		if d.at.After(t) {
			out = append(out, record{"id": d.id, "deletedAt": ts(d.at)})
		}
	}
	body := map[string]any{coll.name: out}
	if restricted := c.restrictedSince(coll, t); len(restricted) > 0 {
		body[restrictedKey(coll.name)] = restricted // only when non-empty
	}
	return jsonReply(http.StatusOK, body)
}

// maxShowMultiple is the most ids a show-multiple call accepts.
const maxShowMultiple = 10

// showMultiple are the collections whose docs have show-multiple; on any
// other, /x/1,2 is a bad id (404).
var showMultiple = map[string]bool{"parties": true, "opportunities": true, "kases": true, "pipelines": true, "tasks": true}

// showOneOrMany serves GET /{coll}/{ids}: one id answers {singular: {...}},
// a comma list (at most 10, on the showMultiple collections) answers
// {plural: [...]} in request order; any
// unknown id (or one restricted for the caller) answers 404; more than 10 ids answers "too many ids".
func (c *call) showOneOrMany(coll *collection, param string, render func(record) any) *reply {
	if render == nil {
		render = func(r record) any { return view(r) }
	}
	raw := c.param(param)
	if !strings.Contains(raw, ",") {
		id, ok1 := parseID(raw)
		rec, ok2 := coll.get(id)
		if !ok1 || !ok2 || c.hidden(rec) {
			return notFound()
		}
		return ok(coll.singular, render(rec))
	}
	if !showMultiple[coll.name] {
		return notFound()
	}
	parts := strings.Split(raw, ",")
	if len(parts) > maxShowMultiple {
		return errReply(c.f.cfg.tooManyIDsStatus, "too many ids")
	}
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		id, ok1 := parseID(strings.TrimSpace(p))
		rec, ok2 := coll.get(id)
		if !ok1 || !ok2 || c.hidden(rec) {
			return notFound()
		}
		out = append(out, render(rec))
	}
	return ok(coll.name, out)
}

// lookup returns the record named by a path parameter, or a 404 reply (also
// for a record restricted for the caller).
func (c *call) lookup(coll *collection, param string) (record, *reply) {
	id, ok1 := c.idParam(param)
	rec, ok2 := coll.get(id)
	if !ok1 || !ok2 || c.hidden(rec) {
		return nil, notFound()
	}
	return rec, nil
}
