package mirror

import (
	"strconv"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withoutDeleted is a dump less deleted_records, which only a mirror that
// saw the deletions holds.
func withoutDeleted(d map[string][]map[string]string) map[string][]map[string]string {
	delete(d, DeletedTable)
	return d
}

// freshDump is the dump of a fresh full sync of srv into a new database of
// the same backend as dsn.
func freshDump(t *testing.T, srv *capsuletest.Server, dsn string) map[string][]map[string]string {
	t.Helper()
	other := backends[0].dsn(t)
	if strings.HasPrefix(dsn, "postgres") {
		other = postgresDSN(t)
	}
	syncOnce(t, srv, other, Options{})
	return withoutDeleted(dump(t, open(t, other)))
}

func TestIncrementalSyncAppliesChanges(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		syncOnce(t, srv, dsn, Options{})
		ctx := t.Context()
		c := testClient(t, srv, nil)
		parties, _, err := c.Parties.Read(ctx, &capsule.ListOptions{PerPage: 5, Embed: []string{capsule.EmbedFields}})
		require.NoError(t, err)
		updated, deleted, restricted, valued := parties[0], parties[1], parties[2], parties[3]

		// An update, with a new email address and tag.
		_, _, err = c.Parties.Update(ctx, updated.ID, &capsule.PartyInput{
			About:          capsule.Set("changed"),
			EmailAddresses: []capsule.EmailAddressChange{capsule.AddEmail("new@example.com", "Work")},
			Tags:           []capsule.TagChange{capsule.AddTag("Fresh")},
		})
		require.NoError(t, err)
		// A deletion, of a party and of an opportunity.
		_, err = c.Parties.Delete(ctx, deleted.ID)
		require.NoError(t, err)
		opps, _, err := c.Opportunities.Read(ctx, &capsule.ListOptions{PerPage: 1})
		require.NoError(t, err)
		_, err = c.Opportunities.Delete(ctx, opps[0].ID)
		require.NoError(t, err)
		// A restricted record.
		srv.Restrict("parties", restricted.ID)
		// A new custom field definition, with a value on one party.
		def, _, err := c.CustomFields.Create(ctx, capsule.EntityParties, &capsule.FieldDefinitionInput{
			Name: capsule.Set("Lead score"), Type: capsule.Set(capsule.FieldTypeNumber)})
		require.NoError(t, err)
		fc, err := def.Value(42.5)
		require.NoError(t, err)
		_, _, err = c.Parties.Update(ctx, valued.ID, &capsule.PartyInput{Fields: []capsule.FieldChange{fc}})
		require.NoError(t, err)

		srv.ResetRequests()
		sum := syncOnce(t, srv, dsn, Options{})
		reqs := srv.Requests()
		st := open(t, dsn)
		checkAgainstAPI(t, srv, st)
		got := dump(t, st)
		assert.Equal(t, freshDump(t, srv, dsn), withoutDeleted(dump(t, st)), "the rows of a fresh full sync")

		row := func(table string, id int64) map[string]string {
			for _, r := range got[table] {
				if r["id"] == itoa(id) {
					return r
				}
			}
			return nil
		}
		assert.Equal(t, "changed", row("parties", updated.ID)["about"])
		assert.Equal(t, "42.5", row("parties", valued.ID)["custom_lead_score"], "the new definition's column is added and filled")
		assert.Nil(t, row("parties", deleted.ID), "a deleted party leaves its table")
		assert.Nil(t, row("parties", restricted.ID), "a restricted party leaves its table")
		assert.Nil(t, row("opportunities", opps[0].ID))
		for _, table := range []string{"party_email_addresses", "party_phone_numbers", "party_addresses", "party_websites", "party_tags"} {
			for _, r := range got[table] {
				assert.NotEqual(t, itoa(deleted.ID), r["party_id"], "%s keeps no row of the deleted party", table)
				assert.NotEqual(t, itoa(restricted.ID), r["party_id"], "%s keeps no row of the restricted party", table)
			}
		}
		var dels []string
		for _, r := range got[DeletedTable] {
			assert.NotEqual(t, "NULL", r["deleted_at"])
			dels = append(dels, r["record_type"]+":"+r["id"])
		}
		assert.Contains(t, dels, "parties:"+itoa(deleted.ID))
		assert.Contains(t, dels, "opportunities:"+itoa(opps[0].ID))
		assert.NotContains(t, dels, "parties:"+itoa(restricted.ID), "a restricted record is not deleted")

		// The cost: per feed type a page of changes and the deleted feed,
		// never a request per record; the small types read again.
		feeds := 0
		for _, r := range reqs {
			if r.Path == "/api/v2/parties" || r.Path == "/api/v2/parties/deleted" ||
				r.Path == "/api/v2/opportunities" || r.Path == "/api/v2/opportunities/deleted" ||
				r.Path == "/api/v2/kases" || r.Path == "/api/v2/kases/deleted" {
				feeds++
				if !strings.HasSuffix(r.Path, "/deleted") {
					assert.Contains(t, r.Query, "since=", "a later run reads the changes only")
					assert.Contains(t, r.Query, "embed=fields%2Ctags")
				}
			}
		}
		assert.Equal(t, 6, feeds, "two requests per change feed")
		assert.Equal(t, int64(len(reqs)), sum.Requests)
		assert.Equal(t, 3, sum.Removed, "two deletions and a restriction")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRenamedAndRemovedDefinitionsKeepTheirColumns(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		syncOnce(t, srv, dsn, Options{Types: []Type{Parties}})
		ctx := t.Context()
		c := testClient(t, srv, nil)
		defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
		require.NoError(t, err)
		code, employees := defs.ByID(defs[0].ID), defs[1]
		require.Equal(t, "Account code", code.Name)
		require.Equal(t, "Employees", employees.Name)
		_, _, err = c.CustomFields.Update(ctx, capsule.EntityParties, code.ID, &capsule.FieldDefinitionInput{Name: capsule.Set("Customer code")})
		require.NoError(t, err)
		_, err = c.CustomFields.Delete(ctx, capsule.EntityParties, employees.ID)
		require.NoError(t, err)
		// A new definition takes the removed one's name with another type.
		_, _, err = c.CustomFields.Create(ctx, capsule.EntityParties, &capsule.FieldDefinitionInput{
			Name: capsule.Set("Employees"), Type: capsule.Set(capsule.FieldTypeText)})
		require.NoError(t, err)

		syncOnce(t, srv, dsn, Options{Types: []Type{Parties}, Full: true})
		st := open(t, dsn)
		kinds, err := st.base().columns(ctx, "parties")
		require.NoError(t, err)
		assert.Equal(t, KindText, kinds["custom_customer_code"], "the renamed definition gets its new name's column")
		assert.Contains(t, kinds, "custom_account_code", "the old column stays")
		assert.Equal(t, KindNumber, kinds["custom_employees"], "the removed definition's column stays, with its type")
		var newID int64
		defs, err = c.CustomFields.ReadAll(ctx, capsule.EntityParties)
		require.NoError(t, err)
		for _, d := range defs {
			if d.Name == "Employees" {
				newID = d.ID
			}
		}
		assert.Equal(t, KindText, kinds["custom_employees_"+itoa(newID)], "a new definition of an old column's name and another type gets its own column")
		filledOld, filledNew := 0, 0
		for _, r := range dump(t, st)["parties"] {
			if r["custom_account_code"] != "NULL" {
				filledOld++
			}
			if r["custom_customer_code"] != "NULL" {
				filledNew++
			}
		}
		assert.Zero(t, filledOld, "rows written since the rename leave the old column NULL")
		assert.Positive(t, filledNew)
	})
}

