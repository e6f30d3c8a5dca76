// Command quickstart is a short tour of capsule-go: it lists and walks
// parties, looks up custom field definitions, creates a person with an email
// address, a tag and a custom field value, updates the person (clearing a
// field with capsule.Null), finds them again by search and by filter, gives
// them an opportunity, shows the rate-limit budget, and deletes everything it
// created.
//
// Run it against an in-process fake Capsule (capsuletest, nothing leaves your
// machine):
//
//	go run ./examples/quickstart
//
// or against your own Capsule account with a personal access token (Capsule:
// My Preferences > API Authentication Tokens):
//
//	CAPSULE_TOKEN=... go run ./examples/quickstart          # reads only
//	CAPSULE_TOKEN=... go run ./examples/quickstart --write  # the whole tour
//
// CAPSULE_BASE_URL points the client at another API root, such as a
// capsule-fake server started with go run ./cmd/capsule-fake.
//
// Against an account the tour only reads (the list, the walk, the custom
// field definitions, a search, a filter and the pipelines) unless given
// --write. With --write it creates one person (with a tag named "capsule-go
// quickstart" and, when the account has a suitable party custom field, a
// value for it) and one opportunity, and deletes them at the end, the tag
// definition too when it did not exist before. If a step fails, it still
// deletes what it had created. The program prints one line per step; on error
// it prints the error to stderr and exits with status 1 (2 for a bad flag).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// tagName is the tag the quickstart puts on the person it creates.
const tagName = "capsule-go quickstart"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status. getenv is os.Getenv
// in main and a map lookup in the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	write := fs.Bool("write", false, "with CAPSULE_TOKEN: also create, change and delete a person and an opportunity")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "quickstart: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err := quickstart(ctx, stdout, getenv, *write); err != nil {
		fmt.Fprintf(stderr, "quickstart: error: %v\n", err)
		return 1
	}
	return 0
}

// newClient returns a client for CAPSULE_TOKEN (and CAPSULE_BASE_URL), or,
// without a token, for a fake Capsule started in this process; stop closes
// the fake, and fake says which one it is (the fake may always be written).
func newClient(stdout io.Writer, getenv func(string) string) (client *capsule.Client, stop func(), fake bool, err error) {
	opts := []capsule.Option{capsule.WithUserAgent("capsule-go-quickstart")}
	stop = func() {}
	if token := getenv("CAPSULE_TOKEN"); token != "" {
		base := getenv("CAPSULE_BASE_URL")
		if base != "" {
			opts = append(opts, capsule.WithBaseURL(base))
		} else {
			base = capsule.DefaultBaseURL
		}
		opts = append(opts, capsule.WithToken(token))
		fmt.Fprintf(stdout, "Using CAPSULE_TOKEN %s against %s\n", mask(token), base)
	} else {
		srv := capsuletest.NewServer(capsuletest.WithSeed(50))
		stop = srv.Close
		opts = append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))
		fmt.Fprintf(stdout, "No CAPSULE_TOKEN set: using an in-process fake Capsule (capsuletest) at %s\n", srv.BaseURL)
		fake = true
	}
	client, err = capsule.NewClient(opts...)
	if err != nil {
		stop()
		return nil, nil, false, err
	}
	return client, stop, fake, nil
}

