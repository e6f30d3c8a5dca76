package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

// recordType describes one record type for the generic read commands:
// list, get, search and filter.
type recordType[T any] struct {
	name     string // the command and the API collection: "parties"
	singular string // "party"
	short    string // the group's one-line help
	aliases  []string
	example  string // a filter condition for the help, "" without filters

	// entity names the custom fields of the type; "" when it has none.
	entity   capsule.Entity
	columns  []column[T]
	defaults []string // the columns shown without --fields
	embeds   []string // what --embed accepts
	// fields returns a record's custom field values.
	fields func(*T) capsule.Fields
	// since says that list takes --since.
	since bool

	// listFlags adds the type's own flags to list, and checkList checks
	// them before anything is sent; both may be nil.
	listFlags func(cmd *cobra.Command, rf *readFlags)
	checkList func(rf *readFlags) error

	list   func(c *capsule.Client, rf *readFlags) capsule.PageFunc[T]
	get    func(ctx context.Context, c *capsule.Client, id int64, o *capsule.ReadOptions) (*T, error)
	search func(c *capsule.Client, q string) capsule.PageFunc[T]         // nil: no search
	filter func(c *capsule.Client, f capsule.Filter) capsule.PageFunc[T] // nil: no filter
}

// subcommandBuilders are commands that other files add to a record group
// ("parties create"), keyed by the group's name.
var subcommandBuilders = map[string][]func(a *app) *cobra.Command{}

// registerSubcommand adds a command to the group named group (such as
// "parties"); call it from init.
func registerSubcommand(group string, build func(a *app) *cobra.Command) {
	subcommandBuilders[group] = append(subcommandBuilders[group], build)
}

// addSubcommands adds the registered subcommands of cmd's group.
func (a *app) addSubcommands(cmd *cobra.Command) {
	for _, build := range subcommandBuilders[cmd.Name()] {
		cmd.AddCommand(build(a))
	}
}

// readFlags are the flags of the read commands.
type readFlags struct {
	embed []string
	since string
	// tasks list --status, and the statuses it names once checked.
	status     []string
	taskStatus []capsule.TaskStatus
	// entries list --party, --opportunity, --project: whose entries.
	partyID, opportunityID, kaseID int64
}

// command builds the group of read commands of the type.
func (rt *recordType[T]) command(a *app) *cobra.Command {
	cmd := group(rt.name, rt.short, "",
		fmt.Sprintf("  capsule %s list --limit 10\n  capsule %s get 42 --output json", rt.name, rt.name),
		rt.aliases...)
	cmd.AddCommand(rt.listCommand(a), rt.getCommand(a))
	if rt.search != nil {
		cmd.AddCommand(rt.searchCommand(a))
	}
	if rt.filter != nil {
		cmd.AddCommand(rt.filterCommand(a))
	}
	a.addSubcommands(cmd)
	cmd.Long = fmt.Sprintf("%s: %s. Columns (for --fields): %s.", rt.short, groupVerbs(cmd), rt.columnNames())
	return cmd
}

// groupVerbs says what a group's commands do, from the commands it has:
// "list, get, search, filter, create, update and delete them".
func groupVerbs(cmd *cobra.Command) string {
	var verbs []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			verbs = append(verbs, c.Name())
		}
	}
	order := []string{"list", "get", "search", "filter", "create", "update", "delete"}
	slices.SortStableFunc(verbs, func(x, y string) int {
		return cmp.Compare(verbIndex(order, x), verbIndex(order, y))
	})
	if len(verbs) == 1 {
		return verbs[0] + " them"
	}
	return strings.Join(verbs[:len(verbs)-1], ", ") + " and " + verbs[len(verbs)-1] + " them"
}

// verbIndex places the known verbs in order, and the others after them.
func verbIndex(order []string, verb string) int {
	if i := slices.Index(order, verb); i >= 0 {
		return i
	}
	return len(order)
}

func (rt *recordType[T]) columnNames() string {
	names := make([]string, len(rt.columns))
	for i, c := range rt.columns {
		names[i] = c.name
	}
	s := strings.Join(names, ", ")
	if rt.fields != nil {
		s += ", or a custom field's name"
	}
	return s
}

func (rt *recordType[T]) addEmbedFlag(cmd *cobra.Command, rf *readFlags) {
	if len(rt.embeds) > 0 {
		cmd.Flags().StringSliceVar(&rf.embed, "embed", nil, "extra data to read: "+strings.Join(rt.embeds, ", "))
	}
}

