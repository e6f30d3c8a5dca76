// Command mirror keeps a copy of a Capsule account in SQL tables with the
// mirror engine of the capsule tool (the package behind 'capsule sync'):
// a first run reads everything, a second run reads only the changes, and the
// tables answer SQL.
//
//	go run ./examples/mirror                   # a built-in fake Capsule, offline
//	CAPSULE_TOKEN=... go run ./examples/mirror # your account (CAPSULE_BASE_URL optional)
//
// MIRROR_DB picks the database (sqlite:PATH or postgres://...); the default
// is a SQLite file in a temporary directory, removed at the end.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/mirror"
)

func main() { os.Exit(run(context.Background(), os.Stdout, os.Stderr, os.Getenv)) }

// run is the program; getenv is os.Getenv in main and a map in the tests.
func run(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string) int {
	token, base := getenv("CAPSULE_TOKEN"), getenv("CAPSULE_BASE_URL")
	if token == "" {
		srv := capsuletest.NewServer(capsuletest.WithSeed(20))
		defer srv.Close()
		token, base = srv.Token, srv.BaseURL
		fmt.Fprintln(stdout, "No CAPSULE_TOKEN set: mirroring a built-in fake Capsule.")
	}
	counter := &mirror.Counter{}
	opts := []capsule.Option{capsule.WithToken(token), capsule.WithObserver(counter.Observe)}
	if base != "" {
		opts = append(opts, capsule.WithBaseURL(base))
	}
	dsn := getenv("MIRROR_DB")
	if dsn == "" {
		dir, err := os.MkdirTemp("", "capsule-mirror-")
		if err != nil {
			fmt.Fprintln(stderr, "mirror:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "capsule.db")
	}
	c, err := capsule.NewClient(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "mirror:", err)
		return 1
	}
	st, err := mirror.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(stderr, "mirror:", err)
		return 1
	}
	defer st.Close()

	// The first run reads every type in full; the second only what changed.
	for _, run := range []string{"first", "second"} {
		sum, err := mirror.Sync(ctx, c, st, mirror.Options{Counter: counter})
		if err != nil {
			fmt.Fprintln(stderr, "mirror:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s run: %d requests, %d rows written\n", run, sum.Requests, sum.Rows)
	}

	// The mirror is plain SQL: custom fields are typed columns.
	var parties, withEmail int
	err = st.DB().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT e.party_id)
		FROM parties p LEFT JOIN party_email_addresses e ON e.party_id = p.id`).Scan(&parties, &withEmail)
	if err != nil {
		fmt.Fprintln(stderr, "mirror:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d parties, %d with an email address\n", parties, withEmail)
	rows, err := st.DB().QueryContext(ctx, `SELECT name, value_amount, value_currency FROM opportunities
		WHERE value_amount IS NOT NULL ORDER BY value_amount DESC, id LIMIT 3`)
	if err != nil {
		fmt.Fprintln(stderr, "mirror:", err)
		return 1
	}
	defer rows.Close()
	for rows.Next() {
		var name, currency string
		var amount float64
		if err := rows.Scan(&name, &amount, &currency); err != nil {
			fmt.Fprintln(stderr, "mirror:", err)
			return 1
		}
		fmt.Fprintf(stdout, "  %s: %.2f %s\n", name, amount, currency)
	}
	if err := rows.Err(); err != nil {
		fmt.Fprintln(stderr, "mirror:", err)
		return 1
	}
	return 0
}
