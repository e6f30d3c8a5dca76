package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// fakeSeed is the seed of the --fake Capsule.
const fakeSeed = 20

// userAgent names the tool in every request.
const userAgent = "capsule-cli"

// app is the state of one run, shared by every command.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// Which streams are terminals: a table and a progress bar need one, a
	// delete asks for confirmation only on one.
	stdinTerminal, stdoutTerminal, stderrTerminal bool

	// Global flags.
	fake      bool
	fakeState string // --fake-state FILE: the fake's store is loaded from and saved to FILE
	profile   string
	output    string
	fields    []string
	limit     int

	// started is set once cobra has parsed the command line and the command
	// runs: an error after it is the command's, before it a usage error.
	started bool
	// baseURL is the API root the last client talks to, for error hints.
	baseURL string
	// sdk is the last client made, whose rate budget the progress bar shows.
	sdk     *capsule.Client
	cleanup []func()
	// fakeSrv is the --fake-state server, saved when the command is done.
	fakeSrv *capsuletest.Server
}

// useFake reports whether the run talks to the in-process fake.
func (a *app) useFake() bool { return a.fake || a.fakeState != "" }

// saveFake writes the --fake-state file after the command.
func (a *app) saveFake() error {
	if a.fakeSrv == nil {
		return nil
	}
	if err := a.fakeSrv.SaveState(); err != nil {
		return fmt.Errorf("--fake-state: %w", err)
	}
	return nil
}

// close releases what the run started (the --fake server).
func (a *app) close() {
	for _, f := range a.cleanup {
		f()
	}
}

// client returns the configured SDK client: with --fake an in-process fake
// Capsule; else CAPSULE_TOKEN when set, or the stored OAuth token of the
// profile (refreshed as it nears expiry). CAPSULE_BASE_URL, when set, is
// the API root. extra options come last, so a caller may add pacing.
func (a *app) client(ctx context.Context, extra ...capsule.Option) (*capsule.Client, error) {
	opts := []capsule.Option{capsule.WithUserAgent(userAgent)}
	switch {
	case a.fakeState != "":
		srv, err := capsuletest.Listen("127.0.0.1:0", capsuletest.WithSeed(fakeSeed), capsuletest.WithStateFile(a.fakeState))
		if err != nil {
			return nil, withHint(fmt.Errorf("--fake-state: %w", err), "remove the file to start again from the seeded data")
		}
		a.cleanup = append(a.cleanup, srv.Close)
		a.fakeSrv = srv
		fmt.Fprintf(a.stderr, "capsule: --fake-state: using an in-process fake Capsule kept in %s\n", a.fakeState)
		a.baseURL = srv.BaseURL
		opts = append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.AppToken))
	case a.fake:
		srv := capsuletest.NewServer(capsuletest.WithSeed(fakeSeed))
		a.cleanup = append(a.cleanup, srv.Close)
		fmt.Fprintln(a.stderr, "capsule: --fake: using an in-process fake Capsule with seeded data; nothing is kept")
		a.baseURL = srv.BaseURL
		opts = append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.AppToken))
	case strings.TrimSpace(a.getenv("CAPSULE_TOKEN")) != "":
		a.baseURL = capsule.DefaultBaseURL
		if base := a.getenv("CAPSULE_BASE_URL"); base != "" {
			a.baseURL = base
			opts = append(opts, capsule.WithBaseURL(base))
		}
		opts = append(opts, capsule.WithToken(strings.TrimSpace(a.getenv("CAPSULE_TOKEN"))))
	default:
		p, err := a.loadProfile()
		if err != nil {
			return nil, err
		}
		a.baseURL = p.BaseURL
		if base := a.getenv("CAPSULE_BASE_URL"); base != "" {
			a.baseURL = base
		}
		opts = append(opts, capsule.WithBaseURL(a.baseURL), capsule.WithTokenSource(a.profileTokenSource(p)))
	}
	c, err := capsule.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, withHint(err, "CAPSULE_BASE_URL must be an https URL such as https://api.capsulecrm.com/api/v2/")
	}
	a.sdk = c
	return c, nil
}