// TestEstimateIsTheRequestsOfTheRun checks that Estimate refuses to guess
// before a first full read, and then gives the requests the next run
// sends: an incremental run, a full one, and one with a type never read.
func TestEstimateIsTheRequestsOfTheRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		st := open(t, dsn)
		_, ok, err := Estimate(t.Context(), st, Options{})
		require.NoError(t, err)
		assert.False(t, ok, "an empty database: no estimate")
		first := syncOnce(t, srv, dsn, Options{Counter: &Counter{}})
		for _, opts := range []Options{{}, {Full: true}, {Types: []Type{Parties, Users, Milestones}, Full: true}} {
			want, ok, err := Estimate(t.Context(), st, opts)
			require.NoError(t, err)
			require.True(t, ok, "%+v", opts)
			opts.Counter = &Counter{}
			got := syncOnce(t, srv, dsn, opts)
			assert.Equal(t, want, got.Requests, "%+v", opts)
			assert.LessOrEqual(t, want, first.Requests)
		}
		_, ok, err = Estimate(t.Context(), st, Options{Types: []Type{Entries}})
		require.NoError(t, err)
		assert.False(t, ok, "entries never read")
		stopped := syncOnce(t, srv, dsn, Options{Types: []Type{Parties}, Full: true, MaxRequests: 2, Counter: &Counter{}})
		require.True(t, stopped.Stopped)
		_, ok, err = Estimate(t.Context(), st, Options{})
		require.NoError(t, err)
		assert.False(t, ok, "a full read of parties under way")
	})
}

// A run that stopped before a type's first read leaves its table made but
// empty: that type has no estimate until it has been read whole.
func TestEstimateWaitsForEachTypesFirstRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		types := []Type{Parties, Tasks, Pipelines, Milestones}
		sum := syncOnce(t, srv, dsn, Options{Types: types, MaxRequests: 4, Counter: &Counter{}})
		require.True(t, sum.Stopped)
		st := open(t, dsn)
		for _, typ := range types[1:] {
			_, ok, err := Estimate(t.Context(), st, Options{Types: []Type{typ}})
			require.NoError(t, err)
			assert.False(t, ok, "%s never read", typ)
		}
		syncOnce(t, srv, dsn, Options{Types: types})
		// Milestones alone: their pipelines are counted from the
		// milestones when the pipelines are not mirrored.
		for _, opts := range []Options{{Types: types}, {Types: []Type{Milestones}}} {
			want, ok, err := Estimate(t.Context(), st, opts)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, want, syncOnce(t, srv, dsn, opts).Requests, "%v", opts.Types)
		}
	})
}
