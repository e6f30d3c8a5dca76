package importer_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/importer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const partiesCSV = `type,first_name,last_name,name,job_title,organisation,email,phone,website,tags,custom_account_code,custom_employees,custom_newsletter,custom_renewal_date,custom_industry,custom_crm_link
organisation,,,Engines Ltd,,,,,,,,250,,,Finance,
person,Ada,Lovelace,,Analyst,Engines Ltd,ada@engines.test,+44 1234 567,https://ada.test,VIP;Engineers,A-1,,true,2026-03-01,Software,https://crm.test/ada
person,Alan,,,,,alan@engines.test,,,,,,no,,,
`

func TestCreatePartiesEveryColumnAndFieldType(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	srv.ResetRequests()
	res := run(t, c, partiesCSV, importer.Options{Type: "parties"})
	require.NoError(t, res.err)
	assert.Equal(t, 2, res.opens, "one open per pass")
	assert.Equal(t, []importer.Status{"created", "created", "created"}, statuses(res.rows))
	assert.Equal(t, 3, res.sum.Counts[importer.StatusCreated])
	assert.Equal(t, 4, res.sum.Requests, "the definitions, then one request per created row")
	w := writes(srv)
	require.Len(t, w, 3)
	for _, r := range w {
		assert.Equal(t, "POST", r.Method)
		assert.Equal(t, "/api/v2/parties", r.Path)
	}
	var body struct {
		Party map[string]any `json:"party"`
	}
	require.NoError(t, json.Unmarshal(w[1].Body, &body))
	assert.Equal(t, "person", body.Party["type"])
	assert.Equal(t, map[string]any{"name": "Engines Ltd"}, body.Party["organisation"])

	ada, _, err := c.Parties.ReadSingle(t.Context(), res.rows[1].ID, &capsule.ReadOptions{Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	assert.Equal(t, "Ada", *ada.FirstName)
	assert.Equal(t, "Analyst", *ada.JobTitle)
	assert.Equal(t, res.rows[0].ID, ada.Organisation.ID, "linked to the organisation by name")
	assert.Equal(t, "ada@engines.test", ada.EmailAddresses[0].Address)
	assert.Equal(t, "+44 1234 567", ada.PhoneNumbers[0].Number)
	assert.Equal(t, "https://ada.test", ada.Websites[0].Address)
	require.Len(t, ada.Tags, 2)
	code, _, _ := ada.Fields.Text("Account code")
	assert.Equal(t, "A-1", code)
	news, ok, _ := ada.Fields.Bool("Newsletter")
	assert.True(t, ok && news)
	ind, _, _ := ada.Fields.Text("Industry")
	assert.Equal(t, "Software", ind)
	org, _, err := c.Parties.ReadSingle(t.Context(), res.rows[0].ID, &capsule.ReadOptions{Embed: []string{"fields"}})
	require.NoError(t, err)
	n, ok, _ := org.Fields.Number("Employees")
	assert.True(t, ok)
	assert.Equal(t, 250.0, n)
	alan, _, err := c.Parties.ReadSingle(t.Context(), res.rows[2].ID, &capsule.ReadOptions{Embed: []string{"fields"}})
	require.NoError(t, err)
	news, ok, _ = alan.Fields.Bool("Newsletter")
	assert.True(t, ok)
	assert.False(t, news, "\"no\" is false")

	// the same file again, matched by name: every cell is already there
	srv.ResetRequests()
	again := run(t, c, partiesCSV, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "name"})
	require.NoError(t, again.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged", "unchanged"}, statuses(again.rows))
	assert.Equal(t, []int64{res.rows[0].ID, res.rows[1].ID, res.rows[2].ID}, []int64{again.rows[0].ID, again.rows[1].ID, again.rows[2].ID})
	assert.Empty(t, writes(srv))

	// a phone written with other separators is the number the party has
	srv.ResetRequests()
	reformatted := strings.Replace(partiesCSV, "+44 1234 567", "+44-1234-567", 1)
	again = run(t, c, reformatted, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "name"})
	require.NoError(t, again.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged", "unchanged"}, statuses(again.rows))
	assert.Empty(t, writes(srv))
}

func TestUpsertByEmailTwiceWritesOnce(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	in := "first_name,email,job_title,tags\nGrace,grace@navy.test,Admiral,Navy\nLinus,linus@kernel.test,,\n"
	res := run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"created", "created"}, statuses(res.rows))
	assert.Equal(t, "one read of 8 candidates", res.sum.Lookup, "one page of 8 parties costs less than 2 filters")

	srv.ResetRequests()
	res = run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged"}, statuses(res.rows))
	assert.Empty(t, writes(srv), "nothing to write the second time")

	srv.ResetRequests()
	edited := strings.Replace(in, "Admiral", "Rear Admiral", 1)
	res = run(t, c, edited, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"updated", "unchanged"}, statuses(res.rows))
	w := writes(srv)
	require.Len(t, w, 1)
	assert.Equal(t, "PUT", w[0].Method)
	assert.Equal(t, "/api/v2/parties/"+strconv.FormatInt(res.rows[0].ID, 10), w[0].Path)
	assert.JSONEq(t, `{"party":{"jobTitle":"Rear Admiral"}}`, string(w[0].Body), "only the edited cell is sent")
}

