package main

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
)

// listFlags are the flags of the list commands.
type listFlags struct {
	q     string
	embed string
	limit int
}

func (a *app) listFlags(name string, args []string) (*listFlags, error) {
	lf := &listFlags{}
	fs := a.flags(name)
	fs.StringVar(&lf.q, "q", "", "search `text` (names, email addresses, phone numbers)")
	fs.StringVar(&lf.embed, "embed", "", "comma `list` of extra data, e.g. tags,fields")
	fs.IntVar(&lf.limit, "limit", defaultLimit, "print at most `N` records; 0 for all")
	if _, err := a.parse(fs, args); err != nil {
		return nil, err
	}
	if lf.limit < 0 {
		return nil, usagef("%s: -limit must be 0 or more, got %d", name, lf.limit)
	}
	return lf, nil
}

// options returns the list options: pages of at most 100, no bigger than
// the limit needs.
func (lf *listFlags) options() *capsule.ListOptions {
	o := &capsule.ListOptions{Embed: splitList(lf.embed)}
	if lf.limit > 0 && lf.limit < capsule.MaxPerPage {
		o.PerPage = lf.limit
	}
	return o
}

func (lf *listFlags) has(embed string) bool {
	for _, e := range splitList(lf.embed) {
		if e == embed {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printAll prints up to limit records of seq (all when limit is 0) and
// flushes the table, with the rows printed before an error.
func printAll[T any](p *printer, seq iter.Seq2[*T, error], limit int, print func(*T) error) error {
	err := func() error {
		n := 0
		for rec, err := range seq {
			if err != nil {
				return err
			}
			if err := print(rec); err != nil {
				return err
			}
			if n++; limit > 0 && n >= limit {
				break
			}
		}
		return nil
	}()
	if ferr := p.done(); err == nil {
		err = ferr
	}
	return err
}

func partiesList(ctx context.Context, a *app, args []string) error {
	lf, err := a.listFlags("parties list", args)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	seq := c.Parties.ReadIter(ctx, lf.options())
	if lf.q != "" {
		seq = c.Parties.SearchIter(ctx, lf.q, lf.options())
	}
	header := []string{"ID", "TYPE", "NAME", "EMAIL", "PHONE", "UPDATED"}
	tags, fields := lf.has(capsule.EmbedTags), lf.has(capsule.EmbedFields)
	if tags {
		header = append(header, "TAGS")
	}
	if fields {
		header = append(header, "FIELDS")
	}
	p := a.printer(header...)
	return printAll(p, seq, lf.limit, func(party *capsule.Party) error {
		var email, phone string
		if len(party.EmailAddresses) > 0 {
			email = party.EmailAddresses[0].Address
		}
		if len(party.PhoneNumbers) > 0 {
			phone = party.PhoneNumbers[0].Number
		}
		row := []string{id(party.ID), party.Type, party.DisplayName(), email, phone, timestamp(party.UpdatedAt)}
		if tags {
			row = append(row, tagNames(party.Tags))
		}
		if fields {
			row = append(row, fieldValues(party.Fields))
		}
		return p.record(party, row...)
	})
}

func partiesGet(ctx context.Context, a *app, args []string) error {
	fs := a.flags("parties get")
	embed := fs.String("embed", "tags,fields", "comma `list` of extra data")
	pos, err := a.parse(fs, args, "ID")
	if err != nil {
		return err
	}
	partyID, err := parseID("parties get", pos[0])
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	party, _, err := c.Parties.ReadSingle(ctx, partyID, &capsule.ReadOptions{Embed: splitList(*embed)})
	if err != nil {
		return err
	}
	p := a.printer()
	if a.json {
		return p.record(party)
	}
	var emails, phones, addresses, websites []string
	for _, e := range party.EmailAddresses {
		emails = append(emails, withType(e.Address, e.Type))
	}
	for _, n := range party.PhoneNumbers {
		phones = append(phones, withType(n.Number, n.Type))
	}
	for _, ad := range party.Addresses {
		var parts []string
		for _, s := range []*string{ad.Street, ad.City, ad.State, ad.Zip, ad.Country} {
			if deref(s) != "" {
				parts = append(parts, *s)
			}
		}
		addresses = append(addresses, withType(strings.Join(parts, ", "), ad.Type))
	}
	for _, w := range party.Websites {
		websites = append(websites, w.Address)
	}
	var org, owner, team string
	if party.Organisation != nil {
		org = fmt.Sprintf("%s (#%d)", partyName(party.Organisation), party.Organisation.ID)
	}
	if party.Owner != nil {
		owner = party.Owner.Name
	}
	if party.Team != nil {
		team = party.Team.Name
	}
	rows := [][2]string{
		{"ID", id(party.ID)},
		{"Type", party.Type},
		{"Name", party.DisplayName()},
		{"Title", deref(party.Title)},
		{"Job title", deref(party.JobTitle)},
		{"Organisation", org},
		{"Emails", strings.Join(emails, "; ")},
		{"Phones", strings.Join(phones, "; ")},
		{"Addresses", strings.Join(addresses, "; ")},
		{"Websites", strings.Join(websites, "; ")},
		{"Owner", owner},
		{"Team", team},
		{"Tags", tagNames(party.Tags)},
		{"Fields", fieldValues(party.Fields)},
		{"About", deref(party.About)},
		{"Created", timestamp(party.CreatedAt)},
		{"Updated", timestamp(party.UpdatedAt)},
	}
	for _, r := range rows {
		p.row(r[0], r[1])
	}
	return p.done()
}

func withType(s string, typ *string) string {
	if deref(typ) == "" {
		return s
	}
	return s + " (" + *typ + ")"
}

func parseID(name, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, usagef("%s: ID must be a positive number, got %q", name, s)
	}
	return n, nil
}

func opportunitiesList(ctx context.Context, a *app, args []string) error {
	lf, err := a.listFlags("opportunities list", args)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	seq := c.Opportunities.ReadIter(ctx, lf.options())
	if lf.q != "" {
		seq = c.Opportunities.SearchIter(ctx, lf.q, lf.options())
	}
	p := a.printer("ID", "NAME", "PARTY", "MILESTONE", "VALUE", "EXPECTED CLOSE", "UPDATED")
	return printAll(p, seq, lf.limit, func(o *capsule.Opportunity) error {
		var milestone string
		if o.Milestone != nil {
			milestone = o.Milestone.Name
		}
		return p.record(o, id(o.ID), o.Name, partyName(o.Party), milestone, money(o.Value),
			date(o.ExpectedCloseOn), timestamp(o.UpdatedAt))
	})
}

func kasesList(ctx context.Context, a *app, args []string) error {
	lf, err := a.listFlags("kases list", args)
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	seq := c.Kases.ReadIter(ctx, lf.options())
	if lf.q != "" {
		seq = c.Kases.SearchIter(ctx, lf.q, lf.options())
	}
	p := a.printer("ID", "NAME", "STATUS", "PARTY", "STAGE", "UPDATED")
	return printAll(p, seq, lf.limit, func(k *capsule.Kase) error {
		var stage string
		if k.Stage != nil {
			stage = k.Stage.Name
		}
		return p.record(k, id(k.ID), k.Name, k.Status, partyName(k.Party), stage, timestamp(k.UpdatedAt))
	})
}
