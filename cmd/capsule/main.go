// Command capsule reads and manages a Capsule CRM account from the shell.
//
// It authenticates with the token in CAPSULE_TOKEN (a personal access token,
// or an OAuth access token for the hooks commands) and talks to
// CAPSULE_BASE_URL when set, else https://api.capsulecrm.com/api/v2/. With
// -fake it runs against an in-process fake Capsule seeded with 20 parties
// (package capsuletest) instead, to try it out; the fake starts afresh for
// every command, so changes are not kept.
//
// Usage:
//
//	capsule [-json] [-fake] COMMAND [flags] [args]
//
// Commands:
//
//	parties list [-q text] [-embed tags,fields] [-limit N]   list or search parties
//	parties get [-embed tags,fields] ID                      show one party
//	opportunities list [-q text] [-embed list] [-limit N]    list or search opportunities
//	kases list [-q text] [-embed list] [-limit N]            list or search projects
//	export -out DIR [-since RFC3339]                         write parties, opportunities and kases as JSON Lines
//	fields list ENTITY                                       custom field definitions of parties, opportunities or kases
//	hooks list                                               REST hooks
//	hooks subscribe -event E -url U [-embed list] [-description text]
//	hooks unsubscribe ID
//	rate                                                     the request budget left (one cheap request)
//	help                                                     this text
//
// Output is a table; -json (before or after the command) prints JSON Lines
// instead, one record a line as the SDK models it. The list commands read
// -limit records (default 100, 0 for all), fetching pages of up to 100
// lazily. export writes DIR/parties.jsonl, DIR/opportunities.jsonl and
// DIR/kases.jsonl with tags and custom fields (only the records changed after
// -since, when given), reports its progress on stderr and prints a summary.
//
// Errors go to stderr with exit status 1; a usage error (unknown command,
// bad flag or argument, no CAPSULE_TOKEN) exits with 2. The token is never
// printed.
//
// Examples:
//
//	capsule -fake parties list -q ltd -embed tags
//	CAPSULE_TOKEN=... capsule parties list -q acme -json
//	CAPSULE_TOKEN=... capsule export -out ./backup -since 2025-01-01T00:00:00Z
//	CAPSULE_TOKEN=... capsule hooks subscribe -event party/created -url https://example.com/hooks/x7f9
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// defaultLimit is how many records the list commands print unless -limit
// says otherwise: one request's worth.
const defaultLimit = 100

// fakeSeed is the number of parties the -fake Capsule starts with.
const fakeSeed = 20

const usageText = `Usage: capsule [-json] [-fake] COMMAND [flags] [args]

Commands:
  parties list [-q text] [-embed tags,fields] [-limit N]   list or search parties
  parties get [-embed tags,fields] ID                      show one party
  opportunities list [-q text] [-embed list] [-limit N]    list or search opportunities
  kases list [-q text] [-embed list] [-limit N]            list or search projects (kases)
  export -out DIR [-since RFC3339]                         write parties, opportunities and kases as JSON Lines
  fields list ENTITY                                       custom field definitions (parties, opportunities, kases)
  hooks list                                               REST hooks
  hooks subscribe -event E -url U [-embed list] [-description text]
  hooks unsubscribe ID
  rate                                                     the request budget left (one cheap request)
  help                                                     this text

Flags for every command:
  -json   print JSON Lines instead of a table
  -fake   use an in-process fake Capsule with 20 seeded parties (nothing is kept)

Environment:
  CAPSULE_TOKEN     personal access token, or an OAuth access token (required without -fake)
  CAPSULE_BASE_URL  API root (default https://api.capsulecrm.com/api/v2/)

Run 'capsule COMMAND -h' for a command's flags.
`

// usageError is a mistake in the command line; it exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// app is the state of one run.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	json           bool
	fake           bool
	synopsis       string // of the running command, for its usage line
	// cmdJSON and cmdFake are -json and -fake given after the command.
	cmdJSON, cmdFake *bool
	cleanup          []func()
}

// command is one subcommand: its name ("parties list"), the synopsis of its
// flags and arguments, and what it does.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, a *app, args []string) error
}

var commands = []command{
	{"parties list", "[-q text] [-embed tags,fields] [-limit N]", partiesList},
	{"parties get", "[-embed tags,fields] ID", partiesGet},
	{"opportunities list", "[-q text] [-embed list] [-limit N]", opportunitiesList},
	{"kases list", "[-q text] [-embed list] [-limit N]", kasesList},
	{"export", "-out DIR [-since RFC3339]", export},
	{"fields list", "ENTITY", fieldsList},
	{"hooks list", "", hooksList},
	{"hooks subscribe", "-event E -url U [-embed list] [-description text]", hooksSubscribe},
	{"hooks unsubscribe", "ID", hooksUnsubscribe},
	{"rate", "", rate},
}

