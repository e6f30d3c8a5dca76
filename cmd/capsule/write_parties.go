package main

import (
	"strconv"

	"github.com/capsulecrm-go/capsule"
)

func init() { partiesWrite.register() }

var partiesWrite = &writeType[capsule.PartyInput, capsule.Party]{
	read: partiesType, noun: "party",
	flags: []inputFlag[capsule.PartyInput]{
		{name: "type", usage: "person or organisation (required to create)", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.Type })},
		{name: "first-name", usage: "a person's first name", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.FirstName })},
		{name: "last-name", usage: "a person's last name", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.LastName })},
		{name: "name", usage: "an organisation's name", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.Name })},
		{name: "title", usage: "a person's title, such as Dr", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.Title })},
		{name: "job-title", usage: "a person's job title", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.JobTitle })},
		{name: "about", usage: "the background text", apply: setText(func(in *capsule.PartyInput) *capsule.Optional[string] { return &in.About })},
		{name: "organisation", usage: "a person's organisation: an id, or a name (linked, or created)", apply: func(in *capsule.PartyInput, v string) error {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				in.Organisation = capsule.OrganisationByID(id)
			} else {
				in.Organisation = capsule.OrganisationByName(v)
			}
			return nil
		}},
		{name: "owner", usage: "the id of the owning user", apply: setRef(func(in *capsule.PartyInput) *capsule.Optional[capsule.Ref] { return &in.Owner })},
		{name: "team", usage: "the id of the owning team", apply: setRef(func(in *capsule.PartyInput) *capsule.Optional[capsule.Ref] { return &in.Team })},
		{name: "email", many: true, usage: "add an email address", apply: func(in *capsule.PartyInput, v string) error {
			in.EmailAddresses = append(in.EmailAddresses, capsule.AddEmail(v, ""))
			return nil
		}},
		{name: "phone", many: true, usage: "add a phone number", apply: func(in *capsule.PartyInput, v string) error {
			in.PhoneNumbers = append(in.PhoneNumbers, capsule.AddPhoneNumber(v, ""))
			return nil
		}},
		{name: "website", many: true, usage: "add a website URL", apply: func(in *capsule.PartyInput, v string) error {
			in.Websites = append(in.Websites, capsule.AddWebsite(capsule.ServiceURL, v, ""))
			return nil
		}},
		{name: "tag", many: true, usage: "add a tag by name (created when new)", apply: addTag(func(in *capsule.PartyInput) *[]capsule.TagChange { return &in.Tags })},
	},
	createExample: `  capsule parties create --type person --first-name Ada --last-name Lovelace --email ada@example.com --tag VIP
  capsule parties create --type organisation --name "Analytical Engines" --dry-run
  capsule parties create --data @party.json`,
	updateExample: `  capsule parties update 42 --job-title CTO --tag Customer
  echo '{"jobTitle": null}' | capsule parties update 42 --data -`,
	service: func(c *capsule.Client) writeService[capsule.PartyInput, capsule.Party] { return c.Parties },
}
