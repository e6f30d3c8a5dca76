package capsule

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pagedServer serves /records in pages of ids 1..total, with Link headers
// like Capsule's. next overrides the next page number when set.
func pagedServer(t *testing.T, mux *http.ServeMux, total int, next func(page int) int) *atomic.Int32 {
	var calls atomic.Int32
	mux.HandleFunc("GET /records", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		per, _ := strconv.Atoi(r.URL.Query().Get("perPage"))
		if page < 1 || per < 1 {
			t.Errorf("bad paging query %q", r.URL.RawQuery)
			return
		}
		body := `{"records":[`
		for id := (page-1)*per + 1; id <= min(page*per, total); id++ {
			if id > (page-1)*per+1 {
				body += ","
			}
			body += fmt.Sprintf(`{"id":%d}`, id)
		}
		body += `]}`
		n := page + 1
		if next != nil {
			n = next(page)
		}
		if page*per < total || next != nil {
			q := r.URL.Query()
			q.Set("page", strconv.Itoa(n))
			w.Header().Set("Link", fmt.Sprintf(`<https://api.capsulecrm.com/api/v2/records?%s>; rel="next"`, q.Encode()))
		}
		writeJSON(t, w, 200, body)
	})
	return &calls
}

func TestIteratorWalksAllPages(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	calls := pagedServer(t, mux, 250, nil)
	opts := &ListOptions{Embed: []string{"tags"}}
	var ids []int64
	for r, err := range recordsEP(c).listIter(t.Context(), "", opts) {
		require.NoError(t, err)
		ids = append(ids, r.ID)
	}
	assert.Len(t, ids, 250)
	assert.Equal(t, int64(250), ids[249])
	assert.EqualValues(t, 3, calls.Load(), "250 records at 100 a page are 3 requests")
	assert.Equal(t, &ListOptions{Embed: []string{"tags"}}, opts, "the caller's options are not changed")
}

func TestIteratorBreakSendsNoMoreRequests(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	calls := pagedServer(t, mux, 250, nil)
	for r, err := range recordsEP(c).listIter(t.Context(), "", nil) {
		require.NoError(t, err)
		assert.EqualValues(t, 1, r.ID)
		break
	}
	assert.EqualValues(t, 1, calls.Load())
}

func TestIteratorStopsWhenNextDoesNotAdvance(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	calls := pagedServer(t, mux, 1000, func(page int) int { return 1 })
	got, err := Collect(recordsEP(c).listIter(t.Context(), "", &ListOptions{PerPage: 10}))
	require.NoError(t, err)
	assert.Len(t, got, 10)
	assert.EqualValues(t, 1, calls.Load())
}

func TestIteratorStopsOnEmptyPage(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	// The server claims a next page forever but runs out of records.
	calls := pagedServer(t, mux, 15, func(page int) int { return page + 1 })
	got, err := Collect(recordsEP(c).listIter(t.Context(), "", &ListOptions{PerPage: 10}))
	require.NoError(t, err)
	assert.Len(t, got, 15)
	assert.EqualValues(t, 3, calls.Load(), "pages 1, 2 and the empty page 3")
}

func TestIteratorErrorYieldedOnce(t *testing.T) {
	t.Parallel()
	c, mux := setup(t, WithRetryPolicy(nil))
	var calls atomic.Int32
	mux.HandleFunc("GET /records", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			writeJSON(t, w, 500, `{"message":"boom"}`)
			return
		}
		w.Header().Set("Link", `<https://x/api/v2/records?page=2>; rel="next"`)
		writeJSON(t, w, 200, `{"records":[{"id":1},{"id":2}]}`)
	})
	var items, errs int
	for r, err := range recordsEP(c).listIter(t.Context(), "", nil) {
		if err != nil {
			errs++
			assert.Nil(t, r)
			var apiErr *APIError
			assert.ErrorAs(t, err, &apiErr)
			continue
		}
		items++
	}
	assert.Equal(t, 2, items)
	assert.Equal(t, 1, errs)
	assert.EqualValues(t, 2, calls.Load())
}

func TestIteratorStartsAtPageAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	calls := pagedServer(t, mux, 100, nil)
	got, err := Collect(recordsEP(c).listIter(t.Context(), "", &ListOptions{Page: 9, PerPage: 10}))
	require.NoError(t, err)
	assert.Len(t, got, 20)
	assert.EqualValues(t, 81, got[0].ID)
	assert.EqualValues(t, 2, calls.Load())

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Collect(recordsEP(c).listIter(ctx, "", nil))
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 2, calls.Load(), "a cancelled context sends nothing")
}

func TestPagesExposeResponses(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	pagedServer(t, mux, 5, nil)
	fetch := func(ctx context.Context, o *ListOptions) ([]*record, *Response, error) {
		return recordsEP(c).list(ctx, "", o)
	}
	var sizes, next []int
	for p, err := range Pages(t.Context(), &ListOptions{PerPage: 2}, fetch) {
		require.NoError(t, err)
		sizes = append(sizes, len(p.Items))
		next = append(next, p.Response.NextPage)
	}
	assert.Equal(t, []int{2, 2, 1}, sizes)
	assert.Equal(t, []int{2, 3, 0}, next)
}

func TestCollectStopsAtError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	seq := func(yield func(int, error) bool) {
		_ = yield(1, nil) && yield(0, boom) && yield(3, nil)
	}
	got, err := Collect(seq)
	assert.Equal(t, []int{1}, got)
	assert.ErrorIs(t, err, boom)
}

func TestSearchQuery(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /records/search", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"ann smith"}, "page": {"1"}, "perPage": {"100"}, "embed": {"tags"}})
		writeJSON(t, w, 200, `{"records":[{"id":4}]}`)
	})
	got, err := Collect(recordsEP(c).searchIter(t.Context(), "ann smith", &ListOptions{Embed: []string{"tags"}}))
	require.NoError(t, err)
	assert.Len(t, got, 1)
}

// A nil context is a bad argument for an iterator, as it is for a single
// call: reported as ErrInvalidArgument, not a nil-pointer panic.
func TestIteratorNilContext(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	calls := pagedServer(t, mux, 10, nil)
	var nilCtx context.Context
	var err error
	assert.NotPanics(t, func() { _, err = Collect(c.Parties.ReadIter(nilCtx, nil)) })
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.NotPanics(t, func() { _, err = Collect(recordsEP(c).listIter(nilCtx, "", nil)) })
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.EqualValues(t, 0, calls.Load())
}
