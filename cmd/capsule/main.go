// Command capsule reads and manages a Capsule CRM account from the shell.
//
// Run `capsule help` for the commands, `capsule help COMMAND` for one of
// them. It authenticates with CAPSULE_TOKEN (a personal access token, or an
// OAuth access token) or with the token `capsule auth login` stored, and
// talks to CAPSULE_BASE_URL when set, else https://api.capsulecrm.com/api/v2/.
// With --fake it runs against an in-process fake Capsule (package
// capsuletest) instead; the fake starts afresh for every command.
//
// Install it with
//
//	go install github.com/capsulecrm-go/capsule/cmd/capsule@latest
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runWith(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, terminals{
		stdout: term.IsTerminal(int(os.Stdout.Fd())),
		stderr: term.IsTerminal(int(os.Stderr.Fd())),
		stdin:  term.IsTerminal(int(os.Stdin.Fd())),
	})
	stop()
	os.Exit(code)
}