func (rt *recordType[T]) listCommand(a *app) *cobra.Command {
	var rf readFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List " + rt.name,
		Example: fmt.Sprintf("  capsule %s list\n  capsule %s list --limit 0 --output csv > %s.csv",
			rt.name, rt.name, rt.name),
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := rt.listOptions(&rf)
			if err != nil {
				return err
			}
			if rt.checkList != nil {
				if err := rt.checkList(&rf); err != nil {
					return err
				}
			}
			return rt.printList(cmd.Context(), a, opts, func(c *capsule.Client) capsule.PageFunc[T] { return rt.list(c, &rf) })
		},
	}
	rt.addEmbedFlag(cmd, &rf)
	if rt.since {
		cmd.Flags().StringVar(&rf.since, "since", "", "only the records changed after this time (2025-01-31 or 2025-01-31T08:00:00Z)")
		cmd.Example += fmt.Sprintf("\n  capsule %s list --since 2025-01-31", rt.name)
	}
	if rt.listFlags != nil {
		rt.listFlags(cmd, &rf)
	}
	return cmd
}

func (rt *recordType[T]) searchCommand(a *app) *cobra.Command {
	var rf readFlags
	cmd := &cobra.Command{
		Use:     "search TEXT",
		Short:   "Search " + rt.name + " by text",
		Example: fmt.Sprintf("  capsule %s search acme\n  capsule %s search 'jane doe' --fields id,name", rt.name, rt.name),
		Args:    exactArgs("TEXT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := strings.TrimSpace(args[0])
			if q == "" {
				return usagef("%s search: TEXT must not be empty", rt.name)
			}
			opts, err := rt.listOptions(&rf)
			if err != nil {
				return err
			}
			return rt.printList(cmd.Context(), a, opts, func(c *capsule.Client) capsule.PageFunc[T] { return rt.search(c, q) })
		},
	}
	rt.addEmbedFlag(cmd, &rf)
	return cmd
}

func (rt *recordType[T]) filterCommand(a *app) *cobra.Command {
	var rf readFlags
	cmd := &cobra.Command{
		Use:   "filter 'FIELD OP VALUE'...",
		Short: "List the " + rt.name + " that match every condition",
		Long: fmt.Sprintf(`List the %s that match every condition. Each argument is one condition,
FIELD OP VALUE, checked before anything is sent. Fields: %s,
and custom:ID for a custom field. Operators: %s (= != > < for short).
A VALUE of true, false or a number is that; anything else is text (dates as 2025-01-31).`,
			rt.name, strings.Join(capsule.FilterFields(rt.entity), ", "), strings.Join(filterOperatorNames, ", ")),
		Example: fmt.Sprintf("  capsule %s filter %s\n  capsule %s filter 'addedOn is within last 30' 'hasTags = true'", rt.name, rt.example, rt.name),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("%s: want at least one condition FIELD OP VALUE", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := parseFilter(rt.entity, args)
			if err != nil {
				return err
			}
			opts, err := rt.listOptions(&rf)
			if err != nil {
				return err
			}
			return rt.printList(cmd.Context(), a, opts, func(c *capsule.Client) capsule.PageFunc[T] { return rt.filter(c, f) })
		},
	}
	rt.addEmbedFlag(cmd, &rf)
	return cmd
}

func (rt *recordType[T]) getCommand(a *app) *cobra.Command {
	var rf readFlags
	cmd := &cobra.Command{
		Use:     "get ID",
		Short:   "Show one " + rt.singular,
		Example: fmt.Sprintf("  capsule %s get 42\n  capsule %s get 42 --output json", rt.name, rt.name),
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if err := rt.checkEmbeds(rf.embed); err != nil {
				return err
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			embed := rf.embed
			if embed == nil && rt.fields != nil && len(a.fields) == 0 {
				embed = []string{capsule.EmbedTags, capsule.EmbedFields} // one record: all of it
			}
			cols, whole, embed, err := rt.selectColumns(cmd.Context(), a, c, embed, true)
			if err != nil {
				return err
			}
			rec, err := rt.get(cmd.Context(), c, id, &capsule.ReadOptions{Embed: embed})
			if err != nil {
				return err
			}
			return newPrinter(a, cols, whole).single(rec)
		},
	}
	rt.addEmbedFlag(cmd, &rf)
	return cmd
}