// TestExportEditImportChangesOnlyEditedCells writes the parties as the
// mirror's columns would hold them, edits two cells and imports the file
// back: exactly those cells are sent.
func TestExportEditImportChangesOnlyEditedCells(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), &capsule.ListOptions{PerPage: 100, Embed: []string{"tags", "fields"}})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(parties), 3)
	var b strings.Builder
	b.WriteString("id,type,first_name,last_name,name,job_title,owner_id,created_at,updated_at,custom_industry\n")
	opt := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for i, p := range parties {
		ind, _, _ := p.Fields.Text("Industry")
		job := opt(p.JobTitle)
		if i == 1 {
			job = "Edited title"
		}
		if i == 2 {
			ind = "Retail"
			if v, _, _ := p.Fields.Text("Industry"); v == "Retail" {
				ind = "Finance"
			}
		}
		var owner string
		if p.Owner != nil {
			owner = strconv.FormatInt(p.Owner.ID, 10)
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", p.ID, p.Type, opt(p.FirstName), opt(p.LastName), p.Name, job, owner,
			p.CreatedAt.Format("2006-01-02T15:04:05Z"), p.UpdatedAt.Format("2006-01-02T15:04:05Z"), ind)
	}
	srv.ResetRequests()
	res := run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, len(parties)-2, res.sum.Counts[importer.StatusUnchanged])
	assert.Equal(t, 2, res.sum.Counts[importer.StatusUpdated])
	w := writes(srv)
	require.Len(t, w, 2)
	assert.Equal(t, fmt.Sprintf("/api/v2/parties/%d", parties[1].ID), w[0].Path)
	assert.JSONEq(t, `{"party":{"jobTitle":"Edited title"}}`, string(w[0].Body))
	assert.Equal(t, fmt.Sprintf("/api/v2/parties/%d", parties[2].ID), w[1].Path)
	assert.Contains(t, string(w[1].Body), `"fields":[{"definition":{"id":`)
	assert.NotContains(t, string(w[1].Body), "jobTitle")
}