func quickstart(ctx context.Context, out io.Writer, getenv func(string) string, write bool) (err error) {
	client, stop, fake, err := newClient(out, getenv)
	if err != nil {
		return err
	}
	defer stop()
	write = write || fake

	// A marker makes this run's records easy to find (and to tell apart
	// from an earlier run's).
	marker := randomHex(4)
	email := "ada.lovelace+qs" + marker + "@example.com"

	// Whatever this run creates is deleted at the end; on an error, the
	// deferred cleanup deletes what was created so far.
	var personID, oppID int64
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if oppID != 0 {
			if _, derr := client.Opportunities.Delete(cctx, oppID); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: deleting opportunity %d: %w", oppID, derr))
			}
		}
		if personID != 0 {
			if _, derr := client.Parties.Delete(cctx, personID); derr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: deleting person %d: %w", personID, derr))
			}
		}
	}()

	// 1. One page of parties: Read returns a page and the response, whose
	// NextPage says whether there are more.
	first, resp, err := client.Parties.Read(ctx, &capsule.ListOptions{PerPage: 5})
	if err != nil {
		return fmt.Errorf("listing parties: %w", err)
	}
	names := make([]string, len(first))
	for i, p := range first {
		names[i] = p.DisplayName()
	}
	fmt.Fprintf(out, "First page (perPage 5): %s (more pages: %t)\n", strings.Join(names, ", "), resp.NextPage > 0)

	// 2. Every party: ReadIter fetches 100 a page, lazily, as the loop
	// asks for more.
	total, people := 0, 0
	for p, err := range client.Parties.ReadIter(ctx, nil) {
		if err != nil {
			return fmt.Errorf("walking parties: %w", err)
		}
		total++
		if p.IsPerson() {
			people++
		}
	}
	fmt.Fprintf(out, "All parties walked with ReadIter: %d (%d people, %d organisations)\n", total, people, total-people)

	// 3. Custom field definitions of parties, and one to fill in.
	defs, err := client.CustomFields.ReadAll(ctx, capsule.EntityParties)
	if err != nil {
		return fmt.Errorf("reading party custom fields: %w", err)
	}
	def, sample := pickField(defs, marker)
	if def != nil {
		fmt.Fprintf(out, "Party custom fields: %d; using %q (%s)\n", len(defs), def.Name, def.Type)
	} else {
		fmt.Fprintf(out, "Party custom fields: %d; none fits a person without a data tag, so no value is set\n", len(defs))
	}

	if !write {
		return readOnlyTour(ctx, out, client, first)
	}

	tagExisted, err := hasTag(ctx, client, tagName)
	if err != nil {
		return err
	}

	// 4. Create a person. def.Value checks the value against the field's
	// type (and list options) before anything is sent.
	in := &capsule.PartyInput{
		Type:           capsule.Set(capsule.PartyPerson),
		FirstName:      capsule.Set("Ada"),
		LastName:       capsule.Set("Lovelace"),
		JobTitle:       capsule.Set("Analyst"),
		EmailAddresses: []capsule.EmailAddressChange{capsule.AddEmail(email, capsule.EmailWork)},
		Tags:           []capsule.TagChange{capsule.AddTag(tagName)},
	}
	if def != nil {
		change, err := def.Value(sample)
		if err != nil {
			return fmt.Errorf("checking a value for %q: %w", def.Name, err)
		}
		in.Fields = append(in.Fields, change)
	}
	person, _, err := client.Parties.Create(ctx, in)
	if err != nil {
		return fmt.Errorf("creating a person: %w", err)
	}
	personID = person.ID
	// Tags and custom field values come back only when embedded.
	person, _, err = client.Parties.ReadSingle(ctx, personID, &capsule.ReadOptions{Embed: []string{capsule.EmbedTags, capsule.EmbedFields}})
	if err != nil {
		return fmt.Errorf("reading the new person: %w", err)
	}
	fieldNote := ""
	if def != nil {
		v, ok, err := person.Fields.ByID(def.ID)
		if err != nil {
			return fmt.Errorf("reading %q: %w", def.Name, err)
		}
		if !ok {
			return fmt.Errorf("the new person has no value for %q", def.Name)
		}
		fieldNote = fmt.Sprintf(", %s = %v", def.Name, v.Value)
	}
	fmt.Fprintf(out, "Created person #%d %s <%s>, tags %s%s\n", person.ID, person.DisplayName(), email, tagNames(person.Tags), fieldNote)

	// 5. Update: unset fields are left alone; capsule.Null clears one.
	person, _, err = client.Parties.Update(ctx, personID, &capsule.PartyInput{
		About:    capsule.Set("Created by the capsule-go quickstart"),
		JobTitle: capsule.Null[string](),
	})
	if err != nil {
		return fmt.Errorf("updating the person: %w", err)
	}
	if person.JobTitle != nil {
		return fmt.Errorf("jobTitle is still %q after clearing it", *person.JobTitle)
	}
	fmt.Fprintf(out, "Updated person #%d: about set, jobTitle cleared with capsule.Null (now null)\n", person.ID)

	// 6. Search matches names, email addresses, phone numbers and more.
	found, _, err := client.Parties.Search(ctx, email, nil)
	if err != nil {
		return fmt.Errorf("searching: %w", err)
	}
	fmt.Fprintf(out, "Search %q: %s\n", email, describeMatches(found, personID))

	// 7. A filter: conditions built with Where and And, checked against the
	// party filter fields before the request.
	f := capsule.Where("email", capsule.OpContains, "+qs"+marker+"@").And("tag", capsule.OpIs, tagName)
	matches, _, err := client.Parties.Filter(ctx, f, nil)
	if err != nil {
		return fmt.Errorf("filtering: %w", err)
	}
	fmt.Fprintf(out, "Filter email contains %q and tag is %q: %s\n", "+qs"+marker+"@", tagName, describeMatches(matches, personID))

	// 8. An opportunity for the person, on the first milestone of the first
	// pipeline.
	pipelines, _, err := client.Pipelines.Read(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading pipelines: %w", err)
	}
	if len(pipelines) == 0 {
		return errors.New("the account has no pipeline")
	}
	milestones, _, err := client.Milestones.ForPipeline(ctx, pipelines[0].ID, nil)
	if err != nil {
		return fmt.Errorf("reading the milestones of pipeline %q: %w", pipelines[0].Name, err)
	}
	if len(milestones) == 0 {
		return fmt.Errorf("pipeline %q has no milestone", pipelines[0].Name)
	}
	opp, _, err := client.Opportunities.Create(ctx, &capsule.OpportunityInput{
		Name:            capsule.Set("Quickstart deal " + marker),
		Party:           capsule.RefTo(personID),
		Milestone:       capsule.RefTo(milestones[0].ID),
		ExpectedCloseOn: capsule.Set(capsule.DateOf(time.Now().AddDate(0, 1, 0))),
	})
	if err != nil {
		return fmt.Errorf("creating an opportunity: %w", err)
	}
	oppID = opp.ID
	fmt.Fprintf(out, "Created opportunity #%d %q on pipeline %q, milestone %q\n", opp.ID, opp.Name, pipelines[0].Name, milestones[0].Name)

	// 9. The budget Capsule reported with the latest response.
	printRate(out, client)

	// 10. Clean up: the opportunity, then the person, then the tag if this
	// run created it.
	if _, err := client.Opportunities.Delete(ctx, oppID); err != nil {
		return fmt.Errorf("deleting the opportunity: %w", err)
	}
	oppID = 0
	resp, err = client.Parties.Delete(ctx, personID)
	if err != nil {
		return fmt.Errorf("deleting the person: %w", err)
	}
	if job := resp.JobID(); job != "" {
		// Capsule may delete in the background (202 Accepted + a job).
		if _, _, err := client.Jobs.Wait(ctx, job, 500*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for the delete job: %w", err)
		}
	}
	deletedID := personID
	personID = 0
	_, _, err = client.Parties.ReadSingle(ctx, deletedID, nil)
	switch {
	case errors.Is(err, capsule.ErrNotFound):
		fmt.Fprintf(out, "Deleted opportunity #%d and person #%d (reading the person again: not found)\n", opp.ID, deletedID)
	case err != nil:
		return fmt.Errorf("reading the deleted person: %w", err)
	default:
		return fmt.Errorf("person %d can still be read after its delete", deletedID)
	}
	if !tagExisted {
		if err := deleteTag(ctx, client, tagName); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "Done.")
	return nil
}

