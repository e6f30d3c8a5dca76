package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() {
	registerCommand(func(a *app) *cobra.Command { return partiesType.command(a) })
	registerCommand(func(a *app) *cobra.Command { return opportunitiesType.command(a) })
	registerCommand(func(a *app) *cobra.Command { return kasesType.command(a) })
	registerCommand(func(a *app) *cobra.Command { return tasksType.command(a) })
	registerCommand(func(a *app) *cobra.Command { return entriesType.command(a) })
}

// Small accessors for the columns: each returns "" (nil) for a missing
// reference.

func userName(u *capsule.UserRef) any {
	if u == nil {
		return nil
	}
	return u.Name
}

func teamName(t *capsule.TeamRef) any {
	if t == nil {
		return nil
	}
	return t.Name
}

func refName(r *capsule.NamedRef) any {
	if r == nil {
		return nil
	}
	return r.Name
}

func partyName(p *capsule.Party) any {
	if p == nil {
		return nil
	}
	return p.DisplayName()
}

func tagNames(tags []capsule.Tag) any {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return names
}

func money(m *capsule.Money, currency bool) any {
	switch {
	case m == nil:
		return nil
	case currency:
		return m.Currency
	}
	return m.Amount
}

func firstEmail(p *capsule.Party) any {
	if len(p.EmailAddresses) == 0 {
		return nil
	}
	return p.EmailAddresses[0].Address
}

func firstPhone(p *capsule.Party) any {
	if len(p.PhoneNumbers) == 0 {
		return nil
	}
	return p.PhoneNumbers[0].Number
}

func firstWebsite(p *capsule.Party) any {
	if len(p.Websites) == 0 {
		return nil
	}
	return p.Websites[0].Address
}

func firstCity(p *capsule.Party) any {
	if len(p.Addresses) == 0 {
		return nil
	}
	return p.Addresses[0].City
}

// pagesOf adapts a search or filter method to a PageFunc.
func pagesOf[T, Q any](q Q, read func(context.Context, Q, *capsule.ListOptions) ([]*T, *capsule.Response, error)) capsule.PageFunc[T] {
	return func(ctx context.Context, o *capsule.ListOptions) ([]*T, *capsule.Response, error) {
		return read(ctx, q, o)
	}
}

// single adapts a ReadSingle method to recordType.get.
func single[T any](read func(context.Context, int64, *capsule.ReadOptions) (*T, *capsule.Response, error), ctx context.Context, id int64, o *capsule.ReadOptions) (*T, error) {
	rec, _, err := read(ctx, id, o)
	return rec, err
}

var partiesType = &recordType[capsule.Party]{
	name: "parties", singular: "party", short: "People and organisations",
	example: "'name starts with Acme'",
	entity:  capsule.EntityParties,
	columns: []column[capsule.Party]{
		{"id", func(p *capsule.Party) any { return p.ID }},
		{"type", func(p *capsule.Party) any { return p.Type }},
		{"name", func(p *capsule.Party) any { return p.DisplayName() }},
		{"first_name", func(p *capsule.Party) any { return p.FirstName }},
		{"last_name", func(p *capsule.Party) any { return p.LastName }},
		{"title", func(p *capsule.Party) any { return p.Title }},
		{"job_title", func(p *capsule.Party) any { return p.JobTitle }},
		{"organisation", func(p *capsule.Party) any { return partyName(p.Organisation) }},
		{"email", firstEmail},
		{"phone", firstPhone},
		{"website", firstWebsite},
		{"city", firstCity},
		{"owner", func(p *capsule.Party) any { return userName(p.Owner) }},
		{"team", func(p *capsule.Party) any { return teamName(p.Team) }},
		{"tags", func(p *capsule.Party) any { return tagNames(p.Tags) }},
		{"about", func(p *capsule.Party) any { return p.About }},
		{"created_at", func(p *capsule.Party) any { return p.CreatedAt }},
		{"updated_at", func(p *capsule.Party) any { return p.UpdatedAt }},
		{"last_contacted_at", func(p *capsule.Party) any { return p.LastContactedAt }},
	},
	defaults: []string{"id", "type", "name", "email", "phone", "updated_at"},
	embeds:   []string{capsule.EmbedTags, capsule.EmbedFields, capsule.EmbedOrganisation, capsule.EmbedMissingImportantFields},
	fields:   func(p *capsule.Party) capsule.Fields { return p.Fields },
	since:    true,
	list:     func(c *capsule.Client, _ *readFlags) capsule.PageFunc[capsule.Party] { return c.Parties.Read },
	get: func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*capsule.Party, error) {
		return single(c.Parties.ReadSingle, ctx, id, o)
	},
	search: func(c *capsule.Client, q string) capsule.PageFunc[capsule.Party] { return pagesOf(q, c.Parties.Search) },
	filter: func(c *capsule.Client, f capsule.Filter) capsule.PageFunc[capsule.Party] {
		return pagesOf(f, c.Parties.Filter)
	},
}

