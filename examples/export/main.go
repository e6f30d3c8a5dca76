// Command export copies a Capsule account's parties, opportunities and kases
// (projects), with their tags and custom fields, to JSON Lines files, and
// keeps them up to date with incremental runs.
//
// Both kinds of run read each record type through its change feed
// (Parties.Changes, Opportunities.Changes, Kases.Changes). A full run reads
// from the zero cursor: it writes parties.jsonl, opportunities.jsonl and
// kases.jsonl in the -out directory (one record a line, as the API returns it
// with embed=tags,fields) and the feeds' next cursor to cursor.json: when the
// run started on Capsule's clock, less a minute of overlap. A later run reads
// from that cursor and gets only what changed since, appending those records
// to the same files, then what was deleted or hidden from the user since,
// appending {"entity", "id", "deletedAt"} lines to deleted.jsonl. To rebuild
// the current state, read a file in order and keep the last line of each id,
// then drop the ids in deleted.jsonl: the overlap may repeat a record or a
// deletion, never miss one. A progress line per page of records goes to
// stderr: records so far, requests made and the rate-limit budget left.
//
// Without CAPSULE_TOKEN the program runs against an in-process fake Capsule
// (capsuletest) and shows both passes in one process: a full export, a change
// made through the client (one party updated, another deleted), then an
// incremental pass that fetches exactly that party and that deleted id:
//
//	go run ./examples/export
//	go run ./examples/export -out examples/export/out   # keep the files (git ignores them)
//
// With a token it exports your account (CAPSULE_BASE_URL may point
// elsewhere). Keep -out the same between runs: the first run is full, later
// ones are incremental; -full or -incremental forces one kind:
//
//	CAPSULE_TOKEN=... go run ./examples/export -out ./capsule-export
//	CAPSULE_TOKEN=... go run ./examples/export -out ./capsule-export -full
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
)

// The files of an export directory.
const (
	cursorFile  = "cursor.json"
	deletedFile = "deleted.jsonl"
)

// embed is what every exported record carries besides its own fields.
var embed = []string{capsule.EmbedTags, capsule.EmbedFields}

// entities are the exported record types, in export order.
var entities = []string{"parties", "opportunities", "kases"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program; it returns the exit status. getenv is os.Getenv
// in main and a map lookup in the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "export `directory`; default: a new temporary directory")
	full := fs.Bool("full", false, "with CAPSULE_TOKEN: export everything, even when the directory has a cursor")
	incremental := fs.Bool("incremental", false, "with CAPSULE_TOKEN: export only the changes since the directory's cursor")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (*full && *incremental) {
		fmt.Fprintln(stderr, "export: give at most one of -full and -incremental, and no arguments")
		fs.Usage()
		return 2
	}
	if err := export(ctx, stdout, stderr, getenv, *out, *full, *incremental); err != nil {
		fmt.Fprintf(stderr, "export: error: %v\n", err)
		return 1
	}
	return 0
}

