package main

import (
	"time"

	"github.com/capsulecrm-go/capsule"
)

func init() { notesWrite.register() }

type entryIn = capsule.EntryInput

// notesWrite writes notes, the only entries the API creates; update also
// changes emails.
var notesWrite = &writeType[entryIn, capsule.Entry]{
	read: entriesType, noun: "note",
	flags: []inputFlag[entryIn]{
		{name: "content", usage: "the text (required to create)", apply: setText(func(in *entryIn) *capsule.Optional[string] { return &in.Content })},
		{name: "subject", usage: "the subject", apply: setText(func(in *entryIn) *capsule.Optional[string] { return &in.Subject })},
		{name: "party", usage: "the id of the party it is on (one of --party, --opportunity, --project to create)", apply: setRef(func(in *entryIn) *capsule.Optional[capsule.Ref] { return &in.Party })},
		{name: "opportunity", usage: "the id of the opportunity it is on", apply: setRef(func(in *entryIn) *capsule.Optional[capsule.Ref] { return &in.Opportunity })},
		{name: "project", usage: "the id of the project it is on", apply: setRef(func(in *entryIn) *capsule.Optional[capsule.Ref] { return &in.Kase })},
		{name: "activity-type", usage: "the id of the activity type", apply: setRef(func(in *entryIn) *capsule.Optional[capsule.Ref] { return &in.ActivityType })},
		{name: "at", usage: "when it happened: RFC 3339 or YYYY-MM-DD", apply: func(in *entryIn, v string) error {
			t, err := parseTime(v)
			if err != nil {
				return err
			}
			in.EntryAt = capsule.Set(t.Truncate(time.Second))
			return nil
		}},
	},
	createExample: `  capsule entries create --party 11 --content "Met at the conference"
  capsule entries create --data @note.json --dry-run`,
	updateExample: `  capsule entries update 42 --content "Met at the conference in May"`,
	service:       func(c *capsule.Client) writeService[entryIn, capsule.Entry] { return c.Entries },
}