var opportunitiesType = &recordType[capsule.Opportunity]{
	name: "opportunities", singular: "opportunity", short: "Opportunities (the sales pipeline)",
	example: "'probability > 50'", // a shorthand the help explains
	entity:  capsule.EntityOpportunities,
	columns: []column[capsule.Opportunity]{
		{"id", func(o *capsule.Opportunity) any { return o.ID }},
		{"name", func(o *capsule.Opportunity) any { return o.Name }},
		{"description", func(o *capsule.Opportunity) any { return o.Description }},
		{"party", func(o *capsule.Opportunity) any { return partyName(o.Party) }},
		{"milestone", func(o *capsule.Opportunity) any {
			if o.Milestone == nil {
				return nil
			}
			return o.Milestone.Name
		}},
		{"value_amount", func(o *capsule.Opportunity) any { return money(o.Value, false) }},
		{"value_currency", func(o *capsule.Opportunity) any { return money(o.Value, true) }},
		{"probability", func(o *capsule.Opportunity) any { return o.Probability }},
		{"expected_close_on", func(o *capsule.Opportunity) any { return o.ExpectedCloseOn }},
		{"closed_on", func(o *capsule.Opportunity) any { return o.ClosedOn }},
		{"lost_reason", func(o *capsule.Opportunity) any { return refName(o.LostReason) }},
		{"owner", func(o *capsule.Opportunity) any { return userName(o.Owner) }},
		{"team", func(o *capsule.Opportunity) any { return teamName(o.Team) }},
		{"tags", func(o *capsule.Opportunity) any { return tagNames(o.Tags) }},
		{"created_at", func(o *capsule.Opportunity) any { return o.CreatedAt }},
		{"updated_at", func(o *capsule.Opportunity) any { return o.UpdatedAt }},
	},
	defaults: []string{"id", "name", "party", "milestone", "value_amount", "value_currency", "expected_close_on", "updated_at"},
	embeds:   []string{capsule.EmbedTags, capsule.EmbedFields, capsule.EmbedParty, capsule.EmbedMilestone, capsule.EmbedMissingImportantFields},
	fields:   func(o *capsule.Opportunity) capsule.Fields { return o.Fields },
	since:    true,
	list: func(c *capsule.Client, _ *readFlags) capsule.PageFunc[capsule.Opportunity] {
		return c.Opportunities.Read
	},
	get: func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*capsule.Opportunity, error) {
		return single(c.Opportunities.ReadSingle, ctx, id, o)
	},
	search: func(c *capsule.Client, q string) capsule.PageFunc[capsule.Opportunity] {
		return pagesOf(q, c.Opportunities.Search)
	},
	filter: func(c *capsule.Client, f capsule.Filter) capsule.PageFunc[capsule.Opportunity] {
		return pagesOf(f, c.Opportunities.Filter)
	},
}

