package mirror

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/require"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make and drop test schemas
)

// pgEnv names the PostgreSQL DSN the tests use (.ci/postgres.sh sets it).
const pgEnv = "CAPSULE_TEST_POSTGRES"

// backend is a database the mirror's tests run on.
type backend struct {
	name string
	// dsn returns the DSN of a new, empty database for one test.
	dsn func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "capsule.db") }},
	{"postgres", func(t *testing.T) string { return postgresDSN(t) }},
}

// postgresDSN makes a schema of its own for the test (dropped at its end)
// and returns the DSN that uses it. Without CAPSULE_TEST_POSTGRES the test
// is skipped on a developer's machine and fails in CI.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL half of the mirror's tests", pgEnv)
		}
		t.Skipf("%s is not set: the PostgreSQL half of the mirror's tests did not run (source .ci/postgres.sh; start_postgres)", pgEnv)
	}
	db, err := sql.Open("pgx", base)
	require.NoError(t, err)
	defer db.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mirror_test_" + hex.EncodeToString(b)
	_, err = db.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err, "creating a test schema in %s", pgEnv)
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// eachBackend runs fn as a parallel subtest on each backend.
func eachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.dsn(t))
		})
	}
}

// testClient is a client of srv whose requests c counts.
func testClient(t testing.TB, srv *capsuletest.Server, c *Counter) *capsule.Client {
	t.Helper()
	opts := []capsule.Option{capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token)}
	if c != nil {
		opts = append(opts, capsule.WithObserver(c.Observe))
	}
	cl, err := capsule.NewClient(opts...)
	require.NoError(t, err)
	return cl
}

func open(t testing.TB, dsn string) Store {
	t.Helper()
	st, err := Open(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// syncOnce runs a sync with opts and returns its summary.
func syncOnce(t testing.TB, srv *capsuletest.Server, dsn string, opts Options) *Summary {
	t.Helper()
	st := open(t, dsn)
	defer st.Close()
	if opts.Counter == nil {
		opts.Counter = &Counter{}
	}
	sum, err := Sync(t.Context(), testClient(t, srv, opts.Counter), st, opts)
	require.NoError(t, err)
	return sum
}

// dump reads every table but the meta table: table → rows sorted, each row
// its columns' values normalised to strings by the columns' kinds ("NULL"
// for NULL), so that two databases compare equal when they hold the same.
func dump(t testing.TB, st Store) map[string][]map[string]string {
	t.Helper()
	s := st.base()
	tables, err := s.tables(t.Context())
	require.NoError(t, err)
	out := map[string][]map[string]string{}
	for name := range tables {
		if name == metaTable {
			continue
		}
		kinds, err := s.columns(t.Context(), name)
		require.NoError(t, err)
		rows, err := s.db.QueryContext(t.Context(), "SELECT * FROM "+s.d.quote(name))
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var list []map[string]string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			row := map[string]string{}
			for i, c := range cols {
				row[c] = norm(t, kinds[c], vals[i])
			}
			list = append(list, row)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Slice(list, func(i, j int) bool { return rowKey(list[i]) < rowKey(list[j]) })
		out[name] = list
	}
	return out
}

func rowKey(r map[string]string) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := r[k]
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && strings.HasSuffix(k, "id") {
			v = fmt.Sprintf("%020d", n)
		}
		b.WriteString(v + "\x00")
	}
	return b.String()
}

// norm is a stored or an expected value as a string of its kind.
func norm(t testing.TB, k Kind, v any) string {
	t.Helper()
	if v == nil {
		return "NULL"
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch k {
	case KindInt:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10)
		case float64:
			return strconv.FormatInt(int64(x), 10)
		}
	case KindNumber:
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64)
		case int64:
			return strconv.FormatInt(x, 10)
		case string:
			f, err := strconv.ParseFloat(x, 64)
			require.NoError(t, err)
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	case KindBool:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x)
		case int64:
			return strconv.FormatBool(x != 0)
		}
	case KindTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(time.RFC3339)
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			require.NoError(t, err, "time %q", x)
			return tm.UTC().Format(time.RFC3339)
		}
	case KindDate:
		switch x := v.(type) {
		case time.Time:
			return x.Format("2006-01-02")
		case string:
			return x
		}
	default:
		if s, ok := v.(string); ok {
			return s
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	t.Fatalf("a %T (%v) in a column of kind %d", v, v, k)
	return ""
}

// apiList reads every record of a list from srv as raw JSON objects, to
// check the mirror against the wire rather than against the SDK's models.
func apiList(t testing.TB, srv *capsuletest.Server, path, key string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		req, err := http.NewRequest("GET", srv.BaseURL+path+sep+"perPage=100&page="+strconv.Itoa(page), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body map[string][]map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, path)
		out = append(out, body[key]...)
		if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
			return out
		}
	}
}
