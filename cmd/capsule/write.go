package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

// writeType describes the create, update and delete commands of one record
// type; they join the type's group (parties, opportunities, ...).
type writeType[In, T any] struct {
	read *recordType[T] // the group, and the columns a written record prints with
	// noun is what the messages call a record ("party", "note").
	noun  string
	flags []inputFlag[In]
	// createExample and updateExample are the commands' help examples.
	createExample, updateExample string

	// service is the SDK service that writes the type, such as c.Parties.
	service func(c *capsule.Client) writeService[In, T]
}

// writeService is what the SDK's Parties, Opportunities, Kases, Tasks and
// Entries services have in common.
type writeService[In, T any] interface {
	Create(ctx context.Context, in *In) (*T, *capsule.Response, error)
	Update(ctx context.Context, id int64, in *In) (*T, *capsule.Response, error)
	Delete(ctx context.Context, id int64) (*capsule.Response, error)
}

// inputFlag is one flag of create and update: it sets a field of the input.
type inputFlag[In any] struct {
	name, usage string
	many        bool // repeatable: each value is applied in turn
	apply       func(in *In, value string) error
}

// register adds the commands to the type's group.
func (wt *writeType[In, T]) register() {
	registerSubcommand(wt.read.name, wt.createCommand)
	registerSubcommand(wt.read.name, wt.updateCommand)
	registerSubcommand(wt.read.name, wt.deleteCommand)
}

// writeFlags are the flags every create and update takes.
type writeFlags struct {
	data   string
	dryRun bool
	single map[string]*string
	many   map[string]*[]string
}

func (wt *writeType[In, T]) addFlags(cmd *cobra.Command, wf *writeFlags) {
	fs := cmd.Flags()
	fs.StringVar(&wf.data, "data", "", "the input as JSON, the SDK's input type: @FILE, - for stdin, or the JSON itself; flags override it")
	fs.BoolVar(&wf.dryRun, "dry-run", false, "print the request that would be sent (method, path, JSON body) and send nothing")
	wf.single, wf.many = map[string]*string{}, map[string]*[]string{}
	for _, f := range wt.flags {
		if f.many {
			wf.many[f.name] = fs.StringArray(f.name, nil, f.usage+" (repeatable)")
		} else {
			wf.single[f.name] = fs.String(f.name, "", f.usage)
		}
	}
}

// input builds the input from --data, then the flags given.
func (wt *writeType[In, T]) input(cmd *cobra.Command, a *app, wf *writeFlags) (*In, error) {
	in := new(In)
	given := wf.data != ""
	if given {
		if err := a.readDocument(wf.data, in); err != nil {
			return nil, err
		}
	}
	for _, f := range wt.flags {
		if !cmd.Flags().Changed(f.name) {
			continue
		}
		given = true
		values := []string{}
		if f.many {
			values = *wf.many[f.name]
		} else {
			values = append(values, *wf.single[f.name])
		}
		for _, v := range values {
			if err := f.apply(in, v); err != nil {
				return nil, usagef("--%s: %v", f.name, err)
			}
		}
	}
	if !given {
		return nil, usagef("%s: nothing to send: give flags or --data", cmd.CommandPath())
	}
	return in, nil
}

func (wt *writeType[In, T]) createCommand(a *app) *cobra.Command {
	var wf writeFlags
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Create a " + wt.noun,
		Long:    fmt.Sprintf("Create a %s from flags, from a JSON document (--data), or both (flags win), and print it.", wt.noun),
		Example: wt.createExample,
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := wt.input(cmd, a, &wf)
			if err != nil {
				return err
			}
			return wt.write(cmd.Context(), a, wf.dryRun, func(ctx context.Context, c *capsule.Client) (*T, error) {
				rec, _, err := wt.service(c).Create(ctx, in)
				return rec, err
			})
		},
	}
	wt.addFlags(cmd, &wf)
	return cmd
}

func (wt *writeType[In, T]) updateCommand(a *app) *cobra.Command {
	var wf writeFlags
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a " + wt.noun,
		Long: fmt.Sprintf("Change a %s: only what the flags or the JSON document (--data) set is sent; "+
			"in the document, null clears a field. Prints the %s as changed.", wt.noun, wt.noun),
		Example: wt.updateExample,
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			in, err := wt.input(cmd, a, &wf)
			if err != nil {
				return err
			}
			return wt.write(cmd.Context(), a, wf.dryRun, func(ctx context.Context, c *capsule.Client) (*T, error) {
				rec, _, err := wt.service(c).Update(ctx, id, in)
				return rec, err
			})
		},
	}
	wt.addFlags(cmd, &wf)
	return cmd
}

// write runs a create or update and prints the record Capsule returns, or
// with dryRun prints the request instead of sending it.
func (wt *writeType[In, T]) write(ctx context.Context, a *app, dryRun bool, do func(context.Context, *capsule.Client) (*T, error)) error {
	if dryRun {
		return a.dryRun(ctx, func(ctx context.Context, c *capsule.Client) error {
			_, err := do(ctx, c)
			return err
		})
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	cols, whole, _, err := wt.read.selectColumns(ctx, a, c, nil, true)
	if err != nil {
		return err
	}
	rec, err := do(ctx, c)
	if err != nil {
		return err
	}
	return newPrinter(a, cols, whole).single(rec)
}

func (wt *writeType[In, T]) deleteCommand(a *app) *cobra.Command {
	var yes, dryRun bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a " + wt.noun,
		Long:  fmt.Sprintf("Delete a %s. On a terminal it asks first; elsewhere it refuses unless given --yes.", wt.noun),
		Example: fmt.Sprintf("  capsule %s delete 42\n  capsule %s delete 42 --yes\n  capsule %s delete 42 --dry-run",
			wt.read.name, wt.read.name, wt.read.name),
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			del := func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
				return wt.service(c).Delete(ctx, id)
			}
			if dryRun {
				return a.dryRun(cmd.Context(), func(ctx context.Context, c *capsule.Client) error {
					_, err := del(ctx, c)
					return err
				})
			}
			return a.deleteConfirmed(cmd.Context(), fmt.Sprintf("%s %d", wt.noun, id), yes, del)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the request that would be sent and send nothing")
	return cmd
}

