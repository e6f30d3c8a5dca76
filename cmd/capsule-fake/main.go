// Command capsule-fake serves the in-memory fake Capsule CRM API (package
// capsuletest) on a local port, for manual testing and for programs in other
// languages.
//
//	capsule-fake -addr 127.0.0.1:8080 -seed 100 -token secret -control-token ctl
//
// It prints the API base URL and the bearer tokens, then serves until SIGINT
// or SIGTERM (and saves the -state file, when given). Flags set the tokens
// (administrator, read-only, normal user, OAuth application), the rate
// budget, latency, random faults and the clock; -control-token turns on the
// control API under /_fake/ (reset, seed, faults, clock, request log, hook
// deliveries, state): see the capsuletest package documentation.
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
	"syscall"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, nil)
	if code := exitCode(err); code != 0 {
		if code == 1 {
			fmt.Fprintln(os.Stderr, "capsule-fake:", err)
		}
		stop()
		os.Exit(code)
	}
}

// exitCode is 0 for no error and for -h (the flag package has printed the
// usage), 2 for another flag error (it has said why), 1 otherwise.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errFlags):
		return 2
	}
	return 1
}

// errFlags marks a command-line error the flag package has reported.
var errFlags = errors.New("bad command line")

// run parses args, listens, prints the base URL and tokens to out, and
// serves until ctx is done, then saves the -state file. ready, when not nil,
// receives the base URL and token once the listener is open.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- [2]string) error {
	fs := flag.NewFlagSet("capsule-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	seed := fs.Int("seed", 0, "number of seed parties (reference data is always seeded)")
	token := fs.String("token", "", "an administrator's bearer token (random when empty)")
	readOnly := fs.String("read-only-token", "", "a read-only bearer token of the same administrator")
	userToken := fs.String("user-token", "", "a normal (not administrator) user's bearer token (random when empty)")
	appToken := fs.String("app-token", "", "the administrator's OAuth application token, which REST hooks need (random when empty)")
	rateLimit := fs.Int("rate-limit", 4000, "requests per token per window; 0 turns 429s off")
	rateWindow := fs.Duration("rate-window", time.Hour, "rate-limit window")
	latency := fs.Duration("latency", 0, "delay before every answer")
	faultRate := fs.Float64("fault-rate", 0, "fraction (0 to 1) of requests that fail")
	faultKinds := fs.String("fault-kinds", "server-error", "comma list of the failures drawn: server-error, drop-connection, lost-answer")
	faultSeed := fs.Uint64("fault-seed", 1, "seed of the fault draws (the same seed, the same run)")
	clock := fs.String("clock", "", "start time of the server clock, RFC 3339 (default: now)")
	state := fs.String("state", "", "`file` the store is loaded from at start (if it exists) and saved to on exit and on POST /_fake/state/save")
	requestLog := fs.Int("request-log", capsuletest.DefaultRequestLog, "requests kept for GET /_fake/requests; -1 keeps all")
	control := fs.String("control-token", "", "bearer token of the control API under /_fake/ (off when empty)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errFlags, err)
	}
	bad := func(format string, a ...any) error {
		err := fmt.Errorf(format, a...)
		fmt.Fprintln(out, "capsule-fake:", err)
		fs.Usage()
		return fmt.Errorf("%w: %w", errFlags, err)
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	var kinds []capsuletest.FaultKind
	for _, name := range strings.Split(*faultKinds, ",") {
		k, err := capsuletest.ParseFaultKind(strings.TrimSpace(name))
		if err != nil {
			return bad("-fault-kinds: %v", err)
		}
		kinds = append(kinds, k)
	}
	if *faultRate < 0 || *faultRate > 1 {
		return bad("-fault-rate %v: want 0 to 1", *faultRate)
	}
	if *token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		*token = "capsule-fake-" + hex.EncodeToString(b)
	}
	opts := []capsuletest.Option{
		capsuletest.WithSeed(*seed), capsuletest.WithToken(*token), capsuletest.WithRateLimit(*rateLimit, *rateWindow),
		capsuletest.WithRequestLog(*requestLog),
	}
	if *clock != "" {
		start, err := time.Parse(time.RFC3339, *clock)
		if err != nil {
			return bad("-clock %q: want an RFC 3339 time such as 2025-01-02T15:04:05Z", *clock)
		}
		t0 := time.Now()
		opts = append(opts, capsuletest.WithClock(func() time.Time { return start.Add(time.Since(t0)) }))
	}
	for _, o := range []struct {
		value string
		opt   func(string) capsuletest.Option
	}{{*userToken, capsuletest.WithUserToken}, {*appToken, capsuletest.WithAppToken},
		{*control, capsuletest.WithControl}, {*state, capsuletest.WithStateFile}} {
		if o.value != "" {
			opts = append(opts, o.opt(o.value))
		}
	}
	srv, err := capsuletest.Listen(*addr, opts...)
	if err != nil {
		return err
	}
	if *readOnly != "" {
		srv.AddToken(*readOnly, true)
	}
	srv.SetLatency(*latency)
	srv.SetFaultKinds(kinds...)
	srv.SetFaultRate(*faultRate, *faultSeed)
	fmt.Fprintf(out, "Capsule fake API: %s\nToken: %s\nUser token: %s\nApp token: %s\n", srv.BaseURL, srv.Token, srv.UserToken, srv.AppToken)
	if *control != "" {
		fmt.Fprintf(out, "Control API: %s/_fake/\n", srv.URL)
	}
	if ready != nil {
		ready <- [2]string{srv.BaseURL, srv.Token}
	}
	<-ctx.Done()
	srv.Close() // waits for the requests in flight
	if *state != "" {
		if err := srv.SaveState(); err != nil {
			return err
		}
		fmt.Fprintf(out, "State saved to %s\n", *state)
	}
	return nil
}
