package main

import (
	"github.com/capsulecrm-go/capsule"
)

func init() { kasesWrite.register() }

type kaseIn = capsule.KaseInput

var kasesWrite = &writeType[kaseIn, capsule.Kase]{
	read: kasesType, noun: "project",
	flags: []inputFlag[kaseIn]{
		{name: "name", usage: "the name (required to create)", apply: setText(func(in *kaseIn) *capsule.Optional[string] { return &in.Name })},
		{name: "description", usage: "the description", apply: setText(func(in *kaseIn) *capsule.Optional[string] { return &in.Description })},
		{name: "status", usage: "OPEN or CLOSED", apply: setText(func(in *kaseIn) *capsule.Optional[string] { return &in.Status })},
		{name: "party", usage: "the id of the party (required to create)", apply: setRef(func(in *kaseIn) *capsule.Optional[capsule.Ref] { return &in.Party })},
		{name: "opportunity", usage: "the id of a linked opportunity", apply: setRef(func(in *kaseIn) *capsule.Optional[capsule.Ref] { return &in.Opportunity })},
		{name: "owner", usage: "the id of the owning user", apply: setRef(func(in *kaseIn) *capsule.Optional[capsule.Ref] { return &in.Owner })},
		{name: "team", usage: "the id of the owning team", apply: setRef(func(in *kaseIn) *capsule.Optional[capsule.Ref] { return &in.Team })},
		{name: "stage", usage: "the id of the board stage", apply: func(in *kaseIn, v string) error {
			id, err := parseID(v)
			if err != nil {
				return err
			}
			in.Stage = capsule.Set(id)
			return nil
		}},
		{name: "expected-close-on", usage: "the expected close date, YYYY-MM-DD", apply: setDate(func(in *kaseIn) *capsule.Optional[capsule.Date] { return &in.ExpectedCloseOn })},
		{name: "tag", many: true, usage: "add a tag by name (created when new)", apply: addTag(func(in *kaseIn) *[]capsule.TagChange { return &in.Tags })},
	},
	createExample: `  capsule projects create --name "Onboarding" --party 11
  capsule projects create --data @project.json --dry-run`,
	updateExample: `  capsule projects update 42 --status CLOSED
  echo '{"description": null}' | capsule projects update 42 --data -`,
	service: func(c *capsule.Client) writeService[kaseIn, capsule.Kase] { return c.Kases },
}
