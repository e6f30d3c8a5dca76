package importer

import (
	"math"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
)

// The builders turn a checked row into the input of a write. For a create
// (cur nil) every cell is sent; for an update only the cells that differ
// from the current record, so changed is false when Capsule already holds
// the row and no write is needed. Collections (e-mail addresses, phone
// numbers, websites, tags) only gain what the record lacks.

// diff collects the changes of one row.
type diff struct {
	r       *row
	create  bool
	changed bool
}

// text sets dst from col when the record's value (cur, nil for none)
// differs.
func (d *diff) text(dst *capsule.Optional[string], col string, cur *string) {
	v, ok := d.r.vals[col].(string)
	if !ok || (!d.create && cur != nil && *cur == v) {
		return
	}
	*dst = capsule.Set(v)
	d.changed = true
}

// ref sets dst from the id column col when it differs from cur (0: none).
func (d *diff) ref(dst *capsule.Optional[capsule.Ref], col string, cur int64) {
	id, ok := d.r.vals[col].(int64)
	if !ok || (!d.create && id == cur) {
		return
	}
	*dst = capsule.RefTo(id)
	d.changed = true
}

// date sets dst from col when it differs from cur.
func (d *diff) date(dst *capsule.Optional[capsule.Date], col string, cur *capsule.Date) {
	v, ok := d.r.vals[col].(capsule.Date)
	if !ok || (!d.create && cur != nil && *cur == v) {
		return
	}
	*dst = capsule.Set(v)
	d.changed = true
}

// integer sets dst from col when it differs from cur.
func (d *diff) integer(dst *capsule.Optional[int], col string, cur *int) {
	v, ok := d.r.vals[col].(int)
	if !ok || (!d.create && cur != nil && *cur == v) {
		return
	}
	*dst = capsule.Set(v)
	d.changed = true
}

// tags returns the tags of the row that the record (cur) lacks.
func (d *diff) tags(cur []capsule.Tag) []capsule.TagChange {
	names, _ := d.r.vals["tags"].([]string)
	var out []capsule.TagChange
	for _, n := range names {
		has := false
		for _, t := range cur {
			has = has || strings.EqualFold(t.Name, n)
		}
		if !has {
			out = append(out, capsule.AddTag(n))
			d.changed = true
		}
	}
	return out
}