// run is the whole program: it parses args, runs the command and returns
// the exit status. getenv is os.Getenv in main and a map in the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv}
	defer func() {
		for _, f := range a.cleanup {
			f()
		}
	}()
	fs := flag.NewFlagSet("capsule", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText) }
	a.commonFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	if rest[0] == "help" {
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	cmd, cmdArgs, err := findCommand(rest)
	if err == nil {
		a.synopsis = cmd.synopsis
		err = cmd.run(ctx, a, cmdArgs)
	}
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "capsule: %s\nRun 'capsule help' for usage.\n", ue.msg)
		return exitUsage
	case errors.Is(err, errFlags):
		return exitUsage // the flag package has said why
	default:
		msg := err.Error()
		if !strings.HasPrefix(msg, "capsule: ") { // the SDK's errors say it already
			msg = "capsule: " + msg
		}
		fmt.Fprintln(stderr, msg)
		return exitError
	}
}

// findCommand picks the command named by the first one or two words.
func findCommand(words []string) (command, []string, error) {
	if len(words) >= 2 {
		for _, c := range commands {
			if c.name == words[0]+" "+words[1] {
				return c, words[2:], nil
			}
		}
	}
	var subs []string
	for _, c := range commands {
		if c.name == words[0] {
			return c, words[1:], nil
		}
		if group, sub, ok := strings.Cut(c.name, " "); ok && group == words[0] {
			subs = append(subs, sub)
		}
	}
	if len(subs) > 0 {
		if len(words) < 2 {
			return command{}, nil, usagef("%s: missing subcommand (%s)", words[0], strings.Join(subs, ", "))
		}
		return command{}, nil, usagef("%s: unknown subcommand %q (%s)", words[0], words[1], strings.Join(subs, ", "))
	}
	return command{}, nil, usagef("unknown command %q", words[0])
}

// errFlags marks a flag error the flag package has already reported.
var errFlags = errors.New("bad flags")

func (a *app) commonFlags(fs *flag.FlagSet) {
	fs.BoolVar(&a.json, "json", false, "print JSON Lines instead of a table")
	fs.BoolVar(&a.fake, "fake", false, "use an in-process fake Capsule with seeded data")
}

// flags returns the flag set of a command, with its own -json and -fake,
// which parse adds to those given before the command.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("capsule "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	a.cmdJSON = fs.Bool("json", false, "print JSON Lines instead of a table")
	a.cmdFake = fs.Bool("fake", false, "use an in-process fake Capsule with seeded data")
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: capsule %s %s\n\nFlags:\n", name, a.synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses the command's args, which may mix flags and positional
// arguments, and checks the number of positional arguments.
func (a *app) parse(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	pos, err := parseArgs(fs, args, positional...)
	if a.cmdJSON != nil && *a.cmdJSON {
		a.json = true
	}
	if a.cmdFake != nil && *a.cmdFake {
		a.fake = true
	}
	return pos, err
}

func parseArgs(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errFlags
	}
	// Allow flags after the positional arguments too ("parties get 12 -json").
	var pos []string
	rest := fs.Args()
	for len(rest) > 0 {
		pos = append(pos, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errFlags
		}
		rest = fs.Args()
	}
	if len(pos) != len(positional) {
		want := "no arguments"
		if len(positional) > 0 {
			want = strings.Join(positional, " ")
		}
		return nil, usagef("%s: want %s, got %d argument(s)", strings.TrimPrefix(fs.Name(), "capsule "), want, len(pos))
	}
	return pos, nil
}

// client connects to Capsule, or to a new fake with -fake.
func (a *app) client() (*capsule.Client, error) {
	opts := []capsule.Option{capsule.WithUserAgent("capsule-cli")}
	if a.fake {
		srv := capsuletest.NewServer(capsuletest.WithSeed(fakeSeed))
		a.cleanup = append(a.cleanup, srv.Close)
		fmt.Fprintf(a.stderr, "capsule: -fake: using an in-process fake Capsule with %d seeded parties; nothing is kept\n", fakeSeed)
		return capsule.NewClient(append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))...)
	}
	token := strings.TrimSpace(a.getenv("CAPSULE_TOKEN"))
	if token == "" {
		return nil, usagef("CAPSULE_TOKEN is not set: set it to a Capsule access token, or pass -fake to try the built-in fake")
	}
	if base := a.getenv("CAPSULE_BASE_URL"); base != "" {
		opts = append(opts, capsule.WithBaseURL(base))
	}
	c, err := capsule.NewClient(append(opts, capsule.WithToken(token))...)
	if err != nil {
		return nil, fmt.Errorf("CAPSULE_BASE_URL: %w", err)
	}
	return c, nil
}

