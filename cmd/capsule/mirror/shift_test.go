package mirror

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shiftedServer lists parties 1..100 on page 1 and 100..150 on page 2: party
// 100 comes again, as when a party is added while the list is read, with
// its email address changed in between.
func shiftedServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/parties/fields/definitions" {
			fmt.Fprint(w, `{"definitions":[]}`)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		first, last, email := 1, 100, "old"
		if page == 2 {
			first, last, email = 100, 150, "new"
		} else {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=2&perPage=100>; rel="next"`, r.Host, r.URL.Path))
		}
		fmt.Fprint(w, `{"parties":[`)
		for id := first; id <= last; id++ {
			if id > first {
				fmt.Fprint(w, ",")
			}
			addr := fmt.Sprintf(`{"id":%d,"address":"p%d@example.com"}`, id, id)
			if id == 100 {
				addr = fmt.Sprintf(`{"id":%d,"address":"%s@example.com"}`, map[string]int{"old": 1000, "new": 2000}[email], email)
			}
			fmt.Fprintf(w, `{"id":%d,"type":"person","firstName":"%s %d","emailAddresses":[%s]}`, id, email, id, addr)
		}
		fmt.Fprint(w, `]}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A record that a full read meets on two pages is written once, as the
// later page has it, with only that page's child rows: written a page a
// transaction, the later page's insert meets the row already there and
// replaces the page's records; written together, the group keeps the
// record's later read.
func TestFullReadRecordOnTwoPages(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		rows int
	}{
		{"a page a transaction", Options{group: 1}, 151},
		{"pages together", Options{beforeGroup: waitForPages(1)}, 150},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, dsn string) {
				srv := shiftedServer(t)
				c, err := capsule.NewClient(capsule.WithBaseURL(srv.URL), capsule.WithToken("t"))
				require.NoError(t, err)
				st := open(t, dsn)
				opts := tc.opts
				opts.Types = []Type{Parties}
				groups := 0
				opts.Progress = func(Type, int) { groups++ }
				sum, err := Sync(t.Context(), c, st, opts)
				require.NoError(t, err)
				assert.Equal(t, tc.rows, sum.Rows)
				assert.Equal(t, tc.rows-149, groups, "transactions: two, or one for both pages")
				db := st.DB()
				var n int
				require.NoError(t, db.QueryRowContext(t.Context(), `SELECT count(*) FROM parties`).Scan(&n))
				assert.Equal(t, 150, n)
				var name string
				require.NoError(t, db.QueryRowContext(t.Context(), `SELECT first_name FROM parties WHERE id = 100`).Scan(&name))
				assert.Equal(t, "new 100", name)
				rows, err := db.QueryContext(t.Context(), `SELECT id, address FROM party_email_addresses WHERE party_id = 100`)
				require.NoError(t, err)
				defer rows.Close()
				var got []string
				for rows.Next() {
					var id int64
					var a string
					require.NoError(t, rows.Scan(&id, &a))
					got = append(got, fmt.Sprint(id, " ", a))
				}
				require.NoError(t, rows.Err())
				assert.Equal(t, []string{"2000 new@example.com"}, got)
				require.NoError(t, db.QueryRowContext(t.Context(), `SELECT count(*) FROM party_email_addresses`).Scan(&n))
				assert.Equal(t, 150, n)
			})
		})
	}
}

// A next link that does not advance ends the list, as it ends the SDK's
// iterator: the page is the last, its rows written and the read complete.
func TestNextLinkThatDoesNotAdvance(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Path == "/parties/fields/definitions" {
				fmt.Fprint(w, `{"definitions":[]}`)
				return
			}
			page := r.URL.Query().Get("page")
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=%s&perPage=100>; rel="next"`, r.Host, r.URL.Path, page))
			fmt.Fprint(w, `{"parties":[`)
			for id := 1; id <= 100; id++ {
				if id > 1 {
					fmt.Fprint(w, ",")
				}
				fmt.Fprintf(w, `{"id":%d,"type":"person","firstName":"p%d"}`, id, id)
			}
			fmt.Fprint(w, `]}`)
		}))
		t.Cleanup(srv.Close)
		c, err := capsule.NewClient(capsule.WithBaseURL(srv.URL), capsule.WithToken("t"))
		require.NoError(t, err)
		st := open(t, dsn)
		sum, err := Sync(t.Context(), c, st, Options{Types: []Type{Parties}})
		require.NoError(t, err)
		assert.Equal(t, 100, sum.Rows)
		var n int
		require.NoError(t, st.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM parties`).Scan(&n))
		assert.Equal(t, 100, n, "the page's rows")
		meta, err := st.base().readMeta(t.Context(), st.DB())
		require.NoError(t, err)
		assert.Contains(t, meta, "cursor:parties", "the read is complete")
		assert.NotContains(t, meta, "full:parties")
	})
}

// waitForPages is a beforeGroup that waits (a few seconds at most) until n
// pages are read ahead, so that they are written together.
func waitForPages(n int) func(<-chan fetchedPage) {
	return func(fetched <-chan fetchedPage) {
		for deadline := time.Now().Add(5 * time.Second); len(fetched) < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
}

func TestTakeReady(t *testing.T) {
	page := func(n, next int) fetchedPage {
		return fetchedPage{page: &capsule.Page[any]{Response: &capsule.Response{NextPage: next}}}
	}
	fill := func(ps ...fetchedPage) chan fetchedPage {
		ch := make(chan fetchedPage, 8)
		for _, p := range ps {
			ch <- p
		}
		return ch
	}
	nexts := func(g []fetchedPage) []int {
		var out []int
		for _, p := range g {
			if p.err != nil {
				out = append(out, -1)
				continue
			}
			out = append(out, p.page.Response.NextPage)
		}
		return out
	}
	// Up to most, never waiting.
	ch := fill(page(2, 3), page(3, 4), page(4, 5), page(5, 6))
	assert.Equal(t, []int{2, 3, 4}, nexts(takeReady(page(1, 2), ch, 3)))
	assert.Len(t, ch, 2, "the rest wait for the next group")
	assert.Equal(t, []int{2}, nexts(takeReady(page(1, 2), fill(), 4)), "nothing ready: the page alone")
	// A group ends at the last page and at an error.
	ch = fill(page(2, 0), page(9, 10))
	assert.Equal(t, []int{2, 0}, nexts(takeReady(page(1, 2), ch, 4)))
	ch = fill(fetchedPage{err: errors.New("boom")}, page(3, 4))
	assert.Equal(t, []int{2, -1}, nexts(takeReady(page(1, 2), ch, 4)))
	assert.Equal(t, []int{0}, nexts(takeReady(page(1, 0), fill(page(2, 3)), 4)))
	// A closed channel ends it.
	ch = fill(page(2, 3))
	close(ch)
	assert.Equal(t, []int{2, 3}, nexts(takeReady(page(1, 2), ch, 4)))
}

func TestLastOfEach(t *testing.T) {
	rows := []Rows{{ID: 1, Values: []any{"a"}}, {ID: 2, Values: []any{"b"}}, {ID: 1, Values: []any{"c"}}, {ID: 3, Values: []any{"d"}}, {ID: 2, Values: []any{"e"}}}
	assert.Equal(t, []Rows{{ID: 1, Values: []any{"c"}}, {ID: 2, Values: []any{"e"}}, {ID: 3, Values: []any{"d"}}}, lastOfEach(rows))
	assert.Empty(t, lastOfEach(nil))
}