// listOptions checks the flags and returns the list options; pages are no
// bigger than --limit needs.
func (rt *recordType[T]) listOptions(rf *readFlags) (*capsule.ListOptions, error) {
	if err := rt.checkEmbeds(rf.embed); err != nil {
		return nil, err
	}
	o := &capsule.ListOptions{Embed: rf.embed}
	if rf.since != "" {
		t, err := parseTime(rf.since)
		if err != nil {
			return nil, usagef("--since: %v", err)
		}
		o.Since = t
	}
	return o, nil
}

func (rt *recordType[T]) checkEmbeds(embeds []string) error {
	for _, e := range embeds {
		if !slices.Contains(rt.embeds, e) {
			if len(rt.embeds) == 0 {
				return usagef("%s have nothing to embed, got --embed %q", rt.name, e)
			}
			return usagef("--embed %q is not one of %s", e, strings.Join(rt.embeds, ", "))
		}
	}
	return nil
}

// printList prints the records of a list up to --limit, and says on
// stderr when it cut the list short.
func (rt *recordType[T]) printList(ctx context.Context, a *app, opts *capsule.ListOptions, fetch func(*capsule.Client) capsule.PageFunc[T]) error {
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	cols, whole, embed, err := rt.selectColumns(ctx, a, c, opts.Embed, false)
	if err != nil {
		return err
	}
	opts.Embed = embed
	p := newPrinter(a, cols, whole)
	n, more, err := printPages(ctx, a, p, fetch(c), opts, rt.name)
	if err != nil {
		if n > 0 {
			_ = p.done() // keep the rows printed before the error
		}
		return err
	}
	if err := p.done(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(a.stderr, "capsule: showing the first %d %s; there are more (--limit N for more, --limit 0 for all)\n", n, rt.name)
	}
	return nil
}

// printPages prints records page by page up to a.limit (0: all). more
// reports that the list went on past the limit, known without another
// request: from the rest of the page or its Link header.
func printPages[T any](ctx context.Context, a *app, p *printer[T], fetch capsule.PageFunc[T], opts *capsule.ListOptions, what string) (n int, more bool, err error) {
	if a.limit > 0 && a.limit < capsule.MaxPerPage {
		opts.PerPage = a.limit
	}
	// A bar on stderr while the records go to a file or a pipe; none over
	// a table on the same terminal.
	var bar progress = noProgress{}
	if !a.stdoutTerminal {
		total := int64(-1)
		if a.limit > 0 {
			total = int64(a.limit)
		}
		bar = a.progress(total, "reading "+what)
	}
	defer bar.Finish()
	for page, err := range capsule.Pages(ctx, opts, fetch) {
		if err != nil {
			return n, false, err
		}
		for i, rec := range page.Items {
			if err := p.record(rec); err != nil {
				return n, false, err
			}
			n++
			if a.limit > 0 && n == a.limit {
				bar.Add(i + 1)
				return n, i < len(page.Items)-1 || (page.Response != nil && page.Response.NextPage > 0), nil
			}
		}
		bar.Add(len(page.Items))
	}
	return n, false, nil
}

// hasColumn reports whether cols has a column named name.
func hasColumn[T any](cols []column[T], name string) bool {
	return slices.ContainsFunc(cols, func(c column[T]) bool { return c.name == name })
}

// selectColumns picks the columns to print: --fields (built-in columns and
// custom fields by name), else the defaults plus a column per custom field
// when fields are embedded (all: every column, for one record). It returns the embeds the columns need and
// whether JSON output is the whole record (no --fields).
func (rt *recordType[T]) selectColumns(ctx context.Context, a *app, c *capsule.Client, embed []string, all bool) ([]column[T], bool, []string, error) {
	embed = slices.Clone(embed)
	if len(a.fields) == 0 {
		var cols []column[T]
		if all {
			cols = slices.Clone(rt.columns)
		} else {
			for _, name := range rt.defaults {
				col, _ := rt.column(name)
				cols = append(cols, col)
			}
		}
		if !hasColumn(cols, "tags") && slices.Contains(embed, capsule.EmbedTags) {
			if col, ok := rt.column("tags"); ok {
				cols = append(cols, col)
			}
		}
		if rt.fields != nil && slices.Contains(embed, capsule.EmbedFields) {
			defs, err := c.CustomFields.ReadAll(ctx, rt.entity)
			if err != nil {
				return nil, false, nil, err
			}
			for _, d := range defs {
				cols = append(cols, rt.customColumn(d))
			}
		}
		return cols, true, embed, nil
	}
	var (
		cols []column[T]
		defs capsule.FieldDefinitions
	)
	for _, name := range a.fields {
		name = strings.TrimSpace(name)
		if col, ok := rt.column(name); ok {
			cols = append(cols, col)
			if name == "tags" && !slices.Contains(embed, capsule.EmbedTags) {
				embed = append(embed, capsule.EmbedTags)
			}
			continue
		}
		if rt.fields == nil {
			return nil, false, nil, usagef("--fields: %s have no column %q; want %s", rt.name, name, rt.columnNames())
		}
		if defs == nil {
			var err error
			if defs, err = c.CustomFields.ReadAll(ctx, rt.entity); err != nil {
				return nil, false, nil, err
			}
		}
		d, err := defs.Find(name)
		if err != nil {
			return nil, false, nil, usagef("--fields: %s have no column or custom field %q; want %s", rt.name, name, rt.columnNames())
		}
		cols = append(cols, rt.customColumn(d))
		if !slices.Contains(embed, capsule.EmbedFields) {
			embed = append(embed, capsule.EmbedFields)
		}
	}
	return cols, false, embed, nil
}