// --- output ---

// printer writes records as table rows or as JSON Lines.
type printer struct {
	json bool
	enc  *json.Encoder
	tw   *tabwriter.Writer
}

// printer starts the output of a command; header names the table columns.
func (a *app) printer(header ...string) *printer {
	p := &printer{json: a.json}
	if a.json {
		p.enc = json.NewEncoder(a.stdout)
		p.enc.SetEscapeHTML(false)
		return p
	}
	p.tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		p.row(header...)
	}
	return p
}

// record prints v as JSON, or cells as a table row.
func (p *printer) record(v any, cells ...string) error {
	if p.json {
		return p.enc.Encode(v)
	}
	p.row(cells...)
	return nil
}

func (p *printer) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
}

// done flushes the table.
func (p *printer) done() error {
	if p.tw != nil {
		return p.tw.Flush()
	}
	return nil
}

// cell keeps a table cell on one line, and shows an empty one as "-".
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func date(d *capsule.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.String()
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func tagNames(tags []capsule.Tag) string {
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

func fieldValues(fields capsule.Fields) string {
	var parts []string
	for _, f := range fields {
		v := "null"
		if f.Value != nil {
			v = fmt.Sprint(f.Value)
		}
		parts = append(parts, f.Definition.Name+"="+v)
	}
	return strings.Join(parts, "; ")
}

func partyName(p *capsule.Party) string {
	if p == nil {
		return ""
	}
	return p.DisplayName()
}

func money(m *capsule.Money) string {
	if m == nil {
		return ""
	}
	return strings.TrimSpace(strconv.FormatFloat(m.Amount, 'f', 2, 64) + " " + m.Currency)
}

// --- list commands ---

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

// --- export ---

// exportEmbed is what every exported record carries besides its own fields.
var exportEmbed = []string{capsule.EmbedTags, capsule.EmbedFields}

// exportSummary is the line export prints per entity.
type exportSummary struct {
	Entity  string `json:"entity"`
	Records int    `json:"records"`
	File    string `json:"file"`
}

func export(ctx context.Context, a *app, args []string) error {
	fs := a.flags("export")
	dir := fs.String("out", "", "`directory` for parties.jsonl, opportunities.jsonl and kases.jsonl (created if needed)")
	sinceFlag := fs.String("since", "", "export only records changed after this `time` (RFC 3339, e.g. 2025-01-31T00:00:00Z)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("export: -out DIR is required")
	}
	var since time.Time
	if *sinceFlag != "" {
		t, err := time.Parse(time.RFC3339, *sinceFlag)
		if err != nil {
			return usagef("export: -since must be an RFC 3339 time such as 2025-01-31T00:00:00Z, got %q", *sinceFlag)
		}
		since = t
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	opts := &capsule.ListOptions{Since: since, Embed: exportEmbed}
	var summaries []exportSummary
	add := func(s exportSummary, err error) error {
		if err == nil {
			summaries = append(summaries, s)
		}
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "parties", opts, c.Parties.Read)); err != nil {
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "opportunities", opts, c.Opportunities.Read)); err != nil {
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "kases", opts, c.Kases.Read)); err != nil {
		return err
	}
	p := a.printer("ENTITY", "RECORDS", "FILE")
	for _, s := range summaries {
		if err := p.record(s, s.Entity, strconv.Itoa(s.Records), s.File); err != nil {
			return err
		}
	}
	return p.done()
}

