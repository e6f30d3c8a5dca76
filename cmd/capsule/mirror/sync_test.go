package mirror

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/columns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seed is the size of the tests' fake: 250 parties, so that parties take
// three pages and every page boundary is crossed.
const seed = 250

func newServer(t testing.TB, opts ...capsuletest.Option) *capsuletest.Server {
	t.Helper()
	srv := capsuletest.NewServer(append([]capsuletest.Option{capsuletest.WithSeed(seed)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// expectRows builds, from the records as the API sent them (raw JSON), the
// rows the mirror must hold: every column of the stored table, by its
// kind, and the rows of the child tables.
func expectRows(t *testing.T, recs []map[string]any, kinds map[string]Kind, custom map[string]int64) []map[string]string {
	t.Helper()
	var out []map[string]string
	for _, rec := range recs {
		keys := map[string]string{}
		for k := range rec {
			keys[columns.SnakeCase(k)] = k
		}
		row := map[string]string{}
		for col, kind := range kinds {
			var v any
			if defID, ok := custom[col]; ok {
				fields, _ := rec["fields"].([]any)
				for _, f := range fields {
					fm := f.(map[string]any)
					if int64(fm["definition"].(map[string]any)["id"].(float64)) == defID {
						v = fm["value"]
					}
				}
			} else if k, ok := keys[col]; ok {
				v = rec[k]
			} else if k, ok := keys[strings.TrimSuffix(col, "_id")]; ok && strings.HasSuffix(col, "_id") {
				if m, ok := rec[k].(map[string]any); ok {
					v = m["id"]
				}
			} else if k, ok := keys[strings.TrimSuffix(col, "_amount")]; ok && strings.HasSuffix(col, "_amount") {
				if m, ok := rec[k].(map[string]any); ok {
					v = m["amount"]
				}
			} else if k, ok := keys[strings.TrimSuffix(col, "_currency")]; ok && strings.HasSuffix(col, "_currency") {
				if m, ok := rec[k].(map[string]any); ok {
					v = m["currency"]
				}
			}
			if s, ok := v.(string); ok && s == "" && omitted[col] {
				v = nil
			}
			row[col] = norm(t, kind, v)
		}
		out = append(out, row)
	}
	sort.Slice(out, func(i, j int) bool { return rowKey(out[i]) < rowKey(out[j]) })
	return out
}

// omitted are the columns of keys the SDK leaves out when empty (the
// fake sends "" for them), which the mirror stores as NULL.
var omitted = map[string]bool{"name": true, "picture_url": true, "url": true, "status": true, "duration_basis": true}

// childRecs flattens the collection key of each record into child records
// carrying the parent's id under parent.
func childRecs(recs []map[string]any, key, parent string, rename map[string]string) []map[string]any {
	var out []map[string]any
	for _, rec := range recs {
		items, _ := rec[key].([]any)
		for _, it := range items {
			m := map[string]any{parent: rec["id"]}
			for k, v := range it.(map[string]any) {
				if n, ok := rename[k]; ok {
					k = n
				}
				m[k] = v
			}
			out = append(out, m)
		}
	}
	return out
}

// checkAgainstAPI compares every row and column of the mirror's parties,
// opportunities and kases (and their child tables) with the records the
// API lists.
func checkAgainstAPI(t *testing.T, srv *capsuletest.Server, st Store) {
	t.Helper()
	got := dump(t, st)
	s := st.base()
	for _, typ := range []Type{Parties, Opportunities, Kases} {
		recs := apiList(t, srv, "/"+string(typ)+"?embed=fields,tags", string(typ))
		require.NotEmpty(t, recs)
		var defs []*capsule.FieldDefinition
		for _, d := range apiList(t, srv, "/"+string(typ)+"/fields/definitions", "definitions") {
			defs = append(defs, &capsule.FieldDefinition{ID: int64(d["id"].(float64)), Name: d["name"].(string)})
		}
		custom := map[string]int64{}
		for id, name := range columns.Custom(defs) {
			custom[name] = id
		}
		kinds, err := s.columns(t.Context(), string(typ))
		require.NoError(t, err)
		for name := range custom {
			require.Contains(t, kinds, name, "a column per custom field definition")
		}
		assert.Equal(t, expectRows(t, recs, kinds, custom), got[string(typ)], "%s: every row and column", typ)

		singular := specs[typ].singular
		tagTable := singular + "_tags"
		tk, err := s.columns(t.Context(), tagTable)
		require.NoError(t, err)
		tags := childRecs(recs, "tags", singular+"Id", map[string]string{"id": "tagId"})
		require.NotEmpty(t, tags, "the seed tags some %s", typ)
		for _, tg := range tags {
			delete(tg, "description")
			delete(tg, "dataTag")
		}
		assert.Equal(t, expectRows(t, tags, tk, nil), got[tagTable], tagTable)
		if typ != Parties {
			continue
		}
		for _, key := range []string{"emailAddresses", "phoneNumbers", "addresses", "websites"} {
			table := "party_" + columns.SnakeCase(key)
			ck, err := s.columns(t.Context(), table)
			require.NoError(t, err)
			children := childRecs(recs, key, "partyId", nil)
			require.NotEmpty(t, children, "the seed gives parties %s", key)
			assert.Equal(t, expectRows(t, children, ck, nil), got[table], table)
		}
	}
}

func TestFullSyncMatchesTheAPI(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		counter := &Counter{}
		sum := syncOnce(t, srv, dsn, Options{Counter: counter})
		st := open(t, dsn)
		checkAgainstAPI(t, srv, st)

		// The custom columns are typed from their definitions.
		kinds, err := st.base().columns(t.Context(), "parties")
		require.NoError(t, err)
		assert.Equal(t, KindText, kinds["custom_account_code"])
		assert.Equal(t, KindNumber, kinds["custom_employees"])
		assert.Equal(t, KindBool, kinds["custom_newsletter"])
		assert.Equal(t, KindDate, kinds["custom_renewal_date"])
		assert.Equal(t, KindText, kinds["custom_industry"], "a list is text")
		assert.Equal(t, KindText, kinds["custom_crm_link"])
		assert.Equal(t, KindTime, kinds["created_at"])
		assert.Equal(t, KindInt, kinds["owner_id"])
		ok, err := st.base().columns(t.Context(), "opportunities")
		require.NoError(t, err)
		assert.Equal(t, KindNumber, ok["value_amount"])
		assert.Equal(t, KindText, ok["value_currency"])
		assert.Equal(t, KindDate, ok["expected_close_on"])
		assert.Equal(t, KindInt, ok["milestone_id"])

		// Every custom field type holds values.
		got := dump(t, st)
		for _, col := range []string{"custom_account_code", "custom_employees", "custom_newsletter", "custom_renewal_date", "custom_industry"} {
			filled := 0
			for _, r := range got["parties"] {
				if r[col] != "NULL" {
					filled++
				}
			}
			assert.Positive(t, filled, "%s has values", col)
		}

		// The small types hold what the API lists.
		c := testClient(t, srv, nil)
		users, _, err := c.Users.Read(t.Context(), nil)
		require.NoError(t, err)
		assert.Len(t, got["users"], len(users))
		pipelines := apiList(t, srv, "/pipelines", "pipelines")
		assert.Len(t, got["pipelines"], len(pipelines))
		assert.NotEmpty(t, got["milestones"])
		for _, m := range got["milestones"] {
			assert.NotEqual(t, "NULL", m["pipeline_id"], "a milestone names its pipeline")
		}
		assert.NotEmpty(t, got["stages"])
		assert.NotEmpty(t, got["tasks"])

		// The cost: a request per 100 records of each type, never one per record.
		n := map[string]int{}
		for _, typ := range []string{"parties", "opportunities", "kases"} {
			n[typ] = len(got[typ])
		}
		assert.Equal(t, sum.Requests, counter.Requests())
		pages := 0
		for _, v := range n {
			pages += (v + 99) / 100
		}
		pages += (len(got["tasks"]) + 99) / 100
		// + 3 definition reads, users, teams, pipelines, pipelines and one
		// milestone list per pipeline (for milestones), boards, stages.
		want := int64(pages + 3 + 1 + 1 + 1 + 1 + len(pipelines) + 1 + 1)
		assert.Equal(t, want, sum.Requests, "requests of a first run")
		assert.Equal(t, n["parties"]+n["opportunities"]+n["kases"]+len(got["tasks"])+len(users)+len(pipelines)+len(got["milestones"])+len(got["teams"])+len(got["boards"])+len(got["stages"]), sum.Rows)
		assert.False(t, sum.Stopped)
		assert.Positive(t, sum.BudgetLeft)
	})
}

func TestEntriesOnlyWhenAsked(t *testing.T) {
	srv := newServer(t)
	dsn := backends[0].dsn(t)
	syncOnce(t, srv, dsn, Options{Types: []Type{Users}})
	tables, err := open(t, dsn).base().tables(t.Context())
	require.NoError(t, err)
	assert.NotContains(t, tables, "entries", "entries are not a default type")

	syncOnce(t, srv, dsn, Options{Types: []Type{Entries}})
	want := apiList(t, srv, "/entries", "entries")
	require.NotEmpty(t, want)
	got := dump(t, open(t, dsn))["entries"]
	require.Len(t, got, len(want))
	ids := map[string]bool{}
	for _, r := range got {
		ids[r["id"]] = true
		assert.NotEqual(t, "NULL", r["entry_at"])
		assert.NotEqual(t, "NULL", r["creator_id"])
	}
	for _, e := range want {
		assert.True(t, ids[itoa(int64(e["id"].(float64)))], "entry %v is mirrored", e["id"])
	}
}

func TestParseTypes(t *testing.T) {
	ts, err := ParseTypes("")
	require.NoError(t, err)
	assert.Equal(t, DefaultTypes, ts)
	ts, err = ParseTypes(" kases, entries ")
	require.NoError(t, err)
	assert.Equal(t, []Type{Kases, Entries}, ts)
	_, err = ParseTypes("parties,parties")
	assert.EqualError(t, err, `type "parties" is named twice`)
	_, err = ParseTypes("parties,notes")
	assert.ErrorContains(t, err, `unknown type "notes"`)
}

// TestSQLiteChildTablesWithoutRowid checks that a new SQLite mirror keeps
// a child table's rows in its key's b-tree alone, and that a mirror made
// before, with rowid child tables, is synced into as well.
func TestSQLiteChildTablesWithoutRowid(t *testing.T) {
	srv := newServer(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "capsule.db")
	syncOnce(t, srv, dsn, Options{Types: []Type{Parties, Opportunities, Kases}})
	st := open(t, dsn)
	for table, rowid := range map[string]bool{"parties": true, "party_email_addresses": false, "party_tags": false} {
		var ddl string
		require.NoError(t, st.DB().QueryRowContext(t.Context(), `SELECT sql FROM sqlite_master WHERE name = ?`, table).Scan(&ddl))
		assert.Equal(t, !rowid, strings.HasSuffix(ddl, " WITHOUT ROWID"), "%s: %s", table, ddl)
	}
	checkAgainstAPI(t, srv, st)
	st.Close()

	// A mirror whose child tables have a rowid (as this package made them
	// before) takes the same rows.
	old := "sqlite:" + filepath.Join(t.TempDir(), "old.db")
	st = open(t, old)
	require.NoError(t, st.base().createBase(t.Context()))
	for _, ch := range NewSchema(nil, nil).Children(Parties) {
		cols := make([]string, len(ch.Columns))
		for i, c := range ch.Columns {
			cols[i] = `"` + c.Name + `" ` + sqliteDialect.types[c.Kind]
		}
		_, err := st.DB().ExecContext(t.Context(), `CREATE TABLE "`+ch.Name+`" (`+strings.Join(cols, ", ")+`, PRIMARY KEY ("`+strings.Join(ch.Key, `", "`)+`"))`)
		require.NoError(t, err)
	}
	st.Close()
	syncOnce(t, srv, old, Options{Types: []Type{Parties, Opportunities, Kases}, Full: true})
	st = open(t, old)
	var ddl string
	require.NoError(t, st.DB().QueryRowContext(t.Context(), `SELECT sql FROM sqlite_master WHERE name = 'party_tags'`).Scan(&ddl))
	assert.NotContains(t, ddl, "WITHOUT ROWID")
	checkAgainstAPI(t, srv, st)
}
