package capsule_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// newExampleClient starts an in-memory Capsule seeded with 10 parties (plus
// the account's users) and returns a client for it. Real code would call
// capsule.NewClient(capsule.WithToken(token)).
func newExampleClient() (*capsule.Client, func()) {
	srv := capsuletest.NewServer(capsuletest.WithSeed(10))
	c, err := capsule.NewClient(capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
	if err != nil {
		log.Fatal(err)
	}
	return c, srv.Close
}

// Walk every party, page by page, without holding more than one page.
func ExamplePartiesService_ReadIter() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	people, organisations := 0, 0
	for p, err := range c.Parties.ReadIter(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		if p.IsPerson() {
			people++
		} else {
			organisations++
		}
	}
	fmt.Println("people:", people, "organisations:", organisations)
	// Output: people: 12 organisations: 3
}

// Create a person with an email address and a tag.
func ExamplePartiesService_Create() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	p, resp, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type:           capsule.Set(capsule.PartyPerson),
		FirstName:      capsule.Set("Ada"),
		LastName:       capsule.Set("Lovelace"),
		JobTitle:       capsule.Set("Analyst"),
		EmailAddresses: []capsule.EmailAddressChange{capsule.AddEmail("ada@example.com", capsule.EmailWork)},
		Tags:           []capsule.TagChange{capsule.AddTag("VIP")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, p.DisplayName(), *p.JobTitle, p.EmailAddresses[0].Address)
	// Output: 201 Ada Lovelace Analyst ada@example.com
}

// Change one field and clear another: unset fields are left as they are.
func ExampleNull() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	p, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type:      capsule.Set(capsule.PartyPerson),
		FirstName: capsule.Set("Grace"),
		LastName:  capsule.Set("Hopper"),
		JobTitle:  capsule.Set("Rear Admiral"),
		About:     capsule.Set("Wrote the first compiler."),
	})
	if err != nil {
		log.Fatal(err)
	}
	p, _, err = c.Parties.Update(ctx, p.ID, &capsule.PartyInput{
		JobTitle: capsule.Null[string](),
		About:    capsule.Set("Popularised the word bug."),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.DisplayName(), p.JobTitle == nil, *p.About)
	// Output: Grace Hopper true Popularised the word bug.
}

// Tell a missing record from other failures with errors.Is.
func ExampleErrNotFound() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	_, _, err := c.Parties.ReadSingle(ctx, 999999999, nil)
	switch {
	case errors.Is(err, capsule.ErrNotFound):
		fmt.Println("no such party")
	case err != nil:
		log.Fatal(err)
	}

	// Bad arguments are refused before any request.
	_, _, err = c.Parties.ReadSingle(ctx, 0, nil)
	fmt.Println(errors.Is(err, capsule.ErrInvalidArgument))
	// Output:
	// no such party
	// true
}

// Write custom field values through their definitions, which check the
// type and a list field's options before anything is sent, and read them
// back with typed accessors.
func ExampleFieldDefinitions_Set() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := defs.Set("Industry", "Astrology"); errors.Is(err, capsule.ErrInvalidArgument) {
		fmt.Println("refused: not an option")
	}
	industry, err := defs.Set("Industry", "Software")
	if err != nil {
		log.Fatal(err)
	}
	employees, err := defs.Set("Employees", 42)
	if err != nil {
		log.Fatal(err)
	}

	p, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
		Type:   capsule.Set(capsule.PartyOrganisation),
		Name:   capsule.Set("Difference Engines"),
		Fields: []capsule.FieldChange{industry, employees},
	})
	if err != nil {
		log.Fatal(err)
	}
	p, _, err = c.Parties.ReadSingle(ctx, p.ID, &capsule.ReadOptions{Embed: []string{capsule.EmbedFields}})
	if err != nil {
		log.Fatal(err)
	}
	name, _, _ := p.Fields.List("Industry")
	n, _, _ := p.Fields.Number("Employees")
	fmt.Println(name, n)
	// Output:
	// refused: not an option
	// Software 42
}

// Find parties with a structured filter; conditions are ANDed.
func ExampleWhere() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	for _, name := range []string{"Alpha Looms", "Beta Looms", "Gamma Mills"} {
		_, _, err := c.Parties.Create(ctx, &capsule.PartyInput{
			Type: capsule.Set(capsule.PartyOrganisation),
			Name: capsule.Set(name),
			Tags: []capsule.TagChange{capsule.AddTag("Prospect")},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	f := capsule.Where("name", capsule.OpEndsWith, "Looms").And("tag", capsule.OpIs, "Prospect")
	found, err := capsule.Collect(c.Parties.FilterIter(ctx, f, nil))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range found {
		fmt.Println(p.DisplayName())
	}

	// A field Capsule cannot filter on is refused before sending.
	_, _, err = c.Parties.Filter(ctx, capsule.Where("createdAt", capsule.OpIsAfter, "2024-01-01"), nil)
	fmt.Println(errors.Is(err, capsule.ErrInvalidArgument))
	// Output:
	// Alpha Looms
	// Beta Looms
	// true
}

// Filter by custom fields with conditions built from their definitions,
// which check the operator and value against the field's type.
func ExampleFieldDefinitions_Condition() {
	c, done := newExampleClient()
	defer done()
	ctx := context.Background()

	defs, err := c.CustomFields.ReadAll(ctx, capsule.EntityParties)
	if err != nil {
		log.Fatal(err)
	}
	for name, employees := range map[string]int{"Small Works": 8, "Large Works": 800} {
		n, err := defs.Set("Employees", employees)
		if err != nil {
			log.Fatal(err)
		}
		_, _, err = c.Parties.Create(ctx, &capsule.PartyInput{
			Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set(name), Fields: []capsule.FieldChange{n},
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	if _, err := defs.Condition("Employees", capsule.OpContains, "8"); errors.Is(err, capsule.ErrInvalidArgument) {
		fmt.Println("refused: contains does not apply to a number field")
	}
	big, err := defs.Condition("Employees", capsule.OpIsGreaterThan, 100)
	if err != nil {
		log.Fatal(err)
	}
	f := capsule.Where("name", capsule.OpEndsWith, "Works").AndCondition(big)
	found, err := capsule.Collect(c.Parties.FilterIter(ctx, f, nil))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range found {
		fmt.Println(p.DisplayName())
	}
	// Output:
	// refused: contains does not apply to a number field
	// Large Works
}