// exportEntity writes every record of one list to DIR/NAME.jsonl, through a
// temporary file so that a failed export leaves no half-written file.
func exportEntity[T any](ctx context.Context, a *app, c *capsule.Client, dir, name string, opts *capsule.ListOptions,
	fetch capsule.PageFunc[T]) (sum exportSummary, err error) {
	path := filepath.Join(dir, name+".jsonl")
	f, err := os.CreateTemp(dir, name+".jsonl.*.tmp")
	if err != nil {
		return sum, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return sum, err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n, pages := 0, 0
	for page, err := range capsule.Pages(ctx, opts, fetch) {
		if err != nil {
			return sum, fmt.Errorf("exporting %s: %w", name, err)
		}
		for _, rec := range page.Items {
			if err := enc.Encode(rec); err != nil {
				return sum, err
			}
		}
		n += len(page.Items)
		pages++
		rate := c.Rate()
		fmt.Fprintf(a.stderr, "export: %-13s %6d records, page %d, %d of %d requests left\n", name, n, pages, rate.Remaining, rate.Limit)
	}
	if err := w.Flush(); err != nil {
		return sum, err
	}
	if err := f.Close(); err != nil {
		return sum, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return sum, err
	}
	return exportSummary{Entity: name, Records: n, File: path}, nil
}

// --- fields ---

func fieldsList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("fields list")
	pos, err := a.parse(fs, args, "ENTITY")
	if err != nil {
		return err
	}
	entity := capsule.Entity(pos[0])
	switch pos[0] {
	case "parties", "opportunities", "kases":
	case "projects":
		entity = capsule.EntityKases
	default:
		return usagef("fields list: ENTITY must be parties, opportunities or kases (projects), got %q", pos[0])
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	p := a.printer("ID", "NAME", "TYPE", "OPTIONS", "TAG")
	return printAll(p, c.CustomFields.ReadIter(ctx, entity, nil), 0, func(d *capsule.FieldDefinition) error {
		var tag string
		if d.Tag != nil {
			tag = d.Tag.Name
		}
		return p.record(d, id(d.ID), d.Name, string(d.Type), strings.Join(d.Options, ", "), tag)
	})
}

// --- hooks ---

var hookHeader = []string{"ID", "EVENT", "TARGET", "EMBED", "DESCRIPTION"}

func hookRow(h *capsule.RestHook) []string {
	return []string{id(h.ID), string(h.Event), h.TargetURL, h.Embed, h.Description}
}

func hooksList(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags("hooks list"), args); err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	hooks, _, err := c.RestHooks.Read(ctx)
	if err != nil {
		return err
	}
	p := a.printer(hookHeader...)
	for _, h := range hooks {
		if err := p.record(h, hookRow(h)...); err != nil {
			return err
		}
	}
	return p.done()
}

func hooksSubscribe(ctx context.Context, a *app, args []string) error {
	fs := a.flags("hooks subscribe")
	event := fs.String("event", "", "the `event` to deliver, e.g. party/created")
	target := fs.String("url", "", "the target `URL` Capsule POSTs to")
	embed := fs.String("embed", "", "comma `list` of embeds for the delivered records, e.g. fields,tags")
	description := fs.String("description", "", "a description of the hook")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if !capsule.HookEvent(*event).Known() {
		var known []string
		for _, e := range capsule.HookEvents() {
			known = append(known, string(e))
		}
		if *event == "" {
			return usagef("hooks subscribe: -event is required; one of %s", strings.Join(known, ", "))
		}
		return usagef("hooks subscribe: unknown event %q; want one of %s", *event, strings.Join(known, ", "))
	}
	if u, err := url.Parse(*target); *target == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usagef("hooks subscribe: -url must be an absolute http or https URL, got %q", *target)
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	in := &capsule.RestHookInput{Event: capsule.Set(capsule.HookEvent(*event)), TargetURL: capsule.Set(*target)}
	if *embed != "" {
		in.Embed = capsule.Set(strings.Join(splitList(*embed), ","))
	}
	if *description != "" {
		in.Description = capsule.Set(*description)
	}
	hook, _, err := c.RestHooks.Subscribe(ctx, in)
	if err != nil {
		return err
	}
	p := a.printer(hookHeader...)
	if err := p.record(hook, hookRow(hook)...); err != nil {
		return err
	}
	return p.done()
}

func hooksUnsubscribe(ctx context.Context, a *app, args []string) error {
	pos, err := a.parse(a.flags("hooks unsubscribe"), args, "ID")
	if err != nil {
		return err
	}
	hookID, err := parseID("hooks unsubscribe", pos[0])
	if err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if _, err := c.RestHooks.Unsubscribe(ctx, hookID); err != nil {
		return err
	}
	if a.json {
		return a.printer().record(struct {
			ID           int64 `json:"id"`
			Unsubscribed bool  `json:"unsubscribed"`
		}{hookID, true})
	}
	_, err = fmt.Fprintf(a.stdout, "Unsubscribed REST hook %d\n", hookID)
	return err
}

// --- rate ---

// rateLine is what rate prints.
type rateLine struct {
	User      string    `json:"user"`
	Limit     int       `json:"limit"`
	Remaining int       `json:"remaining"`
	Reset     time.Time `json:"reset"`
}

func rate(ctx context.Context, a *app, args []string) error {
	if _, err := a.parse(a.flags("rate"), args); err != nil {
		return err
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	me, resp, err := c.Users.ReadCurrent(ctx)
	if err != nil {
		return err
	}
	r := resp.Rate
	line := rateLine{User: me.Username, Limit: r.Limit, Remaining: r.Remaining, Reset: r.Reset.UTC()}
	p := a.printer("USER", "LIMIT", "REMAINING", "RESETS")
	if err := p.record(line, line.User, strconv.Itoa(r.Limit), strconv.Itoa(r.Remaining), timestamp(r.Reset)); err != nil {
		return err
	}
	return p.done()
}