func (rt *recordType[T]) column(name string) (column[T], bool) {
	for _, c := range rt.columns {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return column[T]{}, false
}

// customColumn is the column of one custom field, named as the field.
func (rt *recordType[T]) customColumn(d *capsule.FieldDefinition) column[T] {
	return column[T]{name: d.Name, value: func(rec *T) any {
		v, ok, err := rt.fields(rec).ByID(d.ID)
		if !ok || err != nil {
			return nil
		}
		return v.Value
	}}
}

// filterOperatorNames are the operators of Capsule's filters.
var filterOperatorNames = []string{
	capsule.OpIs, capsule.OpIsNot, capsule.OpStartsWith, capsule.OpEndsWith, capsule.OpContains,
	capsule.OpIsGreaterThan, capsule.OpIsLessThan, capsule.OpIsAfter, capsule.OpIsBefore,
	capsule.OpIsOlderThan, capsule.OpIsWithinLast, capsule.OpIsWithinNext,
}

// operatorShorthands are the symbols a condition may use for operators.
var operatorShorthands = map[string]string{
	"=": capsule.OpIs, "==": capsule.OpIs, "!=": capsule.OpIsNot,
	">": capsule.OpIsGreaterThan, "<": capsule.OpIsLessThan,
}

// parseFilter turns conditions "FIELD OP VALUE" into a filter and checks it
// with the SDK's builder before anything is sent.
func parseFilter(entity capsule.Entity, conds []string) (capsule.Filter, error) {
	var f capsule.Filter
	for i, cond := range conds {
		field, op, value, err := parseCondition(cond)
		if err != nil {
			return f, usagef("condition %q: %v", cond, err)
		}
		if i == 0 {
			f = capsule.Where(field, op, value)
		} else {
			f = f.And(field, op, value)
		}
	}
	if err := f.Validate(entity); err != nil {
		return f, err
	}
	return f, nil
}

// parseCondition splits "FIELD OP VALUE": the operator is the longest one
// that follows the field.
func parseCondition(s string) (field, op string, value any, err error) {
	words := strings.Fields(s)
	if len(words) < 2 {
		return "", "", nil, fmt.Errorf("want FIELD OP VALUE")
	}
	field = words[0]
	rest := words[1:]
	n := 0
	if sym, ok := operatorShorthands[rest[0]]; ok {
		op, n = sym, 1
	} else {
		for k := len(rest); k >= 1; k-- {
			cand := strings.ToLower(strings.Join(rest[:k], " "))
			if slices.Contains(filterOperatorNames, cand) {
				op, n = cand, k
				break
			}
		}
	}
	if op == "" {
		return "", "", nil, fmt.Errorf("no known operator after %q; want one of %s", field, strings.Join(filterOperatorNames, ", "))
	}
	raw := strings.Join(rest[n:], " ")
	if raw == "" {
		return "", "", nil, fmt.Errorf("no value after %q", op)
	}
	return field, op, conditionValue(raw), nil
}

// conditionValue reads true, false and numbers as such; quotes keep text.
func conditionValue(s string) any {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// parseID reads a record id.
func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, usagef("ID must be a positive number, got %q", s)
	}
	return n, nil
}

// parseTime reads a time as RFC 3339 or a date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a date such as 2025-01-31 or a time such as 2025-01-31T08:00:00Z, got %q", s)
}
