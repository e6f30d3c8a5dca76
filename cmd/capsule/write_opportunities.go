package main

import (
	"errors"
	"strconv"

	"github.com/capsulecrm-go/capsule"
)

func init() { opportunitiesWrite.register() }

type oppIn = capsule.OpportunityInput

var opportunitiesWrite = &writeType[oppIn, capsule.Opportunity]{
	read: opportunitiesType, noun: "opportunity",
	flags: []inputFlag[oppIn]{
		{name: "name", usage: "the name (required to create)", apply: setText(func(in *oppIn) *capsule.Optional[string] { return &in.Name })},
		{name: "description", usage: "the description", apply: setText(func(in *oppIn) *capsule.Optional[string] { return &in.Description })},
		{name: "party", usage: "the id of the party (required to create)", apply: setRef(func(in *oppIn) *capsule.Optional[capsule.Ref] { return &in.Party })},
		{name: "milestone", usage: "the id of the milestone (required to create)", apply: setRef(func(in *oppIn) *capsule.Optional[capsule.Ref] { return &in.Milestone })},
		{name: "lost-reason", usage: "the id of the lost reason", apply: setRef(func(in *oppIn) *capsule.Optional[capsule.Ref] { return &in.LostReason })},
		{name: "owner", usage: "the id of the owning user", apply: setRef(func(in *oppIn) *capsule.Optional[capsule.Ref] { return &in.Owner })},
		{name: "team", usage: "the id of the owning team", apply: setRef(func(in *oppIn) *capsule.Optional[capsule.Ref] { return &in.Team })},
		{name: "value", usage: "the value's amount, such as 1500.50", apply: func(in *oppIn, v string) error {
			amount, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return errors.New("want a number, got " + strconv.Quote(v))
			}
			m, _ := in.Value.Get()
			m.Amount = amount
			in.Value = capsule.Set(m)
			return nil
		}},
		{name: "currency", usage: "the value's currency code, such as GBP (with --value)", apply: func(in *oppIn, v string) error {
			m, ok := in.Value.Get()
			if !ok {
				return errors.New("give the amount too, with --value")
			}
			m.Currency = v
			in.Value = capsule.Set(m)
			return nil
		}},
		{name: "probability", usage: "the chance of winning, 0 to 100", apply: func(in *oppIn, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errors.New("want a whole number, got " + strconv.Quote(v))
			}
			in.Probability = capsule.Set(n)
			return nil
		}},
		{name: "expected-close-on", usage: "the expected close date, YYYY-MM-DD", apply: setDate(func(in *oppIn) *capsule.Optional[capsule.Date] { return &in.ExpectedCloseOn })},
		{name: "tag", many: true, usage: "add a tag by name (created when new)", apply: addTag(func(in *oppIn) *[]capsule.TagChange { return &in.Tags })},
	},
	createExample: `  capsule opportunities create --name "Website redesign" --party 11 --milestone 3 --value 5000 --currency GBP
  capsule opportunities create --data @opportunity.json --dry-run`,
	updateExample: `  capsule opportunities update 42 --milestone 4 --probability 80
  echo '{"lostReason": {"id": 2}, "milestone": {"id": 9}}' | capsule opportunities update 42 --data -`,
	service: func(c *capsule.Client) writeService[oppIn, capsule.Opportunity] { return c.Opportunities },
}
