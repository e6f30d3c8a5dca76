package capsule

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testFeedDate is the Date header of the wire tests' first responses, and
// testFeedNext the cursor it gives with the default overlap.
const testFeedDate = "Mon, 02 Jun 2025 10:00:00 GMT"

var testFeedNext = SyncCursor{Since: time.Date(2025, 6, 2, 9, 59, 0, 0, time.UTC)}

// feedLog records the requests of a wire test, in order, as "path?query".
type feedLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *feedLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r.URL.Path+"?"+r.URL.RawQuery)
}

func (l *feedLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...)
}

// feedServer serves one entity's list and deleted feed for the change feed
// tests.
type feedServer struct {
	t      *testing.T
	entity string
	// ids are the records of the list, served perPage (from the query) a
	// page in this order.
	ids []int64
	// wantList is the exact query of every list request, without page.
	wantList url.Values
	// dates is the Date header of the list's pages by page number and of
	// the deleted feed (key 0); "-" leaves the header out; missing: the
	// real time, as net/http sets it.
	dates map[int]string
	// failPage answers that page with 404.
	failPage int
	// deleted is the body of the deleted feed; "" answers 404.
	deleted string
	log     feedLog
	mu      sync.Mutex // guards the fields above for change between runs
}

// change changes s between runs.
func (s *feedServer) change(fn func(s *feedServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *feedServer) setDate(w http.ResponseWriter, page int) {
	switch d, ok := s.dates[page]; {
	case !ok:
	case d == "-":
		w.Header()["Date"] = nil // net/http sends no Date
	default:
		w.Header().Set("Date", d)
	}
}

func (s *feedServer) register(mux *http.ServeMux) {
	t := s.t
	mux.HandleFunc("GET /"+s.entity, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.log.add(r)
		q := r.URL.Query()
		page, err1 := strconv.Atoi(q.Get("page"))
		perPage, err2 := strconv.Atoi(q.Get("perPage"))
		if !assert.NoError(t, err1) || !assert.NoError(t, err2) {
			writeJSON(t, w, http.StatusBadRequest, `{"message":"bad page"}`)
			return
		}
		q.Del("page")
		testQuery(t, &http.Request{URL: &url.URL{RawQuery: q.Encode()}}, s.wantList)
		s.setDate(w, page)
		if page == s.failPage {
			writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			return
		}
		from := min((page-1)*perPage, len(s.ids))
		to := min(from+perPage, len(s.ids))
		if to < len(s.ids) {
			next := r.URL.Query()
			next.Set("page", strconv.Itoa(page+1))
			w.Header().Set("Link", fmt.Sprintf(`<https://api.capsulecrm.com/api/v2/%s?%s>; rel="next"`, s.entity, next.Encode()))
		}
		parts := make([]string, 0, to-from)
		for _, id := range s.ids[from:to] {
			parts = append(parts, fmt.Sprintf(`{"id":%d}`, id))
		}
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{%q:[%s]}`, s.entity, strings.Join(parts, ",")))
	})
	mux.HandleFunc("GET /"+s.entity+"/deleted", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.log.add(r)
		s.setDate(w, 0)
		if s.deleted == "" {
			writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			return
		}
		writeJSON(t, w, http.StatusOK, s.deleted)
	})
}

// describe drains feed and describes each change as "record N", "deleted
// N" or "restricted N".
func describe[T any](t *testing.T, ctx context.Context, feed *ChangeFeed[T], id func(*T) int64) ([]string, error) {
	t.Helper()
	var out []string
	for ch, err := range feed.All(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, describeChange(t, ch, id))
	}
	return out, nil
}

func describeChange[T any](t *testing.T, ch Change[T], id func(*T) int64) string {
	t.Helper()
	n := 0
	var s string
	if ch.Record != nil {
		n++
		s = fmt.Sprintf("record %d", id(ch.Record))
	}
	if ch.Deleted != nil {
		n++
		s = fmt.Sprintf("deleted %d at %s", ch.Deleted.ID, ch.Deleted.DeletedAt.Format(time.RFC3339))
	}
	if ch.Restricted != nil {
		n++
		s = fmt.Sprintf("restricted %d", ch.Restricted.ID)
	}
	assert.Equal(t, 1, n, "fields set in %+v", ch)
	return s
}

func partyID(p *Party) int64 { return p.ID }

func TestChangesWire(t *testing.T) {
	t.Parallel()
	// The three services read their own list and deleted feed, with the
	// cursor's time exactly as since (in UTC, to the second), perPage 100
	// and the embeds; the deleted feed gets since alone.
	tests := []struct {
		entity string
		embed  string
		run    func(t *testing.T, c *Client) ([]string, SyncCursor, error)
	}{
		{"parties", "tags,fields", func(t *testing.T, c *Client) ([]string, SyncCursor, error) {
			f := c.Parties.Changes(SyncCursor{Since: testSince}, &ListOptions{Embed: []string{EmbedTags, EmbedFields}})
			got, err := describe(t, t.Context(), f, partyID)
			return got, f.Cursor(), err
		}},
		{"opportunities", "party,milestone", func(t *testing.T, c *Client) ([]string, SyncCursor, error) {
			f := c.Opportunities.Changes(SyncCursor{Since: testSince}, &ListOptions{Embed: []string{EmbedParty, EmbedMilestone}})
			got, err := describe(t, t.Context(), f, func(o *Opportunity) int64 { return o.ID })
			return got, f.Cursor(), err
		}},
		{"kases", "opportunity", func(t *testing.T, c *Client) ([]string, SyncCursor, error) {
			f := c.Kases.Changes(SyncCursor{Since: testSince}, &ListOptions{Embed: []string{EmbedOpportunity}})
			got, err := describe(t, t.Context(), f, func(k *Kase) int64 { return k.ID })
			return got, f.Cursor(), err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			ids := make([]int64, 250)
			for i := range ids {
				ids[i] = int64(1000 + i)
			}
			s := &feedServer{t: t, entity: tt.entity, ids: ids,
				wantList: url.Values{"since": {testSinceWire}, "perPage": {"100"}, "embed": {tt.embed}},
				dates:    map[int]string{1: testFeedDate, 2: "Mon, 02 Jun 2025 10:00:05 GMT", 3: "Mon, 02 Jun 2025 10:00:07 GMT", 0: "Mon, 02 Jun 2025 10:00:09 GMT"},
				deleted:  string(fixture(t, tt.entity+"/deleted.json")),
			}
			s.register(mux)

			got, cursor, err := tt.run(t, c)
			require.NoError(t, err)

			// Updates first, then deletions, then restrictions, each in
			// the server's order.
			var want []string
			for _, id := range ids {
				want = append(want, fmt.Sprintf("record %d", id))
			}
			d := wantDeleted(t, tt.entity)
			for _, r := range d.Records {
				want = append(want, fmt.Sprintf("deleted %d at %s", r.ID, r.DeletedAt.Format(time.RFC3339)))
			}
			for _, r := range d.Restricted {
				want = append(want, fmt.Sprintf("restricted %d", r.ID))
			}
			assert.Equal(t, want, got)

			// ceil(250/100) pages and the deleted feed.
			list := func(page int) string {
				return "/" + tt.entity + "?embed=" + url.QueryEscape(tt.embed) + "&page=" + strconv.Itoa(page) + "&perPage=100&since=2024-09-19T12%3A30%3A45Z"
			}
			assert.Equal(t, []string{
				list(1), list(2), list(3),
				"/" + tt.entity + "/deleted?since=2024-09-19T12%3A30%3A45Z",
			}, s.log.get())

			// The next cursor is the first response's Date less a minute.
			assert.Equal(t, testFeedNext, cursor)
		})
	}
}

func TestChangesPerPageAndRequestCount(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		changed, perPage int
		wantList         int
	}{
		{0, 2, 1}, // an empty first page still costs its request
		{1, 2, 1},
		{4, 2, 2},
		{5, 2, 3},
		{100, 0, 1},
		{101, 0, 2},
	} {
		t.Run(fmt.Sprintf("%d_per_%d", tt.changed, tt.perPage), func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			ids := make([]int64, tt.changed)
			for i := range ids {
				ids[i] = int64(i + 1)
			}
			perPage := strconv.Itoa(cmpOr(tt.perPage, MaxPerPage))
			s := &feedServer{t: t, entity: "parties", ids: ids,
				wantList: url.Values{"since": {testSinceWire}, "perPage": {perPage}},
				deleted:  `{"parties":[]}`}
			s.register(mux)
			f := c.Parties.Changes(SyncCursor{Since: testSince}, &ListOptions{PerPage: tt.perPage})
			got, err := describe(t, t.Context(), f, partyID)
			require.NoError(t, err)
			assert.Len(t, got, tt.changed)
			reqs := s.log.get()
			assert.Len(t, reqs, tt.wantList+1, "ceil(changed/perPage) list requests (at least one) and the deleted feed: %v", reqs)
			assert.True(t, strings.HasPrefix(reqs[len(reqs)-1], "/parties/deleted?"), "the deleted feed comes last: %v", reqs)
		})
	}
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestChangesCursorFromServerDate(t *testing.T) {
	t.Parallel()
	// The client's clock runs an hour ahead; the server's earlier Date
	// decides.
	clientNow := time.Date(2025, 6, 2, 11, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		overlap *time.Duration
		date    string
		want    time.Time
	}{
		{"default overlap", nil, testFeedDate, time.Date(2025, 6, 2, 9, 59, 0, 0, time.UTC)},
		{"overlap 90s", durp(90 * time.Second), testFeedDate, time.Date(2025, 6, 2, 9, 58, 30, 0, time.UTC)},
		// Whole seconds and a strict since: even no overlap goes back one
		// second, so a change in the Date's own second is read again.
		{"overlap 0", durp(0), testFeedDate, time.Date(2025, 6, 2, 9, 59, 59, 0, time.UTC)},
		{"negative overlap", durp(-time.Hour), testFeedDate, time.Date(2025, 6, 2, 9, 59, 59, 0, time.UTC)},
		{"sub-second overlap", durp(300 * time.Millisecond), testFeedDate, time.Date(2025, 6, 2, 9, 59, 59, 0, time.UTC)},
		{"RFC 850 date", nil, "Monday, 02-Jun-25 10:00:00 GMT", time.Date(2025, 6, 2, 9, 59, 0, 0, time.UTC)},
		// Without a usable Date, the client's clock before the first
		// request, truncated to the second.
		{"no Date", nil, "-", time.Date(2025, 6, 2, 10, 59, 0, 0, time.UTC)},
		{"unparsable Date", nil, "yesterday", time.Date(2025, 6, 2, 10, 59, 0, 0, time.UTC)},
		{"no Date, overlap 0", durp(0), "-", time.Date(2025, 6, 2, 10, 59, 59, 0, time.UTC)},
		// A Date later than the client's clock (a clock running behind, or
		// a bad proxy) is not trusted: the earlier clock only re-reads.
		{"Date from the future", nil, "Tue, 03 Jun 2025 10:00:00 GMT", time.Date(2025, 6, 2, 10, 59, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			c.now = func() time.Time { return clientNow.Add(750 * time.Millisecond) }
			s := &feedServer{t: t, entity: "parties", ids: []int64{1, 2, 3},
				wantList: url.Values{"since": {testSinceWire}, "perPage": {"2"}},
				// Only the first response's Date counts.
				dates:   map[int]string{1: tt.date, 2: "Mon, 02 Jun 2025 12:00:00 GMT", 0: "Mon, 02 Jun 2025 12:00:00 GMT"},
				deleted: `{"parties":[]}`}
			s.register(mux)
			f := c.Parties.Changes(SyncCursor{Since: testSince}, &ListOptions{PerPage: 2})
			if tt.overlap != nil {
				f.Overlap = *tt.overlap
			}
			_, err := describe(t, t.Context(), f, partyID)
			require.NoError(t, err)
			assert.Equal(t, SyncCursor{Since: tt.want}, f.Cursor())
			assert.Equal(t, time.UTC, f.Cursor().Since.Location())
		})
	}
}

func durp(d time.Duration) *time.Duration { return &d }

func TestChangesZeroCursor(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	// No since on the list, and no deleted feed: Capsule requires since,
	// and a full read has nothing to delete.
	s := &feedServer{t: t, entity: "parties", ids: []int64{1, 2, 3},
		wantList: url.Values{"perPage": {"2"}, "embed": {"tags"}},
		dates:    map[int]string{1: testFeedDate},
		deleted:  `{"parties":[{"id":9,"deletedAt":"2025-01-01T00:00:00Z"}]}`}
	s.register(mux)
	f := c.Parties.Changes(SyncCursor{}, &ListOptions{PerPage: 2, Embed: []string{EmbedTags}})
	assert.Equal(t, SyncCursor{}, f.Cursor(), "before the run")
	got, err := describe(t, t.Context(), f, partyID)
	require.NoError(t, err)
	assert.Equal(t, []string{"record 1", "record 2", "record 3"}, got)
	assert.Equal(t, []string{"/parties?embed=tags&page=1&perPage=2", "/parties?embed=tags&page=2&perPage=2"}, s.log.get())
	assert.Equal(t, testFeedNext, f.Cursor())
}

func TestChangesNilOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	s := &feedServer{t: t, entity: "kases", ids: nil,
		wantList: url.Values{"since": {testSinceWire}, "perPage": {"100"}},
		dates:    map[int]string{1: testFeedDate},
		deleted:  `{"kases":[],"restrictedKases":[{"id":2,"name":"Private","isRestricted":true}]}`}
	s.register(mux)
	f := c.Kases.Changes(SyncCursor{Since: testSince}, nil)
	got, err := describe(t, t.Context(), f, func(k *Kase) int64 { return k.ID })
	require.NoError(t, err)
	assert.Equal(t, []string{"restricted 2"}, got)
	assert.Len(t, s.log.get(), 2)
	assert.Equal(t, testFeedNext, f.Cursor())
}

func TestChangesErrorLeavesCursor(t *testing.T) {
	t.Parallel()
	start := SyncCursor{Since: testSince}
	t.Run("list page", func(t *testing.T) {
		t.Parallel()
		c, mux := setup(t)
		s := &feedServer{t: t, entity: "parties", ids: []int64{1, 2, 3, 4, 5},
			wantList: url.Values{"since": {testSinceWire}, "perPage": {"2"}},
			dates:    map[int]string{1: testFeedDate}, failPage: 2, deleted: `{"parties":[]}`}
		s.register(mux)
		f := c.Parties.Changes(start, &ListOptions{PerPage: 2})
		var got []string
		var errs []error
		for ch, err := range f.All(t.Context()) {
			if err != nil {
				errs = append(errs, err)
				continue // the feed must stop by itself
			}
			got = append(got, describeChange(t, ch, partyID))
		}
		assert.Equal(t, []string{"record 1", "record 2"}, got)
		require.Len(t, errs, 1, "the error is yielded once")
		require.ErrorIs(t, errs[0], ErrNotFound)
		assert.Len(t, s.log.get(), 2, "nothing is sent after the error")
		assert.Equal(t, start, f.Cursor())
	})
	t.Run("deleted feed", func(t *testing.T) {
		t.Parallel()
		c, mux := setup(t)
		s := &feedServer{t: t, entity: "parties", ids: []int64{1},
			wantList: url.Values{"since": {testSinceWire}, "perPage": {"100"}},
			dates:    map[int]string{1: testFeedDate}}
		s.register(mux)
		f := c.Parties.Changes(start, nil)
		got, err := describe(t, t.Context(), f, partyID)
		require.ErrorIs(t, err, ErrNotFound)
		assert.Equal(t, []string{"record 1"}, got)
		assert.Equal(t, start, f.Cursor())

		// Once the deleted feed answers, a new run moves the cursor; a
		// failed run after it puts the cursor back where the feed
		// started.
		s.change(func(s *feedServer) { s.deleted = `{"parties":[]}` })
		_, err = describe(t, t.Context(), f, partyID)
		require.NoError(t, err)
		assert.Equal(t, testFeedNext, f.Cursor())
		s.change(func(s *feedServer) { s.failPage = 1 })
		_, err = describe(t, t.Context(), f, partyID)
		require.ErrorIs(t, err, ErrNotFound)
		assert.Equal(t, start, f.Cursor())
	})
}

func TestChangesBreakSendsNothingMore(t *testing.T) {
	t.Parallel()
	start := SyncCursor{Since: testSince}
	for _, tt := range []struct {
		name      string
		stopAfter int // changes taken before the break
		wantReqs  int
	}{
		{"first record", 1, 1},
		{"last record of a page", 2, 1},
		{"first record of page 2, the last one", 3, 2},
		{"first deletion", 4, 3},
		{"last change", 5, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			s := &feedServer{t: t, entity: "parties", ids: []int64{1, 2, 3},
				wantList: url.Values{"since": {testSinceWire}, "perPage": {"2"}},
				dates:    map[int]string{1: testFeedDate},
				deleted:  `{"parties":[{"id":7,"deletedAt":"2025-06-01T00:00:00Z"}],"restrictedParties":[{"id":8,"type":"person","lastName":"Private","isRestricted":true}]}`}
			s.register(mux)
			f := c.Parties.Changes(start, &ListOptions{PerPage: 2})
			n := 0
			for ch, err := range f.All(t.Context()) {
				require.NoError(t, err)
				describeChange(t, ch, partyID)
				n++
				if n == tt.stopAfter {
					break
				}
			}
			assert.Equal(t, tt.stopAfter, n)
			assert.Len(t, s.log.get(), tt.wantReqs)
			assert.Equal(t, start, f.Cursor(), "a run that was broken off is repeated")
		})
	}
}

func TestChangesContextCancelled(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	s := &feedServer{t: t, entity: "opportunities", ids: []int64{1, 2, 3},
		wantList: url.Values{"since": {testSinceWire}, "perPage": {"1"}},
		deleted:  `{"opportunities":[]}`}
	s.register(mux)
	start := SyncCursor{Since: testSince}
	f := c.Opportunities.Changes(start, &ListOptions{PerPage: 1})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	for ch, err := range f.All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		assert.Equal(t, int64(1), ch.Record.ID)
		cancel()
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], context.Canceled)
	assert.Len(t, s.log.get(), 1)
	assert.Equal(t, start, f.Cursor())

	// Cancelled between the last page and the deleted feed.
	s.change(func(s *feedServer) { s.ids = []int64{1} })
	ctx, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	errs = nil
	for _, err := range f.All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cancel2()
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], context.Canceled)
	assert.Len(t, s.log.get(), 2, "the deleted feed is not asked for")
	assert.Equal(t, start, f.Cursor())
}

func TestChangesInvalidOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	refused := refuseRequests(t, mux)
	start := SyncCursor{Since: testSince}
	for _, tt := range []struct {
		opts *ListOptions
		arg  string
	}{
		{&ListOptions{Page: 2}, "page"},
		{&ListOptions{Page: 1}, "page"},
		{&ListOptions{Page: -1}, "page"},
		{&ListOptions{Since: testSince}, "since"},
		{&ListOptions{PerPage: MaxPerPage + 1}, "perPage"},
		{&ListOptions{PerPage: -1}, "perPage"},
	} {
		f := c.Parties.Changes(start, tt.opts)
		var errs []error
		for ch, err := range f.All(t.Context()) {
			assert.Equal(t, Change[Party]{}, ch)
			errs = append(errs, err)
		}
		require.Len(t, errs, 1, "%+v", tt.opts)
		assertInvalidArg(t, errs[0], tt.arg)
		assert.Equal(t, start, f.Cursor())
	}
	// The zero cursor too.
	for _, err := range c.Kases.Changes(SyncCursor{}, &ListOptions{Page: 3}).All(t.Context()) {
		assertInvalidArg(t, err, "page")
	}
	//lint:ignore SA1012 a nil context on purpose
	for _, err := range c.Opportunities.Changes(start, nil).All(nil) {
		assertInvalidArg(t, err, "ctx")
	}
	assert.Zero(t, refused.Load())
}

func TestChangesOptionsCopied(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	s := &feedServer{t: t, entity: "parties", ids: []int64{1},
		wantList: url.Values{"since": {testSinceWire}, "perPage": {"100"}, "embed": {"tags"}},
		deleted:  `{"parties":[]}`}
	s.register(mux)
	opts := &ListOptions{Embed: []string{EmbedTags}}
	f := c.Parties.Changes(SyncCursor{Since: testSince}, opts)
	opts.Embed[0] = EmbedFields
	opts.PerPage = 5
	// Each run reads from the cursor the feed was made with.
	for range 2 {
		got, err := describe(t, t.Context(), f, partyID)
		require.NoError(t, err)
		assert.Equal(t, []string{"record 1"}, got)
	}
	assert.Len(t, s.log.get(), 4)
}

func TestSyncCursorJSON(t *testing.T) {
	t.Parallel()
	cur := SyncCursor{Since: time.Date(2025, 6, 2, 9, 59, 0, 0, time.UTC)}
	testJSONMarshal(t, cur, `{"since":"2025-06-02T09:59:00Z"}`)
	b, err := json.Marshal(cur)
	require.NoError(t, err)
	var back SyncCursor
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, cur, back)

	// The zero cursor stays the zero cursor.
	b, err = json.Marshal(SyncCursor{})
	require.NoError(t, err)
	back = SyncCursor{Since: time.Now()}
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.Since.IsZero())
	// An offset in a stored cursor is the same instant.
	require.NoError(t, json.Unmarshal([]byte(`{"since":"2025-06-02T11:59:00+02:00"}`), &back))
	assert.True(t, back.Since.Equal(cur.Since))
}