func TestMatchByIDUsesShowMultipleOrOneRead(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), &capsule.ListOptions{PerPage: 100})
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("id,about\n")
	for _, p := range parties[:3] {
		fmt.Fprintf(&b, "%d,about %d\n", p.ID, p.ID)
	}
	srv.ResetRequests()
	res := run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, "show-multiple, 10 ids a request", res.sum.Lookup)
	reads := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/api/v2/parties/") && strings.Contains(r.Path, ",") {
			reads++
			assert.Contains(t, r.Query, "embed=tags%2Cfields")
		}
	}
	assert.Equal(t, 1, reads, "3 ids: one show-multiple request")
	assert.Equal(t, 3, res.sum.Counts[importer.StatusUpdated])

	// 40 rows by name cost 40 filters, or one page of every party: the
	// page is cheaper.
	b.Reset()
	b.WriteString("name,about\n")
	for i := range 40 {
		fmt.Fprintf(&b, "Org %d,x\n", i)
	}
	srv.ResetRequests()
	res = run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "name", DryRun: true})
	require.NoError(t, res.err)
	assert.Contains(t, res.sum.Lookup, "one read of")
	assert.Equal(t, 2, res.sum.Requests, "the definitions and one page of candidates")
	assert.Equal(t, 40, res.sum.Counts[importer.StatusCreated])
	assert.Empty(t, writes(srv), "a dry run writes nothing")
}

func TestMatchByIDMissingRecord(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), nil)
	require.NoError(t, err)
	in := fmt.Sprintf("id,about\n%d,new about\n999999,x\n", parties[0].ID)
	res := run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"updated", "failed"}, statuses(res.rows))
	assert.Contains(t, res.rows[1].Err, `no record matches id "999999"`)
	assert.True(t, res.sum.Failed())
}

func TestMatchByCustomFieldAndAmbiguous(t *testing.T) {
	// more than a page of parties: for 3 rows, a filter each is cheaper
	srv := newServer(t, capsuletest.WithSeed(150))
	c := newClient(t, srv)
	first := run(t, c, "name,custom_account_code\nAlpha,AC-1\nBeta,AC-2\nGamma,AC-2X\n", importer.Options{Type: "parties"})
	require.NoError(t, first.err)
	// a second record with AC-1 makes AC-1 ambiguous
	dup := run(t, c, "name,custom_account_code\nAlpha two,AC-1\n", importer.Options{Type: "parties"})
	require.NoError(t, dup.err)

	srv.ResetRequests()
	res := run(t, c, "custom_account_code,about\nAC-1,x\nAC-2,y\nAC-3,z\n", importer.Options{Type: "parties", Mode: importer.ModeUpdate, Match: "custom_account_code"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"failed", "updated", "failed"}, statuses(res.rows))
	assert.Contains(t, res.rows[0].Err, "ambiguous: 2 records match")
	assert.Equal(t, first.rows[1].ID, res.rows[1].ID, "AC-2 is Beta, not AC-2X")
	w := writes(srv)
	require.Len(t, w, 1, "nothing is written for an ambiguous row")
	var filters int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/filters/results") {
			filters++
			assert.Contains(t, string(r.Body), `"field":"custom:`)
		}
	}
	assert.Equal(t, 3, filters, "a filter per row")
	assert.Equal(t, "per-row filter", res.sum.Lookup)
}