func export(ctx context.Context, stdout, stderr io.Writer, getenv func(string) string, dir string, full, incremental bool) error {
	var dirNote string
	if dir == "" {
		tmp, err := os.MkdirTemp("", "capsule-export-")
		if err != nil {
			return err
		}
		dir = tmp
		dirNote = fmt.Sprintf("Writing to %s (pass -out DIR to choose, and to keep the cursor between runs)\n", dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	var requests atomic.Int64
	opts := []capsule.Option{
		capsule.WithUserAgent("capsule-go-export-example"),
		// Count every HTTP request, retries included, for the progress line.
		capsule.WithHTTPClient(&http.Client{Transport: countingTransport{&requests, http.DefaultTransport}}),
		// An export is a long run of back-to-back requests. Without pacing
		// it would spend the hourly budget (4,000 requests per user,
		// shared with every other integration of that user) in a burst and
		// then stall on 429 answers. With pacing the client spreads what is
		// left of the budget evenly over what is left of the window,
		// adapting to the remaining count each response reports, so the
		// export runs at the fastest pace that never meets a 429.
		capsule.WithPacing(true),
	}

	token := getenv("CAPSULE_TOKEN")
	if token == "" {
		// The fake's rate window is one minute instead of Capsule's hour,
		// so pacing leaves about 15 ms between requests instead of 0.9 s
		// and the demo takes well under a second.
		srv := capsuletest.NewServer(capsuletest.WithSeed(50), capsuletest.WithRateLimit(4000, time.Minute))
		defer srv.Close()
		fmt.Fprintf(stdout, "No CAPSULE_TOKEN set: using an in-process fake Capsule (capsuletest, 50 seeded parties) at %s\n", srv.BaseURL)
		fmt.Fprint(stdout, dirNote)
		if full || incremental {
			fmt.Fprintln(stderr, "export: -full and -incremental apply with CAPSULE_TOKEN; against the fake both passes run")
		}
		client, err := capsule.NewClient(append(opts, capsule.WithBaseURL(srv.BaseURL), capsule.WithToken(srv.Token))...)
		if err != nil {
			return err
		}
		x := &exporter{client: client, dir: dir, out: stdout, progress: stderr, requests: &requests}
		return x.demo(ctx)
	}

	fmt.Fprint(stdout, dirNote)
	if base := getenv("CAPSULE_BASE_URL"); base != "" {
		opts = append(opts, capsule.WithBaseURL(base))
	}
	client, err := capsule.NewClient(append(opts, capsule.WithToken(token))...)
	if err != nil {
		return err
	}
	x := &exporter{client: client, dir: dir, out: stdout, progress: stderr, requests: &requests}
	cur, err := x.readCursor()
	switch {
	case err != nil:
		return err
	case full || (!incremental && cur == nil):
		_, err = x.fullPass(ctx)
	case cur == nil:
		return fmt.Errorf("-incremental: %s has no %s; run a full export first", dir, cursorFile)
	default:
		_, err = x.incrementalPass(ctx, *cur)
	}
	return err
}

// exporter runs export passes into dir.
type exporter struct {
	client   *capsule.Client
	dir      string
	out      io.Writer // one line per pass
	progress io.Writer // one line per page
	requests *atomic.Int64
}

// cursorFileBody is the content of cursor.json: where the next pass reads
// from ({"since": ...}, a capsule.SyncCursor). A file written by an earlier
// version of this example holds lastRun instead, the start of the last pass
// on this machine's clock.
type cursorFileBody struct {
	capsule.SyncCursor
	LastRun time.Time `json:"lastRun,omitzero"`
}

// passResult is what a pass wrote: record ids per entity, deleted ids per
// entity.
type passResult struct {
	changed map[string][]int64
	deleted map[string][]int64
}

// deletedLine is one line of deleted.jsonl.
type deletedLine struct {
	Entity     string     `json:"entity"`
	ID         int64      `json:"id"`
	DeletedAt  *time.Time `json:"deletedAt,omitempty"`
	Restricted bool       `json:"restricted,omitempty"` // no longer visible to the token's user
}

// fullPass exports every record, replacing the files.
func (x *exporter) fullPass(ctx context.Context) (*passResult, error) {
	// Until this pass succeeds, the directory holds no valid snapshot.
	if err := os.Remove(filepath.Join(x.dir, cursorFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(x.dir, deletedFile), nil, 0o644); err != nil {
		return nil, err
	}
	res, next, err := x.pass(ctx, capsule.SyncCursor{})
	if err != nil {
		return nil, err
	}
	if err := x.writeCursor(next); err != nil {
		return nil, err
	}
	fmt.Fprintf(x.out, "Full export: %s in %s (%d requests so far)\n", counts(res.changed), x.dir, x.requests.Load())
	return res, nil
}

// incrementalPass appends what changed and what was deleted since cur.
func (x *exporter) incrementalPass(ctx context.Context, cur capsule.SyncCursor) (*passResult, error) {
	res, next, err := x.pass(ctx, cur)
	if err != nil {
		return nil, err
	}
	if err := x.writeCursor(next); err != nil {
		return nil, err
	}
	fmt.Fprintf(x.out, "Incremental export since %s (the last pass's start on Capsule's clock less %s): changed %s; deleted %s (%d requests so far)\n",
		cur.Since.UTC().Format(time.RFC3339), capsule.DefaultSyncOverlap, idLists(res.changed), idLists(res.deleted), x.requests.Load())
	return res, nil
}

// pass runs the change feeds of the three entities from cur: from the zero
// cursor it replaces the files with every record; from another one it
// appends what changed and what was deleted since. It returns what it wrote
// and the cursor for the next pass, the earliest of the three feeds' (so
// that none of them skips anything; reading a few records twice is
// harmless).
func (x *exporter) pass(ctx context.Context, cur capsule.SyncCursor) (*passResult, capsule.SyncCursor, error) {
	opts := &capsule.ListOptions{Embed: embed}
	res := &passResult{changed: map[string][]int64{}, deleted: map[string][]int64{}}
	parties := x.client.Parties.Changes(cur, opts)
	if err := exportFeed(ctx, x, "parties", parties, res, func(p *capsule.Party) int64 { return p.ID }); err != nil {
		return nil, cur, err
	}
	opportunities := x.client.Opportunities.Changes(cur, opts)
	if err := exportFeed(ctx, x, "opportunities", opportunities, res, func(o *capsule.Opportunity) int64 { return o.ID }); err != nil {
		return nil, cur, err
	}
	kases := x.client.Kases.Changes(cur, opts)
	if err := exportFeed(ctx, x, "kases", kases, res, func(k *capsule.Kase) int64 { return k.ID }); err != nil {
		return nil, cur, err
	}
	next := parties.Cursor()
	for _, c := range []capsule.SyncCursor{opportunities.Cursor(), kases.Cursor()} {
		if c.Since.Before(next.Since) {
			next = c
		}
	}
	return res, next, nil
}

// exportFeed writes the records of one change feed to NAME.jsonl (replacing
// it on a full pass, appending otherwise) with a progress line per page,
// then appends its deletions to deleted.jsonl, and adds the ids to res.
func exportFeed[T any](ctx context.Context, x *exporter, name string, feed *capsule.ChangeFeed[T], res *passResult, idOf func(*T) int64) (err error) {
	incremental := !feed.Cursor().Since.IsZero() // the cursor it starts from
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if incremental {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(filepath.Join(x.dir, name+".jsonl"), flags, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	var ids, deleted []int64
	var lines []deletedLine
	recordsDone := false
	endRecords := func() {
		if !recordsDone && (len(ids) == 0 || len(ids)%capsule.MaxPerPage != 0) {
			x.report(name, len(ids)) // the last page
		}
		recordsDone = true
	}
	for ch, err := range feed.All(ctx) {
		if err != nil {
			return fmt.Errorf("exporting %s: %w", name, err)
		}
		switch {
		case ch.Record != nil:
			if err := enc.Encode(ch.Record); err != nil {
				return err
			}
			ids = append(ids, idOf(ch.Record))
			if len(ids)%capsule.MaxPerPage == 0 {
				x.report(name, len(ids)) // a full page
			}
		case ch.Deleted != nil:
			endRecords()
			lines = append(lines, deletedLine{Entity: name, ID: ch.Deleted.ID, DeletedAt: &ch.Deleted.DeletedAt})
			deleted = append(deleted, ch.Deleted.ID)
		case ch.Restricted != nil:
			endRecords()
			lines = append(lines, deletedLine{Entity: name, ID: ch.Restricted.ID, Restricted: true})
			deleted = append(deleted, ch.Restricted.ID)
		}
	}
	endRecords()
	if err := w.Flush(); err != nil {
		return err
	}
	res.changed[name] = ids
	if !incremental {
		return nil
	}
	x.report("deleted "+name, len(deleted))
	res.deleted[name] = deleted
	return appendDeleted(filepath.Join(x.dir, deletedFile), lines)
}

// appendDeleted appends lines to deleted.jsonl.
func appendDeleted(path string, lines []deletedLine) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// report writes a progress line.
func (x *exporter) report(what string, n int) {
	rate := x.client.Rate()
	fmt.Fprintf(x.progress, "export: %-21s %6d records so far, %4d requests made, budget %d/%d left\n",
		what, n, x.requests.Load(), rate.Remaining, rate.Limit)
}

// readCursor returns the cursor in cursor.json, or nil when there is none.
func (x *exporter) readCursor() (*capsule.SyncCursor, error) {
	b, err := os.ReadFile(filepath.Join(x.dir, cursorFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c cursorFileBody
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("reading %s in %s: %w", cursorFile, x.dir, err)
	}
	if c.Since.IsZero() && !c.LastRun.IsZero() {
		// The older format: read from a little before the last start,
		// as that version did.
		c.Since = c.LastRun.Add(-capsule.DefaultSyncOverlap)
	}
	if c.Since.IsZero() {
		return nil, fmt.Errorf("%s in %s has no since; run with -full", cursorFile, x.dir)
	}
	return &c.SyncCursor, nil
}

// writeCursor records where the next pass reads from, with a rename so
// that the cursor is never half written.
func (x *exporter) writeCursor(c capsule.SyncCursor) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := filepath.Join(x.dir, cursorFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(x.dir, cursorFile))
}

// demo shows a full and an incremental pass against the fake, with a change
// in between, and checks that the incremental pass fetched exactly it.
func (x *exporter) demo(ctx context.Context) error {
	if _, err := x.fullPass(ctx); err != nil {
		return err
	}

	// Pick two people from the export that no opportunity or kase names as
	// its party and that are not users, so that the change touches nothing
	// else: deleting a party deletes its opportunities and kases too.
	update, remove, err := x.pickPeople(ctx)
	if err != nil {
		return err
	}
	if _, _, err := x.client.Parties.Update(ctx, update, &capsule.PartyInput{
		About: capsule.Set("Updated by the export example"),
	}); err != nil {
		return fmt.Errorf("updating party %d: %w", update, err)
	}
	resp, err := x.client.Parties.Delete(ctx, remove)
	if err != nil {
		return fmt.Errorf("deleting party %d: %w", remove, err)
	}
	if job := resp.JobID(); job != "" {
		if _, _, err := x.client.Jobs.Wait(ctx, job, 200*time.Millisecond); err != nil {
			return fmt.Errorf("waiting for the delete of party %d: %w", remove, err)
		}
	}
	fmt.Fprintf(x.out, "Changed through the client: updated party #%d, deleted party #%d\n", update, remove)

	cur, err := x.readCursor()
	if err != nil {
		return err
	}
	if cur == nil {
		return errors.New("the full pass left no cursor")
	}
	res, err := x.incrementalPass(ctx, *cur)
	if err != nil {
		return err
	}
	wantChanged := map[string][]int64{"parties": {update}}
	wantDeleted := map[string][]int64{"parties": {remove}}
	if idLists(res.changed) != idLists(wantChanged) || idLists(res.deleted) != idLists(wantDeleted) {
		return fmt.Errorf("the incremental pass fetched changed %s and deleted %s; want changed %s and deleted %s",
			idLists(res.changed), idLists(res.deleted), idLists(wantChanged), idLists(wantDeleted))
	}
	fmt.Fprintf(x.out, "The incremental pass fetched exactly the updated party #%d and the deleted id #%d\n", update, remove)

	var files []string
	for _, name := range append(slices.Clone(entities), "deleted") {
		n, err := countLines(filepath.Join(x.dir, name+".jsonl"))
		if err != nil {
			return err
		}
		files = append(files, fmt.Sprintf("%s.jsonl: %d", name, n))
	}
	fmt.Fprintf(x.out, "Lines in %s: %s (and %s)\n", x.dir, strings.Join(files, ", "), cursorFile)
	return nil
}

// pickPeople returns two exported people that are not users and are not the
// party of any exported opportunity or kase.
func (x *exporter) pickPeople(ctx context.Context) (update, remove int64, err error) {
	taken := map[int64]bool{}
	users, _, err := x.client.Users.Read(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("reading users: %w", err)
	}
	for _, u := range users {
		if u.Party != nil {
			taken[u.Party.ID] = true
		}
	}
	if err := eachLine(filepath.Join(x.dir, "opportunities.jsonl"), func(o *capsule.Opportunity) {
		if o.Party != nil {
			taken[o.Party.ID] = true
		}
	}); err != nil {
		return 0, 0, err
	}
	if err := eachLine(filepath.Join(x.dir, "kases.jsonl"), func(k *capsule.Kase) {
		if k.Party != nil {
			taken[k.Party.ID] = true
		}
	}); err != nil {
		return 0, 0, err
	}
	var free []int64
	if err := eachLine(filepath.Join(x.dir, "parties.jsonl"), func(p *capsule.Party) {
		if p.IsPerson() && !taken[p.ID] {
			free = append(free, p.ID)
		}
	}); err != nil {
		return 0, 0, err
	}
	if len(free) < 2 {
		return 0, 0, fmt.Errorf("the export has %d people without opportunities or kases; want 2", len(free))
	}
	return free[0], free[1], nil
}

// eachLine decodes every line of a JSON Lines file into a T.
func eachLine[T any](path string, fn func(*T)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		v := new(T)
		if err := dec.Decode(v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		fn(v)
	}
}

func countLines(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(b), "\n"), nil
}

// counts formats the number of records per entity.
func counts(m map[string][]int64) string {
	parts := make([]string, 0, len(entities))
	for _, name := range entities {
		parts = append(parts, fmt.Sprintf("%d %s", len(m[name]), name))
	}
	return strings.Join(parts, ", ")
}

// idLists formats the ids per entity, e.g. "parties [#1 #2], opportunities
// [], kases []".
func idLists(m map[string][]int64) string {
	parts := make([]string, 0, len(entities))
	for _, name := range entities {
		ids := slices.Sorted(slices.Values(m[name]))
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = fmt.Sprintf("#%d", id)
		}
		parts = append(parts, fmt.Sprintf("%s [%s]", name, strings.Join(s, " ")))
	}
	return strings.Join(parts, ", ")
}

// countingTransport counts the requests it sends.
type countingTransport struct {
	n    *atomic.Int64
	next http.RoundTripper
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}