// readOnlyTour ends the tour on a real account without --write: a search, a
// filter and the pipelines, and nothing written.
func readOnlyTour(ctx context.Context, out io.Writer, client *capsule.Client, first []*capsule.Party) error {
	if len(first) > 0 {
		name := first[0].DisplayName()
		found, _, err := client.Parties.Search(ctx, name, nil)
		if err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		fmt.Fprintf(out, "Search %q: %s\n", name, describeMatches(found, first[0].ID))
	}
	f := capsule.Where("type", capsule.OpIs, "organisation").And("addedOn", capsule.OpIsWithinLast, 365)
	orgs, _, err := client.Parties.Filter(ctx, f, &capsule.ListOptions{PerPage: 100})
	if err != nil {
		return fmt.Errorf("filtering: %w", err)
	}
	fmt.Fprintf(out, "Filter type is organisation and added within the last 365 days: %d on the first page\n", len(orgs))
	pipelines, _, err := client.Pipelines.Read(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading pipelines: %w", err)
	}
	fmt.Fprintf(out, "Pipelines: %d\n", len(pipelines))
	printRate(out, client)
	fmt.Fprintln(out, "Read-only: nothing was written. Run with --write to also create, update and delete a person and an opportunity (removed again at the end).")
	return nil
}

// printRate prints the budget Capsule reported with the latest response.
func printRate(out io.Writer, client *capsule.Client) {
	if rate := client.Rate(); rate.Limit > 0 {
		fmt.Fprintf(out, "Rate budget: %d of %d requests left in this window (resets in %s)\n",
			rate.Remaining, rate.Limit, time.Until(rate.Reset).Round(time.Second))
	} else {
		fmt.Fprintln(out, "Rate budget: not reported by the server")
	}
}