// deleteConfirmed asks before running del (unless yes), runs it and says
// what was deleted. what names the record: "party 42".
func (a *app) deleteConfirmed(ctx context.Context, what string, yes bool, del func(context.Context, *capsule.Client) (*capsule.Response, error)) error {
	if err := a.confirm("delete "+what, yes); err != nil {
		return err
	}
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	resp, err := del(ctx, c)
	if err != nil {
		return err
	}
	if job := resp.JobID(); job != "" {
		fmt.Fprintf(a.stdout, "Deleted %s (Capsule finishes in the background: job %s)\n", what, job)
		return nil
	}
	fmt.Fprintf(a.stdout, "Deleted %s\n", what)
	return nil
}

// confirm asks on the terminal whether to go ahead with action ("delete
// party 42"). Without a terminal to ask on it refuses, unless yes.
func (a *app) confirm(action string, yes bool) error {
	if yes {
		return nil
	}
	if !a.stdinTerminal {
		return usagef("refusing to %s without confirmation: stdin is not a terminal (pass --yes)", action)
	}
	fmt.Fprintf(a.stderr, "%s? [y/N] ", strings.ToUpper(action[:1])+action[1:])
	answer, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return failedf("did not %s: not confirmed", action)
}

// readDocument decodes the JSON document of --data into v: @FILE reads a
// file, - reads stdin, anything else is the JSON itself. Unknown keys are
// refused, so that a misspelt field is not silently dropped.
func (a *app) readDocument(spec string, v any) error {
	var b []byte
	var err error
	switch {
	case spec == "-":
		b, err = io.ReadAll(a.stdin)
	case strings.HasPrefix(spec, "@"):
		b, err = os.ReadFile(spec[1:])
	default:
		b = []byte(spec)
	}
	if err != nil {
		return usagef("--data: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return usagef("--data: not a valid document: %v", err)
	}
	if dec.More() {
		return usagef("--data: more than one JSON value")
	}
	return nil
}

// errDryRun stops a request in the dry-run transport.
var errDryRun = errors.New("dry run")

// dryRunTransport records the first request the SDK would send, and sends
// nothing.
type dryRunTransport struct {
	req  *http.Request
	body []byte
}

func (t *dryRunTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.req == nil {
		t.req = r
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			t.body = b
		}
	}
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, errDryRun
}

// dryRun runs do with a client whose requests stop before the network, and
// prints the first one: the method, the path and the JSON body. The SDK's
// checks run as usual, so a bad input still fails.
func (a *app) dryRun(ctx context.Context, do func(context.Context, *capsule.Client) error) error {
	t := &dryRunTransport{}
	c, err := a.client(ctx, capsule.WithHTTPClient(&http.Client{Transport: t}), capsule.WithRetryPolicy(nil))
	if err != nil {
		return err
	}
	err = do(ctx, c)
	if t.req == nil {
		if err == nil {
			err = errors.New("dry run: no request to show")
		}
		return err
	}
	if !errors.Is(err, errDryRun) {
		return err
	}
	fmt.Fprintf(a.stdout, "%s %s\n", t.req.Method, t.req.URL.RequestURI())
	if body := t.body; len(body) > 0 {
		var out bytes.Buffer
		if json.Indent(&out, body, "", "  ") == nil {
			body = out.Bytes()
		}
		fmt.Fprintf(a.stdout, "%s\n", body)
	}
	fmt.Fprintln(a.stderr, "capsule: dry run: nothing was sent")
	return nil
}

// Setters for inputFlag.apply.

// setText sets a text field.
func setText[In any](field func(*In) *capsule.Optional[string]) func(*In, string) error {
	return func(in *In, v string) error {
		*field(in) = capsule.Set(v)
		return nil
	}
}

// setRef sets a reference by id.
func setRef[In any](field func(*In) *capsule.Optional[capsule.Ref]) func(*In, string) error {
	return func(in *In, v string) error {
		id, err := parseID(v)
		if err != nil {
			return err
		}
		*field(in) = capsule.RefTo(id)
		return nil
	}
}

// setDate sets a date field from YYYY-MM-DD.
func setDate[In any](field func(*In) *capsule.Optional[capsule.Date]) func(*In, string) error {
	return func(in *In, v string) error {
		d, err := capsule.ParseDate(v)
		if err != nil {
			return errors.New(cleanMessage(err.Error()))
		}
		*field(in) = capsule.Set(d)
		return nil
	}
}

// addTag adds a tag by name.
func addTag[In any](field func(*In) *[]capsule.TagChange) func(*In, string) error {
	return func(in *In, v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("a tag needs a name")
		}
		*field(in) = append(*field(in), capsule.AddTag(v))
		return nil
	}
}