var kasesType = &recordType[capsule.Kase]{
	name: "kases", singular: "project", short: "Projects (called kases in the API)",
	aliases: []string{"projects"},
	example: "'status = OPEN'",
	entity:  capsule.EntityKases,
	columns: []column[capsule.Kase]{
		{"id", func(k *capsule.Kase) any { return k.ID }},
		{"name", func(k *capsule.Kase) any { return k.Name }},
		{"description", func(k *capsule.Kase) any { return k.Description }},
		{"status", func(k *capsule.Kase) any { return k.Status }},
		{"party", func(k *capsule.Kase) any { return partyName(k.Party) }},
		{"stage", func(k *capsule.Kase) any { return refName(k.Stage) }},
		{"opportunity", func(k *capsule.Kase) any {
			if k.Opportunity == nil {
				return nil
			}
			return k.Opportunity.Name
		}},
		{"expected_close_on", func(k *capsule.Kase) any { return k.ExpectedCloseOn }},
		{"closed_on", func(k *capsule.Kase) any { return k.ClosedOn }},
		{"owner", func(k *capsule.Kase) any { return userName(k.Owner) }},
		{"team", func(k *capsule.Kase) any { return teamName(k.Team) }},
		{"tags", func(k *capsule.Kase) any { return tagNames(k.Tags) }},
		{"created_at", func(k *capsule.Kase) any { return k.CreatedAt }},
		{"updated_at", func(k *capsule.Kase) any { return k.UpdatedAt }},
	},
	defaults: []string{"id", "name", "status", "party", "stage", "updated_at"},
	embeds:   []string{capsule.EmbedTags, capsule.EmbedFields, capsule.EmbedParty, capsule.EmbedOpportunity, capsule.EmbedMissingImportantFields},
	fields:   func(k *capsule.Kase) capsule.Fields { return k.Fields },
	since:    true,
	list:     func(c *capsule.Client, _ *readFlags) capsule.PageFunc[capsule.Kase] { return c.Kases.Read },
	get: func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*capsule.Kase, error) {
		return single(c.Kases.ReadSingle, ctx, id, o)
	},
	search: func(c *capsule.Client, q string) capsule.PageFunc[capsule.Kase] { return pagesOf(q, c.Kases.Search) },
	filter: func(c *capsule.Client, f capsule.Filter) capsule.PageFunc[capsule.Kase] {
		return pagesOf(f, c.Kases.Filter)
	},
}

var tasksType = &recordType[capsule.Task]{
	name: "tasks", singular: "task", short: "Tasks (open ones; see list --status)",
	columns: []column[capsule.Task]{
		{"id", func(t *capsule.Task) any { return t.ID }},
		{"description", func(t *capsule.Task) any { return t.Description }},
		{"detail", func(t *capsule.Task) any { return t.Detail }},
		{"status", func(t *capsule.Task) any { return string(t.Status) }},
		{"due_on", func(t *capsule.Task) any { return t.DueOn }},
		{"due_time", func(t *capsule.Task) any {
			if t.DueTime == nil {
				return nil
			}
			return t.DueTime.String()
		}},
		{"category", func(t *capsule.Task) any {
			if t.Category == nil {
				return nil
			}
			return t.Category.Name
		}},
		{"party", func(t *capsule.Task) any { return partyName(t.Party) }},
		{"opportunity", func(t *capsule.Task) any {
			if t.Opportunity == nil {
				return nil
			}
			return t.Opportunity.Name
		}},
		{"kase", func(t *capsule.Task) any {
			if t.Kase == nil {
				return nil
			}
			return t.Kase.Name
		}},
		{"owner", func(t *capsule.Task) any { return userName(t.Owner) }},
		{"completed_at", func(t *capsule.Task) any { return t.CompletedAt }},
		{"created_at", func(t *capsule.Task) any { return t.CreatedAt }},
	},
	defaults: []string{"id", "description", "status", "due_on", "owner", "party"},
	listFlags: func(cmd *cobra.Command, rf *readFlags) {
		cmd.Flags().StringSliceVar(&rf.status, "status", nil, "the states to list: open, completed, pending (default open)")
		cmd.Example += "\n  capsule tasks list --status open,completed"
	},
	checkList: func(rf *readFlags) error {
		var err error
		rf.taskStatus, err = parseTaskStatuses(rf.status)
		return err
	},
	list: func(c *capsule.Client, rf *readFlags) capsule.PageFunc[capsule.Task] {
		return func(ctx context.Context, o *capsule.ListOptions) ([]*capsule.Task, *capsule.Response, error) {
			return c.Tasks.Read(ctx, &capsule.TaskListOptions{ListOptions: *o, Status: rf.taskStatus})
		}
	},
	get: func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*capsule.Task, error) {
		return single(c.Tasks.ReadSingle, ctx, id, o)
	},
}