// pickField returns a party custom field that a new person can take without
// a data tag, preferring a text field, and a sample value for it.
func pickField(defs capsule.FieldDefinitions, marker string) (*capsule.FieldDefinition, any) {
	samples := []struct {
		typ capsule.FieldType
		v   func(d *capsule.FieldDefinition) any
	}{
		{capsule.FieldTypeText, func(*capsule.FieldDefinition) any { return "QS-" + marker }},
		{capsule.FieldTypeNumber, func(*capsule.FieldDefinition) any { return 42 }},
		{capsule.FieldTypeDate, func(*capsule.FieldDefinition) any { return capsule.DateOf(time.Now()) }},
		{capsule.FieldTypeList, func(d *capsule.FieldDefinition) any { return d.Options[0] }},
		{capsule.FieldTypeLink, func(*capsule.FieldDefinition) any { return "https://example.com/" + marker }},
		{capsule.FieldTypeBoolean, func(*capsule.FieldDefinition) any { return true }},
	}
	for _, s := range samples {
		for _, d := range defs {
			if d.Type != s.typ || d.Tag != nil || (d.CaptureRule != nil && *d.CaptureRule != capsule.FieldCapturePerson) {
				continue
			}
			if d.Type == capsule.FieldTypeList && len(d.Options) == 0 {
				continue
			}
			return d, s.v(d)
		}
	}
	return nil, nil
}

// hasTag reports whether the account has a party tag called name.
func hasTag(ctx context.Context, client *capsule.Client, name string) (bool, error) {
	for t, err := range client.Tags.ReadIter(ctx, capsule.EntityParties, nil) {
		if err != nil {
			return false, fmt.Errorf("reading party tags: %w", err)
		}
		if strings.EqualFold(t.Name, name) {
			return true, nil
		}
	}
	return false, nil
}

// deleteTag deletes the party tag definition called name, which the
// quickstart's person brought into the account.
func deleteTag(ctx context.Context, client *capsule.Client, name string) error {
	for t, err := range client.Tags.ReadIter(ctx, capsule.EntityParties, nil) {
		if err != nil {
			return fmt.Errorf("reading party tags: %w", err)
		}
		if strings.EqualFold(t.Name, name) {
			if _, err := client.Tags.Delete(ctx, capsule.EntityParties, t.ID); err != nil {
				return fmt.Errorf("deleting tag %q: %w", name, err)
			}
			return nil
		}
	}
	return nil
}

// describeMatches says how many parties matched and whether id is one.
func describeMatches(ps []*capsule.Party, id int64) string {
	n := fmt.Sprintf("%d matches", len(ps))
	if len(ps) == 1 {
		n = "1 match"
	}
	for _, p := range ps {
		if p.ID == id {
			return fmt.Sprintf("%s, including #%d %s", n, p.ID, p.DisplayName())
		}
	}
	// Capsule's search index and filters can lag a little behind writes.
	return fmt.Sprintf("%s, not (yet) including #%d", n, id)
}

func tagNames(tags []capsule.Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = fmt.Sprintf("%q", t.Name)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// mask shows at most the first four characters of a secret.
func mask(secret string) string {
	if len(secret) <= 4 {
		return "…"
	}
	return secret[:4] + "…"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
