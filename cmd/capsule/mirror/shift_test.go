package mirror

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

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
// later page has it, with only that page's child rows: the later page's
// insert meets the row already there and replaces the page's records.
func TestFullReadRecordOnTwoPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := shiftedServer(t)
		c, err := capsule.NewClient(capsule.WithBaseURL(srv.URL), capsule.WithToken("t"))
		require.NoError(t, err)
		st := open(t, dsn)
		sum, err := Sync(t.Context(), c, st, Options{Types: []Type{Parties}})
		require.NoError(t, err)
		assert.Equal(t, 151, sum.Rows)
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
}
