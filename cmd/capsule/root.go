package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses (DESIGN.md §7, plus one for authentication).
const (
	exitOK    = 0 // all done
	exitError = 1 // something failed: a request, a row
	exitUsage = 2 // a mistake in the command line
	exitAuth  = 4 // no token, or Capsule refused it (401)
)

// defaultLimit is how many records a list prints unless --limit says
// otherwise: one request's worth.
const defaultLimit = 100

const rootLong = `capsule reads and manages a Capsule CRM account from the shell.

Authentication: CAPSULE_TOKEN (a personal access token from Capsule's
My Preferences > API Authentication Tokens, or an OAuth access token) wins;
without it the token stored by 'capsule auth login' for --profile is used.
CAPSULE_BASE_URL changes the API root (default https://api.capsulecrm.com/api/v2/).
--fake runs every command against an in-process fake Capsule with seeded data
instead, to try the tool out; nothing is kept between commands.

Output: --output table on a terminal, JSON Lines (one record a line, as the
SDK models it) when piped; json and csv on request. --fields picks the
columns, by column name or by custom field name.

Exit statuses:
  0  all done
  1  something failed (a request, a record)
  2  a usage error (unknown command, bad flag or argument)
  4  authentication failed: no token, or Capsule refused it (401)`

const rootExample = `  capsule --fake parties list
  capsule parties search acme --fields id,name,email
  capsule opportunities filter 'probability > 50' --output csv
  capsule api GET /users/current`

// commandBuilders are the top-level commands, registered from each
// command file's init.
var commandBuilders []func(a *app) *cobra.Command

// registerCommand adds a top-level command. Each command lives in its own
// file and calls this from init, so that commands are added without
// touching this file.
func registerCommand(build func(a *app) *cobra.Command) {
	commandBuilders = append(commandBuilders, build)
}

// terminals says which of the standard streams are terminals.
type terminals struct{ stdin, stdout, stderr bool }

// run is the whole program: it runs the command in args and returns the exit
// status. getenv is os.Getenv in main and a map in the tests; no stream is a
// terminal.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runWith(ctx, args, stdin, stdout, stderr, getenv, terminals{})
}

// runWith is run with the terminals known.
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, tty terminals) int {
	a := &app{
		stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv,
		stdinTerminal: tty.stdin, stdoutTerminal: tty.stdout, stderrTerminal: tty.stderr,
	}
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if serr := a.saveFake(); err == nil {
		err = serr
	}
	if err == nil {
		return exitOK
	}
	if !a.started && !isCommandError(err) {
		// cobra's own complaints: an unknown command, flag or argument.
		err = &usageError{msg: err.Error()}
	}
	return a.report(err)
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "capsule",
		Short:         "Capsule CRM from the command line",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Flags are checked, the command is about to run: from here on an
		// error is the command's, not cobra's.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return a.checkGlobalFlags()
		},
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	pf := root.PersistentFlags()
	pf.BoolVar(&a.fake, "fake", false, "use an in-process fake Capsule with seeded data (nothing is kept)")
	pf.StringVar(&a.fakeState, "fake-state", "", "like --fake, but the fake's data is loaded from `FILE` (when it exists) and saved back after the command")
	pf.StringVar(&a.profile, "profile", "", "the stored account to use (see 'capsule auth login'); default \"default\" or $CAPSULE_PROFILE")
	pf.StringVarP(&a.output, "output", "o", "", "output format: table, json, jsonl or csv (default table on a terminal, jsonl when piped)")
	pf.StringSliceVar(&a.fields, "fields", nil, "comma-separated columns to print, by column or custom field name")
	pf.IntVar(&a.limit, "limit", defaultLimit, "print at most N records of a list; 0 for all")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]string{formatTable, formatJSON, formatJSONL, formatCSV}, cobra.ShellCompDirectiveNoFileComp))
	for _, build := range commandBuilders {
		root.AddCommand(build(a))
	}
	groupCommands(root)
	// cobra adds `completion bash|zsh|fish|powershell`; an unknown shell
	// is a usage error rather than its help.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = "  source <(capsule completion bash)\n  capsule completion zsh > \"${fpath[1]}/_capsule\"\n  capsule completion fish | source\n  capsule completion powershell | Out-String | Invoke-Expression"
			c.Args = cobra.ArbitraryArgs
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("invalid argument %q for %q (want bash, zsh, fish or powershell)", args[0], cmd.CommandPath())
				}
				return cmd.Help()
			}
		}
	}
	return root
}

// recordCommands are the groups of the record types, listed first in the
// help; the reference data comes next, then everything else.
var recordCommands = []string{"parties", "opportunities", "kases", "tasks", "entries"}

// groupCommands sorts the top-level commands into the help's groups.
func groupCommands(root *cobra.Command) {
	root.AddGroup(
		&cobra.Group{ID: "records", Title: "Records:"},
		&cobra.Group{ID: "reference", Title: "The account's reference data:"},
		&cobra.Group{ID: "tools", Title: "More commands:"},
	)
	reference := map[string]bool{"fields": true, "site": true}
	for _, rt := range referenceTypes {
		reference[rt.name] = true
	}
	for _, c := range root.Commands() {
		switch {
		case c.GroupID != "":
		case slices.Contains(recordCommands, c.Name()):
			c.GroupID = "records"
		case reference[c.Name()]:
			c.GroupID = "reference"
		default:
			c.GroupID = "tools"
		}
	}
	root.SetHelpCommandGroupID("tools")
	root.SetCompletionCommandGroupID("tools")
}

// checkGlobalFlags rejects bad values of the global flags.
func (a *app) checkGlobalFlags() error {
	switch a.output {
	case "", formatTable, formatJSON, formatJSONL, formatCSV:
	default:
		return usagef("--output must be table, json, jsonl or csv, got %q", a.output)
	}
	if a.limit < 0 {
		return usagef("--limit must be 0 or more, got %d", a.limit)
	}
	return nil
}

// group returns a command that only groups subcommands: without arguments
// it prints its help, with an unknown one it is a usage error.
func group(use, short, long, example string, aliases ...string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long, Example: example, Aliases: aliases,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				var subs []string
				for _, c := range cmd.Commands() {
					if c.IsAvailableCommand() {
						subs = append(subs, c.Name())
					}
				}
				return usagef("unknown command %q for %q (want one of %s)", args[0], cmd.CommandPath(), strings.Join(subs, ", "))
			}
			return cmd.Help()
		},
	}
}

// exactArgs is cobra.ExactArgs with a usage error that names the arguments.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != len(names) {
			want := "no arguments"
			if len(names) > 0 {
				want = strings.Join(names, " ")
			}
			return usagef("%s: want %s, got %d argument(s)", cmd.CommandPath(), want, len(args))
		}
		return nil
	}
}

// commandError marks an error returned by a command that has started, as
// opposed to one of cobra's own.
type commandError interface{ commandError() }

func isCommandError(err error) bool {
	var ce commandError
	return errors.As(err, &ce)
}

// usageError is a mistake in the command line; it exits with 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) commandError() {}

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// failedError says that some of the work failed after a summary was
// printed; it exits with 1.
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }
func (e *failedError) commandError() {}

// failedf returns an error for a "rows failed" outcome (exit status 1).
func failedf(format string, args ...any) error {
	return &failedError{msg: fmt.Sprintf(format, args...)}
}