func TestEveryTypeCreateAndUpdate(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	party, _, err := c.Parties.Create(t.Context(), &capsule.PartyInput{Type: capsule.Set("organisation"), Name: capsule.Set("Client Co")})
	require.NoError(t, err)
	ms, _, err := c.Milestones.Read(t.Context(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, ms)

	opps := fmt.Sprintf("name,party_id,milestone_id,value_amount,value_currency,probability,expected_close_on,custom_lead_source,custom_discount,custom_signed,custom_contract_start,tags\n"+
		"Deal,%d,%d,1500.5,GBP,40,2026-05-01,Referral,12.5,true,2026-06-01,Hot\n", party.ID, ms[0].ID)
	res := run(t, c, opps, importer.Options{Type: "opportunities"})
	require.NoError(t, res.err)
	require.Equal(t, []importer.Status{"created"}, statuses(res.rows))
	o, _, err := c.Opportunities.ReadSingle(t.Context(), res.rows[0].ID, &capsule.ReadOptions{Embed: []string{"fields", "tags"}})
	require.NoError(t, err)
	assert.Equal(t, 1500.5, o.Value.Amount)
	assert.Equal(t, "GBP", o.Value.Currency)
	assert.Equal(t, 40, *o.Probability)
	disc, _, _ := o.Fields.Number("Discount")
	assert.Equal(t, 12.5, disc)
	require.Len(t, o.Tags, 1)

	upd := fmt.Sprintf("id,value_amount\n%d,2000\n", o.ID)
	res = run(t, c, upd, importer.Options{Type: "opportunities", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"updated"}, statuses(res.rows))
	o, _, err = c.Opportunities.ReadSingle(t.Context(), o.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, 2000.0, o.Value.Amount)
	assert.Equal(t, "GBP", o.Value.Currency, "the currency is kept")

	kases := fmt.Sprintf("name,party_id,owner_id,status,custom_priority,custom_budget_hours,custom_go_live,custom_spec_doc,custom_delivery_manager\n"+
		"Rollout,%d,%d,OPEN,High,80,2026-09-01,https://spec.test,Sam\n", party.ID, srv.CurrentUserID())
	res = run(t, c, kases, importer.Options{Type: "kases"})
	require.NoError(t, res.err)
	require.Equal(t, []importer.Status{"created"}, statuses(res.rows), res.rows)
	k, _, err := c.Kases.ReadSingle(t.Context(), res.rows[0].ID, &capsule.ReadOptions{Embed: []string{"fields"}})
	require.NoError(t, err)
	pr, _, _ := k.Fields.Text("Priority")
	assert.Equal(t, "High", pr)
	res = run(t, c, fmt.Sprintf("name,status\n%s,closed\n", "Rollout"), importer.Options{Type: "kases", Mode: importer.ModeUpdate, Match: "name"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"updated"}, statuses(res.rows))

	tasks := fmt.Sprintf("description,due_on,due_time,party_id\nCall back,2026-04-01,09:30,%d\n", party.ID)
	res = run(t, c, tasks, importer.Options{Type: "tasks"})
	require.NoError(t, res.err)
	require.Equal(t, []importer.Status{"created"}, statuses(res.rows))
	task, _, err := c.Tasks.ReadSingle(t.Context(), res.rows[0].ID, nil)
	require.NoError(t, err)
	assert.Equal(t, "Call back", task.Description)
	assert.Equal(t, "09:30:00", task.DueTime.String())
	res = run(t, c, fmt.Sprintf("id,status\n%d,COMPLETED\n", task.ID), importer.Options{Type: "tasks", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"updated"}, statuses(res.rows))
}

func TestDeleteThenAgainIsUnchanged(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	created := run(t, c, "name\nDoomed A\nDoomed B\n", importer.Options{Type: "parties"})
	require.NoError(t, created.err)
	in := fmt.Sprintf("id\n%d\n%d\n", created.rows[0].ID, created.rows[1].ID)
	srv.ResetRequests()
	res := run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeDelete})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"deleted", "deleted"}, statuses(res.rows))
	w := writes(srv)
	require.Len(t, w, 2)
	assert.Equal(t, "DELETE", w[0].Method)
	_, _, err := c.Parties.ReadSingle(t.Context(), created.rows[0].ID, nil)
	assert.ErrorIs(t, err, capsule.ErrNotFound)

	res = run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeDelete})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged"}, statuses(res.rows))
	assert.Contains(t, res.rows[0].Err, "nothing to delete")
}

