package capsule

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// savedFilterMethods are one entity's saved-filter methods, with the
// results reduced to ids so the three services share the tests.
type savedFilterMethods struct {
	entity  string // path segment and plural envelope key
	list    func(ctx context.Context, c *Client) ([]*SavedFilter, *Response, error)
	single  func(ctx context.Context, c *Client, id int64) (*SavedFilter, *Response, error)
	results func(ctx context.Context, c *Client, id int64, o *ListOptions) ([]int64, *Response, error)
	iter    func(ctx context.Context, c *Client, id int64, o *ListOptions) iter.Seq2[int64, error]
}

func idsOf[T any](items []*T, id func(*T) int64) []int64 {
	if items == nil {
		return nil
	}
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func idSeq[T any](seq iter.Seq2[*T, error], id func(*T) int64) iter.Seq2[int64, error] {
	return func(yield func(int64, error) bool) {
		for it, err := range seq {
			var n int64
			if it != nil {
				n = id(it)
			}
			if !yield(n, err) {
				return
			}
		}
	}
}

var savedFilterServices = []savedFilterMethods{
	{
		entity: "parties",
		list: func(ctx context.Context, c *Client) ([]*SavedFilter, *Response, error) {
			return c.Parties.SavedFilters(ctx)
		},
		single: func(ctx context.Context, c *Client, id int64) (*SavedFilter, *Response, error) {
			return c.Parties.SavedFilter(ctx, id)
		},
		results: func(ctx context.Context, c *Client, id int64, o *ListOptions) ([]int64, *Response, error) {
			items, resp, err := c.Parties.SavedFilterResults(ctx, id, o)
			return idsOf(items, func(p *Party) int64 { return p.ID }), resp, err
		},
		iter: func(ctx context.Context, c *Client, id int64, o *ListOptions) iter.Seq2[int64, error] {
			return idSeq(c.Parties.SavedFilterResultsIter(ctx, id, o), func(p *Party) int64 { return p.ID })
		},
	},
	{
		entity: "opportunities",
		list: func(ctx context.Context, c *Client) ([]*SavedFilter, *Response, error) {
			return c.Opportunities.SavedFilters(ctx)
		},
		single: func(ctx context.Context, c *Client, id int64) (*SavedFilter, *Response, error) {
			return c.Opportunities.SavedFilter(ctx, id)
		},
		results: func(ctx context.Context, c *Client, id int64, o *ListOptions) ([]int64, *Response, error) {
			items, resp, err := c.Opportunities.SavedFilterResults(ctx, id, o)
			return idsOf(items, func(p *Opportunity) int64 { return p.ID }), resp, err
		},
		iter: func(ctx context.Context, c *Client, id int64, o *ListOptions) iter.Seq2[int64, error] {
			return idSeq(c.Opportunities.SavedFilterResultsIter(ctx, id, o), func(p *Opportunity) int64 { return p.ID })
		},
	},
	{
		entity: "kases",
		list: func(ctx context.Context, c *Client) ([]*SavedFilter, *Response, error) {
			return c.Kases.SavedFilters(ctx)
		},
		single: func(ctx context.Context, c *Client, id int64) (*SavedFilter, *Response, error) {
			return c.Kases.SavedFilter(ctx, id)
		},
		results: func(ctx context.Context, c *Client, id int64, o *ListOptions) ([]int64, *Response, error) {
			items, resp, err := c.Kases.SavedFilterResults(ctx, id, o)
			return idsOf(items, func(p *Kase) int64 { return p.ID }), resp, err
		},
		iter: func(ctx context.Context, c *Client, id int64, o *ListOptions) iter.Seq2[int64, error] {
			return idSeq(c.Kases.SavedFilterResultsIter(ctx, id, o), func(p *Kase) int64 { return p.ID })
		},
	},
}

// wantSavedFilters is testdata/savedfilters/list.json decoded.
var wantSavedFilters = []*SavedFilter{
	{ID: 3001, Name: "Organisations A-Z",
		Conditions: []Condition{{Field: "type", Operator: OpIs, Value: "organisation"}},
		OrderBy:    []OrderBy{{Field: "name", Direction: Ascending}}},
	wantSavedFilter3002,
}

var wantSavedFilter3002 = &SavedFilter{ID: 3002, Name: "VIPs added this week",
	Conditions: []Condition{
		{Field: "tag", Operator: OpIs, Value: "VIP"},
		{Field: "addedOn", Operator: OpIsWithinLast, Value: float64(7)},
		{Field: "custom:926886", Operator: OpIs, Value: nil},
	},
	OrderBy: []OrderBy{}}

func TestSavedFilters(t *testing.T) {
	t.Parallel()
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("GET /"+s.entity+"/filters", func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{})
				testHeader(t, r, "Authorization", "Bearer "+testToken)
				serveFixture(t, w, http.StatusOK, "savedfilters/list.json")
			})
			got, resp, err := s.list(t.Context(), c)
			require.NoError(t, err)
			assert.Equal(t, wantSavedFilters, got)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
}