// fields returns the custom field values of the row that differ from cur.
func (d *diff) fields(cur capsule.Fields) []capsule.FieldChange {
	var out []capsule.FieldChange
	for _, v := range d.r.vals {
		fc, ok := v.(capsule.FieldChange)
		if !ok {
			continue
		}
		if !d.create && sameField(cur, fc) {
			continue
		}
		out = append(out, fc)
		d.changed = true
	}
	// map order is random; a stable order keeps request bodies repeatable
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Definition.ID < out[j-1].Definition.ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// sameField reports whether cur already holds the value fc sets.
func sameField(cur capsule.Fields, fc capsule.FieldChange) bool {
	for _, fv := range cur {
		if fv.Definition.ID == fc.Definition.ID && sameValue(fv.Value, fc.Value) {
			return true
		}
	}
	return false
}

// sameValue compares a stored value (numbers and dates arrive as strings)
// with the one to send.
func sameValue(stored, v any) bool {
	sv := fieldText(stored)
	nv := fieldText(v)
	if sv == nv {
		return true
	}
	a, err1 := strconv.ParseFloat(sv, 64)
	b, err2 := strconv.ParseFloat(nv, 64)
	return err1 == nil && err2 == nil && a == b
}

func fieldText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case capsule.Date:
		return v.String()
	case interface{ String() string }: // json.Number
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func userID(u *capsule.UserRef) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func teamID(t *capsule.TeamRef) int64 {
	if t == nil {
		return 0
	}
	return t.ID
}

func partyID(p *capsule.Party) int64 {
	if p == nil {
		return 0
	}
	return p.ID
}

// buildParty is the write of a party row; cur is nil for a create.
func buildParty(r *row, cur *capsule.Party) (*capsule.PartyInput, bool) {
	d := &diff{r: r, create: cur == nil}
	in := &capsule.PartyInput{}
	if cur == nil {
		cur = &capsule.Party{}
		in.Type = capsule.Set(partyType(r))
		d.changed = true
	}
	d.text(&in.FirstName, "first_name", cur.FirstName)
	d.text(&in.LastName, "last_name", cur.LastName)
	d.text(&in.Title, "title", cur.Title)
	d.text(&in.JobTitle, "job_title", cur.JobTitle)
	d.text(&in.Name, "name", nonEmpty(cur.Name))
	d.text(&in.About, "about", cur.About)
	d.ref(&in.Owner, "owner_id", userID(cur.Owner))
	d.ref(&in.Team, "team_id", teamID(cur.Team))
	org := cur.Organisation
	if id, ok := r.vals["organisation_id"].(int64); ok && (d.create || id != partyID(org)) {
		in.Organisation = capsule.OrganisationByID(id)
		d.changed = true
	} else if name := r.str("organisation"); name != "" && !ok && (d.create || org == nil || !strings.EqualFold(org.DisplayName(), name)) {
		in.Organisation = capsule.OrganisationByName(name)
		d.changed = true
	}
	if v := r.str("email"); v != "" && !hasEmail(cur, v) {
		in.EmailAddresses = []capsule.EmailAddressChange{capsule.AddEmail(v, "")}
		d.changed = true
	}
	if v := r.str("phone"); v != "" && !hasPhone(cur, v) {
		in.PhoneNumbers = []capsule.PhoneNumberChange{capsule.AddPhoneNumber(v, "")}
		d.changed = true
	}
	if v := r.str("website"); v != "" && !hasWebsite(cur, v) {
		in.Websites = []capsule.WebsiteChange{capsule.AddWebsite(capsule.ServiceURL, v, "")}
		d.changed = true
	}
	in.Tags = d.tags(cur.Tags)
	in.Fields = d.fields(cur.Fields)
	return in, d.changed
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func hasEmail(p *capsule.Party, v string) bool {
	for _, e := range p.EmailAddresses {
		if strings.EqualFold(strings.TrimSpace(e.Address), v) {
			return true
		}
	}
	return false
}

func hasPhone(p *capsule.Party, v string) bool {
	dv := digits(v)
	for _, n := range p.PhoneNumbers {
		if n.Number == v || (dv != "" && digits(n.Number) == dv) {
			return true
		}
	}
	return false
}

func hasWebsite(p *capsule.Party, v string) bool {
	for _, w := range p.Websites {
		if strings.EqualFold(w.Address, v) || strings.EqualFold(w.URL, v) {
			return true
		}
	}
	return false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// buildOpportunity is the write of an opportunity row.
func buildOpportunity(r *row, cur *capsule.Opportunity) (*capsule.OpportunityInput, bool) {
	d := &diff{r: r, create: cur == nil}
	in := &capsule.OpportunityInput{}
	if cur == nil {
		cur = &capsule.Opportunity{}
	}
	d.text(&in.Name, "name", nonEmpty(cur.Name))
	d.text(&in.Description, "description", cur.Description)
	d.ref(&in.Party, "party_id", partyID(cur.Party))
	var milestone int64
	if cur.Milestone != nil {
		milestone = cur.Milestone.ID
	}
	d.ref(&in.Milestone, "milestone_id", milestone)
	var lost int64
	if cur.LostReason != nil {
		lost = cur.LostReason.ID
	}
	d.ref(&in.LostReason, "lost_reason_id", lost)
	d.ref(&in.Owner, "owner_id", userID(cur.Owner))
	d.ref(&in.Team, "team_id", teamID(cur.Team))
	amount, hasAmount := r.vals["value_amount"].(float64)
	currency := r.str("value_currency")
	if hasAmount || currency != "" {
		old := capsule.Money{}
		if cur.Value != nil {
			old = *cur.Value
		}
		next := old
		if hasAmount {
			next.Amount = amount
		}
		if currency != "" {
			next.Currency = currency
		}
		if d.create || cur.Value == nil || math.Abs(next.Amount-old.Amount) > 1e-9 || !strings.EqualFold(next.Currency, old.Currency) {
			in.Value = capsule.Set(next)
			d.changed = true
		}
	}
	d.integer(&in.Probability, "probability", cur.Probability)
	d.date(&in.ExpectedCloseOn, "expected_close_on", cur.ExpectedCloseOn)
	d.text(&in.DurationBasis, "duration_basis", nonEmpty(cur.DurationBasis))
	d.integer(&in.Duration, "duration", cur.Duration)
	in.Tags = d.tags(cur.Tags)
	in.Fields = d.fields(cur.Fields)
	return in, d.changed
}

// buildKase is the write of a kase row.
func buildKase(r *row, cur *capsule.Kase) (*capsule.KaseInput, bool) {
	d := &diff{r: r, create: cur == nil}
	in := &capsule.KaseInput{}
	if cur == nil {
		cur = &capsule.Kase{}
	}
	d.text(&in.Name, "name", nonEmpty(cur.Name))
	d.text(&in.Description, "description", cur.Description)
	d.text(&in.Status, "status", nonEmpty(cur.Status))
	d.ref(&in.Party, "party_id", partyID(cur.Party))
	d.ref(&in.Owner, "owner_id", userID(cur.Owner))
	d.ref(&in.Team, "team_id", teamID(cur.Team))
	var opp int64
	if cur.Opportunity != nil {
		opp = cur.Opportunity.ID
	}
	d.ref(&in.Opportunity, "opportunity_id", opp)
	if id, ok := r.vals["stage_id"].(int64); ok && (d.create || cur.Stage == nil || cur.Stage.ID != id) {
		in.Stage = capsule.Set(id)
		d.changed = true
	}
	d.date(&in.ExpectedCloseOn, "expected_close_on", cur.ExpectedCloseOn)
	in.Tags = d.tags(cur.Tags)
	in.Fields = d.fields(cur.Fields)
	return in, d.changed
}

// buildTask is the write of a task row.
func buildTask(r *row, cur *capsule.Task) (*capsule.TaskInput, bool) {
	d := &diff{r: r, create: cur == nil}
	in := &capsule.TaskInput{}
	if cur == nil {
		cur = &capsule.Task{}
	}
	d.text(&in.Description, "description", nonEmpty(cur.Description))
	d.text(&in.Detail, "detail", cur.Detail)
	var category int64
	if cur.Category != nil {
		category = cur.Category.ID
	}
	d.ref(&in.Category, "category_id", category)
	d.date(&in.DueOn, "due_on", cur.DueOn)
	if v, ok := r.vals["due_time"].(capsule.TimeOfDay); ok && (d.create || cur.DueTime == nil || *cur.DueTime != v) {
		in.DueTime = capsule.Set(v)
		d.changed = true
	}
	if v := r.str("status"); v != "" && (d.create || string(cur.Status) != v) {
		in.Status = capsule.Set(capsule.TaskStatus(v))
		d.changed = true
	}
	d.ref(&in.Party, "party_id", partyID(cur.Party))
	var opp, kase int64
	if cur.Opportunity != nil {
		opp = cur.Opportunity.ID
	}
	if cur.Kase != nil {
		kase = cur.Kase.ID
	}
	d.ref(&in.Opportunity, "opportunity_id", opp)
	d.ref(&in.Kase, "kase_id", kase)
	d.ref(&in.Owner, "owner_id", userID(cur.Owner))
	return in, d.changed
}