func TestChecksBeforeTheFirstWrite(t *testing.T) {
	cases := []struct {
		name, typ, mode, match, in, want string
		row                              int
	}{
		{"wrong type", "parties", "create", "", "name,custom_employees\nA,many\n", "column custom_employees: \"many\" is not a number", 1},
		{"not a list option", "parties", "create", "", "name,custom_industry\nA,Software\nB,Mining\n", `"Mining" is not one of the options`, 2},
		{"bad boolean", "parties", "create", "", "name,custom_newsletter\nA,perhaps\n", "is not true or false", 1},
		{"bad date", "parties", "create", "", "name,custom_renewal_date\nA,01/02/2026\n", "custom_renewal_date", 1},
		{"missing required", "parties", "create", "", "job_title\nBoss\n", "a new party needs type", 1},
		{"person without names", "parties", "create", "", "type,job_title\nperson,Boss\n", "a new person needs first_name or last_name", 1},
		{"opportunity without milestone", "opportunities", "create", "", "name,party_id\nDeal,1\n", "a new opportunity needs milestone_id", 1},
		{"task without due date", "tasks", "create", "", "description\nCall\n", "a new task needs due_on", 1},
		{"bad id", "parties", "update", "", "id,about\n-4,x\n", "is not a record id", 1},
		{"no id to match", "parties", "update", "", "id,about\n,x\n", "no id to match", 1},
		{"duplicate key", "parties", "upsert", "email", "name,email\nA,a@x.test\nB,A@x.test\n", "is also in row 1", 2},
		{"bad enum", "parties", "create", "", "type,name\ncompany,A\n", `"company" is not one of person, organisation`, 1},
		{"field for organisations on a person", "parties", "create", "", "first_name,custom_employees\nAda,3\n", `field "Employees" is for organisations only, and this row is a person`, 1},
		{"bad email", "parties", "create", "", "name,email\nA,not-an-address\n", "is not an e-mail address", 1},
		{"currency without amount", "opportunities", "create", "", "name,party_id,milestone_id,value_currency\nD,1,1,GBP\n", "value_currency needs value_amount", 1},
		{"sdk check", "tasks", "create", "", "description,due_on,status\nX,2026-01-01,OPEN\n ,2026-01-01,\n", "Description: must not be empty", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv)
			srv.ResetRequests()
			res := run(t, c, tc.in, importer.Options{Type: tc.typ, Mode: importer.Mode(tc.mode), Match: tc.match})
			var ce *importer.CheckError
			require.ErrorAs(t, res.err, &ce)
			assert.Equal(t, tc.row, ce.FirstRow)
			assert.Contains(t, ce.Error(), tc.want)
			assert.Empty(t, writes(srv), "nothing is written")
			assert.Equal(t, 1, res.opens, "the file is not read a second time")
			require.Len(t, res.rows, strings.Count(tc.in, "\n")-1, "every row is reported")
			for _, r := range res.rows {
				assert.Equal(t, importer.StatusFailed, r.Status)
			}
			assert.Contains(t, res.rows[tc.row-1].Err, tc.want)
		})
	}
}

