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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
		// the administrator's OAuth application token: every command works, REST hooks included
		return capsule.NewClient(append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.AppToken))...)
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
