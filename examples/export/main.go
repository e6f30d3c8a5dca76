// Command export keeps JSON Lines copies of an account's parties,
// opportunities and projects (kases) current: the incremental sync pattern.
// Each type is read through its change feed (Changes) from a cursor kept in
// cursor.json. The first run (or -full) reads every record, with tags and
// custom fields, into a new NAME.jsonl renamed over the old one only once
// complete: a failed run never replaces a complete export with a partial
// one. Later runs append what changed to NAME.jsonl and the deletions to
// deleted.jsonl. To rebuild the current state keep the last line of each id,
// then drop the ids in deleted.jsonl (the feed's overlap may repeat a line,
// never miss one). A type's cursor is saved once its feed is read to the end.
//
//	go run ./examples/export                                 # the built-in fake
//	CAPSULE_TOKEN=... go run ./examples/export -out ./backup # your account; run again for the changes
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// The files of an export directory besides NAME.jsonl.
const cursorFile, deletedFile = "cursor.json", "deleted.jsonl"

// cursors is the content of cursor.json: where each type's next run starts.
type cursors map[string]capsule.SyncCursor

// deletedLine is one line of deleted.jsonl.
type deletedLine struct {
	Entity     string     `json:"entity"`
	ID         int64      `json:"id"`
	DeletedAt  *time.Time `json:"deletedAt,omitempty"`
	Restricted bool       `json:"restricted,omitempty"` // no longer visible to the token's user
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is the program; it returns the exit status (getenv: a map in tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("out", "", "export `directory` (default: a new temporary one)")
	full := fs.Bool("full", false, "read everything again, even when the directory has a cursor")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "export: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err := export(ctx, stdout, getenv, *dir, *full); err != nil {
		fmt.Fprintln(stderr, "export:", err)
		return 1
	}
	return 0
}

func export(ctx context.Context, stdout io.Writer, getenv func(string) string, dir string, full bool) error {
	base, token := getenv("CAPSULE_BASE_URL"), getenv("CAPSULE_TOKEN")
	if token == "" {
		// A one-minute rate window keeps the paced demo fast.
		srv := capsuletest.NewServer(capsuletest.WithSeed(50), capsuletest.WithRateLimit(4000, time.Minute))
		defer srv.Close()
		base, token = srv.BaseURL, srv.Token
		fmt.Fprintln(stdout, "No CAPSULE_TOKEN set: exporting a built-in fake Capsule.")
	}
	// Pacing spreads the hourly budget (4,000 requests, shared with the
	// user's other integrations) over the window: no 429 in a long export.
	client, err := capsule.NewClient(capsule.WithToken(token), capsule.WithBaseURL(cmp.Or(base, capsule.DefaultBaseURL)), capsule.WithPacing(true))
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "capsule-export-"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Writing to %s (pass -out DIR to keep the cursor between runs)\n", dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cur, err := readCursors(dir, full)
	if err != nil {
		return err
	}
	if err := exportType(ctx, stdout, dir, cur, "parties", client.Parties.Changes); err != nil {
		return err
	}
	if err := exportType(ctx, stdout, dir, cur, "opportunities", client.Opportunities.Changes); err != nil {
		return err
	}
	return exportType(ctx, stdout, dir, cur, "kases", client.Kases.Changes)
}

// exportType reads the change feed of one type from its cursor to the end:
// into a new NAME.jsonl from the zero cursor, else appended to it with the
// deletions appended to deleted.jsonl; then it saves the next cursor.
func exportType[T any](ctx context.Context, stdout io.Writer, dir string, cur cursors, name string,
	changes func(capsule.SyncCursor, *capsule.ListOptions) *capsule.ChangeFeed[T]) error {
	feed := changes(cur[name], &capsule.ListOptions{Embed: []string{capsule.EmbedTags, capsule.EmbedFields}})
	full, kind := cur[name].Since.IsZero(), "full"
	if !full {
		kind = "changes since " + cur[name].Since.UTC().Format(time.RFC3339)
	}
	records, deletions := 0, 0
	err := writeFile(filepath.Join(dir, name+".jsonl"), full, func(w io.Writer) error {
		return writeFile(filepath.Join(dir, deletedFile), false, func(d io.Writer) error {
			enc, del := json.NewEncoder(w), json.NewEncoder(d)
			for ch, err := range feed.All(ctx) {
				switch {
				case ch.Record != nil:
					records++
					err = enc.Encode(ch.Record)
				case ch.Deleted != nil:
					deletions++
					err = del.Encode(deletedLine{Entity: name, ID: ch.Deleted.ID, DeletedAt: &ch.Deleted.DeletedAt})
				case ch.Restricted != nil:
					deletions++
					err = del.Encode(deletedLine{Entity: name, ID: ch.Restricted.ID, Restricted: true})
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	cur[name] = feed.Cursor()
	if err := writeFile(filepath.Join(dir, cursorFile), true, func(w io.Writer) error { return json.NewEncoder(w).Encode(cur) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s): %d records, %d deletions\n", name, kind, records, deletions)
	return nil
}

// writeFile calls write with a buffered writer that appends to the file at
// path or, to replace it, writes a new file beside it and renames it over
// path once write has succeeded, so that path is never partly written.
func writeFile(path string, replace bool, write func(io.Writer) error) error {
	var f *os.File
	var err error
	if replace {
		f, err = os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	} else {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	}
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err = write(w); err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if replace && err == nil {
		err = os.Rename(f.Name(), path)
	}
	if replace && err != nil {
		os.Remove(f.Name())
	}
	return err
}

// readCursors reads cursor.json; without one, or for a full run, every type
// starts from the zero cursor.
func readCursors(dir string, full bool) (cursors, error) {
	cur := cursors{}
	b, err := os.ReadFile(filepath.Join(dir, cursorFile))
	if err == nil && !full {
		err = json.Unmarshal(b, &cur)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading %s (delete it, or run with -full): %w", cursorFile, err)
	}
	return cur, nil
}
