// Command hello is the smallest capsule-go program: it reads every party of
// an account, page by page, prints the first five and the total, and the
// rate budget left. It only reads.
//
//	go run ./examples/hello                   # a built-in fake Capsule, offline
//	CAPSULE_TOKEN=... go run ./examples/hello # your account (CAPSULE_BASE_URL optional)
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

func main() { os.Exit(run(context.Background(), os.Stdout, os.Stderr, os.Getenv)) }

// run is the program; getenv is os.Getenv in main and a map in the tests.
func run(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string) int {
	opts := []capsule.Option{capsule.WithToken(getenv("CAPSULE_TOKEN"))}
	if base := getenv("CAPSULE_BASE_URL"); base != "" {
		opts = append(opts, capsule.WithBaseURL(base))
	}
	if getenv("CAPSULE_TOKEN") == "" {
		srv := capsuletest.NewServer(capsuletest.WithSeed(20))
		defer srv.Close()
		opts = []capsule.Option{capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token)}
		fmt.Fprintln(stdout, "No CAPSULE_TOKEN set: reading a built-in fake Capsule.")
	}
	c, err := capsule.NewClient(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "hello:", err)
		return 1
	}
	// ReadIter asks for 100 parties a request, as the loop needs them.
	total := 0
	for p, err := range c.Parties.ReadIter(ctx, nil) {
		if err != nil {
			fmt.Fprintln(stderr, "hello:", err)
			return 1
		}
		if total < 5 {
			fmt.Fprintf(stdout, "#%d %s\n", p.ID, p.DisplayName())
		}
		total++
	}
	rate := c.Rate()
	fmt.Fprintf(stdout, "%d parties in all; %d of %d requests left in this window.\n", total, rate.Remaining, rate.Limit)
	return 0
}