func TestBadFiles(t *testing.T) {
	cases := []struct {
		name, format, in string
		line             int
		column, want     string
	}{
		{"empty", "csv", "", 1, "", "the file is empty"},
		{"ragged row", "csv", "name,about\nA,x\nB\n", 3, "", "wrong number of cells"},
		{"unknown column", "csv", "name,colour\nA,red\n", 1, "colour", `unknown column "colour" for parties`},
		{"unknown custom column", "csv", "name,custom_shoe_size\nA,9\n", 1, "custom_shoe_size", "no custom field of that name"},
		{"repeated column", "csv", "name,about,name\nA,x,B\n", 1, "3", `column "name" is repeated`},
		{"bad quote", "csv", "name,about\nA,x\"y\n", 2, "4", "bare \" in non-quoted-field"},
		{"invalid UTF-8 cell", "csv", "name,about\nA,\xff\xfe\n", 2, "about", "not valid UTF-8"},
		{"jsonl not an object", "jsonl", "{\"name\":\"A\"}\n[1,2]\n", 2, "", "not a JSON object"},
		{"jsonl bad JSON", "jsonl", "{\"name\":\"A\"}\n{\"name\":\n", 2, "name", "bad JSON"},
		{"jsonl unknown key", "jsonl", "{\"name\":\"A\",\"colour\":\"red\"}\n", 1, "colour", "unknown column"},
		{"jsonl repeated key", "jsonl", "{\"name\":\"A\",\"name\":\"B\"}\n", 1, "name", "repeated"},
		{"jsonl object value", "jsonl", "{\"name\":{\"x\":1}}\n", 1, "name", "not an object"},
		{"jsonl invalid UTF-8", "jsonl", "{\"name\":\"A\"}\n\n{\"name\":\"\xff\"}\n", 3, "", "not valid UTF-8"},
		{"jsonl two values", "jsonl", "{\"name\":\"A\"} {}\n", 1, "", "more than one JSON value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv)
			srv.ResetRequests()
			res := run(t, c, tc.in, importer.Options{Type: "parties", Format: importer.Format(tc.format)})
			var fe *importer.FileError
			require.ErrorAs(t, res.err, &fe)
			assert.Equal(t, tc.line, fe.Line)
			assert.Equal(t, tc.column, fe.Column)
			assert.Contains(t, fe.Error(), tc.want)
			assert.Contains(t, fe.Error(), fmt.Sprintf("line %d", tc.line))
			assert.Empty(t, writes(srv))
			assert.Empty(t, res.rows)
		})
	}
}

func TestMissingFile(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	_, err := importer.Run(t.Context(), c, func() (io.ReadCloser, error) { return os.Open("/nonexistent/x.csv") }, importer.Options{Type: "parties"})
	var fe *importer.FileError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "/nonexistent/x.csv")
	assert.Empty(t, writes(srv))
}

func TestJSONLCreate(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	in := "{\"type\":\"person\",\"first_name\":\"Jo\",\"tags\":[\"A\",\"B\"],\"custom_employees\":null,\"custom_newsletter\":true,\"about\":\"\"}\n\n" +
		"{\"name\":\"Numbers Inc\",\"custom_employees\":12}\n"
	res := run(t, c, in, importer.Options{Type: "parties", Format: importer.FormatJSONL})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"created", "created"}, statuses(res.rows))
	assert.Equal(t, []int{1, 2}, []int{res.rows[0].Row, res.rows[1].Row}, "a blank line is not a row")
	p, _, err := c.Parties.ReadSingle(t.Context(), res.rows[1].ID, &capsule.ReadOptions{Embed: []string{"fields"}})
	require.NoError(t, err)
	n, _, _ := p.Fields.Number("Employees")
	assert.Equal(t, 12.0, n)
}

func TestUsageErrors(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	for _, o := range []importer.Options{
		{Type: "widgets"},
		{Type: "parties", Mode: "merge"},
		{Type: "parties", Format: "xml"},
		{Type: "opportunities", Match: "email", Mode: importer.ModeUpdate},
		{Type: "tasks", Match: "name", Mode: importer.ModeUpdate},
		{Type: "parties", Match: "colour", Mode: importer.ModeUpdate},
		{Type: "parties", MaxRequests: -1},
	} {
		_, err := importer.Run(t.Context(), c, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }, o)
		assert.ErrorIs(t, err, importer.ErrUsage, "%+v", o)
	}
	res := run(t, c, "name\nA\n", importer.Options{Type: "parties", Mode: importer.ModeUpdate, Match: "custom_nope"})
	assert.ErrorIs(t, res.err, importer.ErrUsage)
	assert.Empty(t, writes(srv))
}

func TestCreateWithMatchSkipsExisting(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	in := "name,email\nA,a@s.test\n"
	require.NoError(t, run(t, c, in, importer.Options{Type: "parties", Match: "email"}).err)
	res := run(t, c, in+"B,b@s.test\n", importer.Options{Type: "parties", Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "created"}, statuses(res.rows))
	assertOnce(t, c, "a@s.test")
}

