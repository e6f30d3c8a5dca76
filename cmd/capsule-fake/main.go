// Command capsule-fake serves the in-memory fake Capsule CRM API (package
// capsuletest) on a local port, for manual testing and for programs in other
// languages.
//
//	capsule-fake -addr 127.0.0.1:8080 -seed 100 -token secret
//
// It prints the API base URL and a bearer token, then serves until SIGINT or
// SIGTERM.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
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

// run parses args, listens, prints the base URL and token to out, and serves
// until ctx is done. ready, when not nil, receives the base URL and token once
// the listener is open.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- [2]string) error {
	fs := flag.NewFlagSet("capsule-fake", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	seed := fs.Int("seed", 0, "number of seed parties (reference data is always seeded)")
	token := fs.String("token", "", "bearer token to accept (random when empty)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errFlags, err)
	}
	if *token == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		*token = "capsule-fake-" + hex.EncodeToString(b)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + capsuletest.APIPrefix
	fmt.Fprintf(out, "Capsule fake API: %s\nToken: %s\n", base, *token)
	hs := &http.Server{
		Handler:           capsuletest.Handler(capsuletest.WithSeed(*seed), capsuletest.WithToken(*token)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready <- [2]string{base, *token}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