func TestSavedFiltersPagedAnyway(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/parties/filters?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"filters":[{"id":1,"name":"a"}]}`)
			return
		}
		testQuery(t, r, url.Values{"page": {"2"}})
		writeJSON(t, w, http.StatusOK, `{"filters":[{"id":2,"name":"b"}]}`)
	})
	mux.HandleFunc("GET /parties/filters", h)
	got, _, err := c.Parties.SavedFilters(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2}, idsOf(got, func(f *SavedFilter) int64 { return f.ID }))
	assert.EqualValues(t, 2, n.Load())
}

func TestSavedFilter(t *testing.T) {
	t.Parallel()
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("GET /"+s.entity+"/filters/3002", func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{})
				serveFixture(t, w, http.StatusOK, "savedfilters/show.json")
			})
			got, _, err := s.single(t.Context(), c, 3002)
			require.NoError(t, err)
			assert.Equal(t, wantSavedFilter3002, got)
		})
	}
}

func TestSavedFilterResults(t *testing.T) {
	t.Parallel()
	fixtures := map[string]string{
		"parties": "parties/live_first_page.json", "opportunities": "opportunities/list.json", "kases": "kases/live_first_page.json",
	}
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			mux.HandleFunc("GET /"+s.entity+"/filters/3001/results", func(w http.ResponseWriter, r *http.Request) {
				testQuery(t, r, url.Values{"page": {"2"}, "perPage": {"25"}, "embed": {"tags,fields"}})
				w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/`+s.entity+`/filters/3001/results?page=3&perPage=25>; rel="next"`)
				serveFixture(t, w, http.StatusOK, fixtures[s.entity])
			})
			got, resp, err := s.results(t.Context(), c, 3001, &ListOptions{Page: 2, PerPage: 25, Embed: []string{EmbedTags, EmbedFields}})
			require.NoError(t, err)
			assert.NotEmpty(t, got)
			assert.NotContains(t, got, int64(0))
			assert.Equal(t, 3, resp.NextPage)
		})
	}
}

func TestSavedFilterResultsDecoded(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /parties/filters/3001/results", func(w http.ResponseWriter, r *http.Request) {
		serveFixture(t, w, http.StatusOK, "parties/live_first_page.json")
	})
	got, _, err := c.Parties.SavedFilterResults(t.Context(), 3001, nil)
	require.NoError(t, err)
	assert.Equal(t, wantLivePartiesFirstPage(t), got)
}

func TestSavedFilterResultsIter(t *testing.T) {
	t.Parallel()
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			n := serveThreePages(t, mux, "GET /"+s.entity+"/filters/3001/results", s.entity,
				url.Values{"perPage": {"100"}, "embed": {"tags"}}, "")
			ids, err := Collect(s.iter(t.Context(), c, 3001, &ListOptions{Embed: []string{EmbedTags}}))
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2, 3}, ids)
			assert.EqualValues(t, 3, n.Load())

			// an early break sends no further request
			for range s.iter(t.Context(), c, 3001, &ListOptions{Embed: []string{EmbedTags}}) {
				break
			}
			assert.EqualValues(t, 4, n.Load())
		})
	}
}

func TestSavedFilterResultsIterError(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	h, n := counter(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "1" {
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/kases/filters/7/results?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"kases":[{"id":1}]}`)
			return
		}
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	mux.HandleFunc("GET /kases/filters/7/results", h)
	var ids []int64
	var errs []error
	for k, err := range c.Kases.SavedFilterResultsIter(t.Context(), 7, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, k.ID)
	}
	assert.Equal(t, []int64{1}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.EqualValues(t, 2, n.Load())
}

func TestSavedFiltersErrors(t *testing.T) {
	t.Parallel()
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			notFound := func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
			}
			mux.HandleFunc("GET /"+s.entity+"/filters", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusForbidden, `{"message":"forbidden"}`)
			})
			mux.HandleFunc("GET /"+s.entity+"/filters/9", notFound)
			mux.HandleFunc("GET /"+s.entity+"/filters/9/results", notFound)
			ctx := t.Context()

			_, _, err := s.list(ctx, c)
			assert.ErrorIs(t, err, ErrForbidden)
			f, _, err := s.single(ctx, c, 9)
			assert.ErrorIs(t, err, ErrNotFound)
			assert.Nil(t, f)
			ids, resp, err := s.results(ctx, c, 9, nil)
			assert.ErrorIs(t, err, ErrNotFound)
			assert.Nil(t, ids)
			require.NotNil(t, resp)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			_, err = Collect(s.iter(ctx, c, 9, nil))
			assert.ErrorIs(t, err, ErrNotFound)

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, _, err = s.list(cancelled, c)
			assert.ErrorIs(t, err, context.Canceled)
		})
	}
}

func TestSavedFiltersInvalidArguments(t *testing.T) {
	t.Parallel()
	for _, s := range savedFilterServices {
		t.Run(s.entity, func(t *testing.T) {
			t.Parallel()
			c, mux := setup(t)
			n := refuseRequests(t, mux)
			ctx := t.Context()
			for _, id := range []int64{0, -3} {
				_, _, err := s.single(ctx, c, id)
				assert.ErrorIs(t, err, ErrInvalidArgument)
				_, _, err = s.results(ctx, c, id, nil)
				assert.ErrorIs(t, err, ErrInvalidArgument)
				_, err = Collect(s.iter(ctx, c, id, nil))
				assert.ErrorIs(t, err, ErrInvalidArgument)
			}
			_, _, err := s.results(ctx, c, 1, &ListOptions{PerPage: 101})
			assert.ErrorIs(t, err, ErrInvalidArgument)
			assert.EqualValues(t, 0, n.Load())
		})
	}
}