func TestSummaryLine(t *testing.T) {
	s := &importer.Summary{Rows: 3, Counts: map[importer.Status]int{"created": 2, "failed": 1}, Lookup: "none", Requests: 4, DryRun: true}
	assert.Equal(t, "3 rows (dry run, nothing written): 2 created, 0 updated, 0 unchanged, 0 deleted, 1 failed, 0 unknown; lookups: none; 4 requests", s.String())
	assert.True(t, s.Failed())
}

func TestCreateWithIDColumnLeavesExistingRecords(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), nil)
	require.NoError(t, err)
	in := fmt.Sprintf("id,name,about\n%d,Kept,changed about\n,New Org,x\n", parties[0].ID)
	srv.ResetRequests()
	res := run(t, c, in, importer.Options{Type: "parties"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "created"}, statuses(res.rows))
	assert.Equal(t, parties[0].ID, res.rows[0].ID)
	w := writes(srv)
	require.Len(t, w, 1, "a create never changes an existing record")
	assert.Equal(t, "POST", w[0].Method)
}

// TestLargeFileIsStreamed imports a file generated as it is read, far
// larger than what the run may keep: the heap stays small.
func TestLargeFileIsStreamed(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	const rows = 60_000
	about := strings.Repeat("x", 800)
	open := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			bw := bufio.NewWriter(pw)
			fmt.Fprintln(bw, "name,about")
			for i := range rows {
				fmt.Fprintf(bw, "Org %d,%s\n", i, about)
			}
			_ = bw.Flush()
			_ = pw.Close()
		}()
		return pr, nil
	}
	var peak uint64
	var ms runtime.MemStats
	n := 0
	opts := importer.Options{Type: "parties", DryRun: true, OnRow: func(importer.RowResult) {
		if n++; n%5000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}}
	sum, err := importer.Run(t.Context(), c, open, opts)
	require.NoError(t, err)
	assert.Equal(t, rows, sum.Counts[importer.StatusCreated])
	assert.Less(t, peak, uint64(24<<20), "a %d MB file is never held whole", rows*len(about)>>20)
}

func TestLongJSONLine(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	in := `{"name":"` + strings.Repeat("y", 17<<20) + "\"}\n"
	res := run(t, c, in, importer.Options{Type: "parties", Format: importer.FormatJSONL})
	var fe *importer.FileError
	require.ErrorAs(t, res.err, &fe)
	assert.Equal(t, 1, fe.Line)
	assert.Contains(t, fe.Error(), "longer than 16 MiB")
}

func TestCSVWithByteOrderMark(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	res := run(t, c, "\xEF\xBB\xBFname,about\nBOM Org,x\n", importer.Options{Type: "parties"})
	require.NoError(t, res.err, "the mark spreadsheets write is not part of the first column's name")
	assert.Equal(t, []importer.Status{"created"}, statuses(res.rows))
}

// TestMirrorColumnsCapsuleComputesAreSkipped imports rows with the
// mirror's read-only columns (named from the SDK models' keys): they are
// accepted and never sent.
func TestMirrorColumnsCapsuleComputesAreSkipped(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), nil)
	require.NoError(t, err)
	in := fmt.Sprintf("id,picture_url,created_at,updated_at,last_contacted_at\n%d,https://pic.test/x.png,2020-01-01T00:00:00Z,2020-01-01T00:00:00Z,\n", parties[0].ID)
	srv.ResetRequests()
	res := run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpdate})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged"}, statuses(res.rows))
	assert.Empty(t, writes(srv))

	for typ, header := range map[string]string{
		"opportunities": "id,status,closed_on,last_open_milestone_id,last_stage_changed_at",
		"kases":         "id,closed_on,created_at",
		"tasks":         "id,completed_at,completed_by,has_track,next_task_id,days_after,active",
	} {
		res := run(t, c, header+"\n", importer.Options{Type: typ, Mode: importer.ModeUpdate})
		assert.NoError(t, res.err, typ)
	}
}