// recordEntriesPerPage is the largest page of a record's entries.
const recordEntriesPerPage = 50

var entriesType = &recordType[capsule.Entry]{
	name: "entries", singular: "entry", short: "Notes, emails and completed tasks in the activity history",
	columns: []column[capsule.Entry]{
		{"id", func(e *capsule.Entry) any { return e.ID }},
		{"type", func(e *capsule.Entry) any { return string(e.Type) }},
		{"entry_at", func(e *capsule.Entry) any { return e.EntryAt }},
		{"subject", func(e *capsule.Entry) any { return e.Subject }},
		{"content", func(e *capsule.Entry) any { return e.Content }},
		{"activity_type", func(e *capsule.Entry) any { return refName(e.ActivityType) }},
		{"creator", func(e *capsule.Entry) any { return userName(e.Creator) }},
		{"party", func(e *capsule.Entry) any { return partyName(e.Party) }},
		{"opportunity", func(e *capsule.Entry) any {
			if e.Opportunity == nil {
				return nil
			}
			return e.Opportunity.Name
		}},
		{"kase", func(e *capsule.Entry) any {
			if e.Kase == nil {
				return nil
			}
			return e.Kase.Name
		}},
		{"created_at", func(e *capsule.Entry) any { return e.CreatedAt }},
		{"updated_at", func(e *capsule.Entry) any { return e.UpdatedAt }},
	},
	defaults: []string{"id", "type", "entry_at", "subject", "party", "creator"},
	listFlags: func(cmd *cobra.Command, rf *readFlags) {
		cmd.Flags().Int64Var(&rf.partyID, "party", 0, "only the entries of this party (ID)")
		cmd.Flags().Int64Var(&rf.opportunityID, "opportunity", 0, "only the entries of this opportunity (ID)")
		cmd.Flags().Int64Var(&rf.kaseID, "project", 0, "only the entries of this project (ID)")
		cmd.Example += "\n  capsule entries list --party 42"
	},
	checkList: func(rf *readFlags) error {
		given := 0
		for _, f := range []struct {
			name string
			id   int64
		}{{"--party", rf.partyID}, {"--opportunity", rf.opportunityID}, {"--project", rf.kaseID}} {
			if f.id < 0 {
				return usagef("%s must be a positive ID, got %d", f.name, f.id)
			}
			if f.id > 0 {
				given++
			}
		}
		if given > 1 {
			return usagef("give one of --party, --opportunity and --project")
		}
		return nil
	},
	list: func(c *capsule.Client, rf *readFlags) capsule.PageFunc[capsule.Entry] {
		forRecord := func(read func(context.Context, int64, *capsule.ListOptions) ([]*capsule.Entry, *capsule.Response, error), id int64) capsule.PageFunc[capsule.Entry] {
			return func(ctx context.Context, o *capsule.ListOptions) ([]*capsule.Entry, *capsule.Response, error) {
				// Capsule serves a record's entries 50 a page at most.
				o.PerPage = min(o.PerPage, recordEntriesPerPage)
				return read(ctx, id, o)
			}
		}
		switch {
		case rf.partyID > 0:
			return forRecord(c.Entries.ForParty, rf.partyID)
		case rf.opportunityID > 0:
			return forRecord(c.Entries.ForOpportunity, rf.opportunityID)
		case rf.kaseID > 0:
			return forRecord(c.Entries.ForKase, rf.kaseID)
		}
		return c.Entries.Read
	},
	get: func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*capsule.Entry, error) {
		return single(c.Entries.ReadSingle, ctx, id, o)
	},
}

// parseTaskStatuses reads --status open,completed,pending.
func parseTaskStatuses(in []string) ([]capsule.TaskStatus, error) {
	var out []capsule.TaskStatus
	for _, s := range in {
		st := capsule.TaskStatus(strings.ToUpper(strings.TrimSpace(s)))
		switch st {
		case capsule.TaskStatusOpen, capsule.TaskStatusCompleted, capsule.TaskStatusPending:
			out = append(out, st)
		default:
			return nil, usagef("--status %q is not one of open, completed, pending", s)
		}
	}
	return out, nil
}
