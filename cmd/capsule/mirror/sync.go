package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/capsulecrm-go/capsule"
)

// Counter counts the requests a client sends, for Options.Counter: pass
// its Observe to capsule.WithObserver when making the client.
type Counter struct{ n atomic.Int64 }

// Observe counts one attempt of a request (retries count: they spend the
// rate budget too).
func (c *Counter) Observe(capsule.RequestEvent) { c.n.Add(1) }

// Requests returns the number of requests counted so far.
func (c *Counter) Requests() int64 { return c.n.Load() }

// Options are the choices of a Sync.
type Options struct {
	// Types to mirror; nil means DefaultTypes.
	Types []Type
	// Full reads parties, opportunities and kases in full even when the
	// database holds their change feeds' cursors, replacing their rows.
	Full bool
	// MaxRequests stops the run, its progress saved, before it sends more
	// than this many requests; the next run goes on from there. 0 means no
	// limit. It needs Counter.
	MaxRequests int64
	// Counter counts the client's requests (see Counter); it gives
	// Summary.Requests and enforces MaxRequests.
	Counter *Counter
	// Progress, when set, is called after each committed batch with the
	// type and the number of its rows just written.
	Progress func(t Type, rows int)

	// group, for tests, is the most pages a transaction takes (0 is
	// maxGroup); beforeGroup, when set, runs before each group is taken.
	group       int
	beforeGroup func(fetched <-chan fetchedPage)
}

// Summary is what a Sync did.
type Summary struct {
	// Requests is the number of requests sent (0 without Options.Counter).
	Requests int64
	// Rows is the number of rows written in the types' tables (child rows
	// not counted); Removed the records deleted or restricted.
	Rows, Removed int
	// ByType is Rows per type.
	ByType map[Type]int
	// BudgetLeft is the rate budget Capsule reported last (-1 when none).
	BudgetLeft int
	// Stopped reports that MaxRequests ended the run early: the next run
	// goes on from where it stopped.
	Stopped bool
}

// errStopped unwinds a run that reached MaxRequests.
var errStopped = errors.New("request budget reached")

// embeds are what the records with custom fields and tags are read with.
var embeds = []string{capsule.EmbedFields, capsule.EmbedTags}

// fullState is the progress of a full read, kept in the meta table until it
// ends so that a killed run resumes at the page it had reached.
type fullState struct {
	Page int `json:"page"`
	// Since is the change feed cursor the read sets when it ends: its start
	// less the overlap, so that what changed while it ran is read again.
	Since time.Time `json:"since"`
}

type run struct {
	c      *capsule.Client
	s      *store
	schema *Schema
	opts   Options
	sum    *Summary
	start  int64
	meta   map[string]string
}

// Sync brings the mirror in st up to date with the account c reads. The
// first run of a type reads it in full (⌈N/100⌉ requests, with custom
// fields and tags embedded); later runs of parties, opportunities and kases
// read only their change feeds from the cursor kept in the database, and
// the other types are read in full again, replacing their rows. Each page
// is written in one transaction together with the progress it stands for,
// so a run killed at any moment and run again ends with the rows of a fresh
// full sync. A second Sync on the same database while one runs waits a few
// seconds for it, then fails with ErrBusy.
func Sync(ctx context.Context, c *capsule.Client, st Store, opts Options) (*Summary, error) {
	if c == nil || st == nil {
		return nil, errors.New("mirror: Sync needs a client and a store")
	}
	if opts.MaxRequests < 0 {
		return nil, fmt.Errorf("mirror: MaxRequests must not be negative, got %d", opts.MaxRequests)
	}
	if opts.MaxRequests > 0 && opts.Counter == nil {
		return nil, errors.New("mirror: MaxRequests needs Options.Counter to count the requests")
	}
	types := opts.Types
	if types == nil {
		types = DefaultTypes
	}
	for _, t := range types {
		if _, ok := specs[t]; !ok {
			return nil, fmt.Errorf("mirror: unknown type %q", t)
		}
	}
	s := st.base()
	release, err := lockWaiting(ctx, s)
	if err != nil {
		return nil, err
	}
	defer release()
	defer s.closeStmts()
	if err := s.createBase(ctx); err != nil {
		return nil, fmt.Errorf("creating the mirror's tables: %s", oneLine(err))
	}
	r := &run{c: c, s: s, opts: opts, sum: &Summary{ByType: map[Type]int{}, BudgetLeft: -1}}
	if opts.Counter != nil {
		r.start = opts.Counter.Requests()
	}
	defer func() {
		if opts.Counter != nil {
			r.sum.Requests = opts.Counter.Requests() - r.start
		}
		if rate := c.Rate(); rate.Limit > 0 {
			r.sum.BudgetLeft = rate.Remaining
		}
	}()
	if r.meta, err = s.readMeta(ctx, s.db); err != nil {
		return r.sum, err
	}
	types = pendingFirst(r.meta, types)
	if err := r.prepare(ctx, types); err != nil {
		if errors.Is(err, errStopped) {
			r.sum.Stopped = true
			return r.sum, nil
		}
		return r.sum, err
	}
	for i, t := range types {
		err := r.syncType(ctx, t)
		if errors.Is(err, errStopped) {
			r.sum.Stopped = true
			return r.sum, s.setMeta(ctx, s.db, "pending", joinTypes(types[i:]))
		}
		if err != nil {
			return r.sum, fmt.Errorf("syncing %s: %w", t, err)
		}
	}
	return r.sum, s.deleteMeta(ctx, s.db, "pending")
}

// pendingFirst is the types a run does: a run that stopped at its budget
// left the types it did not finish, and the next run does those, so that a
// small budget still gets through every type, a run at a time.
func pendingFirst(meta map[string]string, types []Type) []Type {
	p := meta["pending"]
	if p == "" {
		return types
	}
	var rest []Type
	for _, t := range strings.Split(p, ",") {
		if slices.Contains(types, Type(t)) {
			rest = append(rest, Type(t))
		}
	}
	if len(rest) > 0 {
		return rest
	}
	return types
}

// Estimate is about the number of requests a Sync of st with opts would
// send, from what the mirror holds, without writing anything: a type read
// in full costs a request per 100 of the rows it holds, users and teams one
// each, milestones the pipelines' pages and one read per pipeline, a change
// feed two (more when over 100 records changed), and each of parties,
// opportunities and kases one read of its field definitions. ok is false
// when a type of the run has yet to be read whole for the first time or a
// full read of it is under way: Capsule's lists do not say how many records
// they hold, so no estimate would be honest.
func Estimate(ctx context.Context, st Store, opts Options) (requests int64, ok bool, err error) {
	s := st.base()
	tables, err := s.tables(ctx)
	if err != nil {
		return 0, false, err
	}
	if !tables[metaTable] {
		return 0, false, nil
	}
	meta, err := s.readMeta(ctx, s.db)
	if err != nil {
		return 0, false, err
	}
	types := opts.Types
	if types == nil {
		types = DefaultTypes
	}
	count := func(table string) (int64, bool, error) {
		if !tables[table] {
			return 0, false, nil
		}
		var n int64
		err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+s.d.quote(table)).Scan(&n)
		return n, true, err
	}
	pagesOf := func(n int64) int64 { return max(1, (n+capsule.MaxPerPage-1)/capsule.MaxPerPage) }
	for _, t := range pendingFirst(meta, types) {
		if t.Entity() != "" {
			requests++
		}
		_, cursor := meta[cursorKey(t)]
		if _, under := meta[fullKey(t)]; under {
			return 0, false, nil
		}
		if !cursor && meta[readKey(t)] == "" {
			return 0, false, nil
		}
		switch {
		case t.Entity() != "" && !opts.Full:
			requests += 2
		case t == Users || t == Teams:
			requests++
		case t == Milestones:
			// The pipelines, then each one's milestones: the pipelines
			// the milestones came from, or all when they were read too.
			q := `SELECT count(DISTINCT pipeline_id) FROM ` + s.d.quote(string(Milestones))
			if meta[readKey(Pipelines)] != "" {
				q = `SELECT count(*) FROM ` + s.d.quote(string(Pipelines))
			}
			var n int64
			if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				return 0, false, err
			}
			requests += pagesOf(n) + n
		default:
			n, had, err := count(string(t))
			if err != nil || !had {
				return 0, false, err
			}
			requests += pagesOf(n)
		}
	}
	return requests, true, nil
}

// lockWait is how long Sync waits for the lock before it refuses: long
// enough for PostgreSQL to end the session of a sync that was just killed.
const lockWait = 3 * time.Second

// lockWaiting takes the sync lock, trying again for lockWait while another
// sync holds it.
func lockWaiting(ctx context.Context, s *store) (func(), error) {
	deadline := time.Now().Add(lockWait)
	for {
		release, err := s.lock(ctx)
		if !errors.Is(err, ErrBusy) || time.Now().After(deadline) {
			return release, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// budgetLeft reports whether the run may send another request.
func (r *run) budgetLeft() bool { return r.budgetFor(1) }

// budgetFor reports whether the run may send n more requests.
func (r *run) budgetFor(n int64) bool {
	return r.opts.MaxRequests == 0 || r.opts.Counter.Requests()-r.start+n <= r.opts.MaxRequests
}

// prepare reads the custom field definitions and creates the tables and
// columns the run writes.
func (r *run) prepare(ctx context.Context, types []Type) error {
	var entities int64
	for _, t := range types {
		if t.Entity() != "" {
			entities++
		}
	}
	if !r.budgetFor(entities) {
		return errStopped
	}
	defs, err := ReadDefinitions(ctx, r.c, types)
	if err != nil {
		return err
	}
	existing := map[string]map[string]Kind{}
	for _, t := range types {
		names := []string{string(t)}
		for _, ch := range NewSchema(nil, nil).Children(t) {
			names = append(names, ch.Name)
		}
		for _, n := range names {
			cols, err := r.s.columns(ctx, n)
			if err != nil {
				return err
			}
			existing[n] = cols
		}
	}
	// A column of a definition's name but another kind is a removed
	// definition's: the new one gets a column of its own.
	r.schema = NewSchema(defs, func(table, column string, kind Kind, defID int64) string {
		if k, ok := existing[table][column]; ok && k != kind {
			return fmt.Sprintf("%s_%d", column, defID)
		}
		return column
	})
	var all []*Table
	for _, t := range types {
		all = append(append(all, r.schema.Table(t)), r.schema.Children(t)...)
	}
	err = r.s.inTx(ctx, func(tx *txn) error {
		for _, tb := range all {
			if err := r.s.ensureTable(ctx, tx, tb, existing[tb.Name]); err != nil {
				return fmt.Errorf("creating table %s: %s", tb.Name, oneLine(err))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return r.s.prepareInserts(ctx, all)
}

func (r *run) syncType(ctx context.Context, t Type) error {
	if !r.budgetLeft() {
		return errStopped
	}
	c := r.c
	switch t {
	case Parties:
		return syncFeedType(ctx, r, t, c.Parties.Changes)
	case Opportunities:
		return syncFeedType(ctx, r, t, c.Opportunities.Changes)
	case Kases:
		return syncFeedType(ctx, r, t, c.Kases.Changes)
	case Tasks, Entries:
		return r.syncPaged(ctx, t, false)
	}
	recs, err := readSmall(ctx, c, t, r.budgetFor)
	if err != nil {
		return err
	}
	return r.replaceAll(ctx, t, recs)
}

// syncFeedType reads t's change feed from the cursor kept in the database,
// or reads t in full when there is none, Options.Full is set, or a full
// read is under way.
func syncFeedType[T any](ctx context.Context, r *run, t Type, changes func(capsule.SyncCursor, *capsule.ListOptions) *capsule.ChangeFeed[T]) error {
	raw, ok := r.meta[cursorKey(t)]
	_, fullUnderWay := r.meta[fullKey(t)]
	if !ok || r.opts.Full || fullUnderWay {
		return r.syncPaged(ctx, t, true)
	}
	// A feed sends its list and deleted requests with no record between
	// them when nothing changed: it starts only when both fit.
	if !r.budgetFor(2) {
		return errStopped
	}
	var cur capsule.SyncCursor
	if err := json.Unmarshal([]byte(raw), &cur); err != nil {
		return fmt.Errorf("the stored cursor %q: %w", raw, err)
	}
	return syncFeed(ctx, r, t, changes(cur, &capsule.ListOptions{PerPage: capsule.MaxPerPage, Embed: embeds}))
}

// syncFeed applies a change feed: upserts in batches of a page, then the
// deletions and restrictions with the new cursor in one transaction. A run
// cut short leaves the cursor where it was, and the next run applies the
// same changes again, which is harmless: upserts and removals by id.
func syncFeed[T any](ctx context.Context, r *run, t Type, feed *capsule.ChangeFeed[T]) error {
	var (
		batch   []Rows
		deleted []capsule.DeletedRecord
		gone    []int64
	)
	flush := func(final bool) error {
		err := r.s.inTx(ctx, func(tx *txn) error {
			if err := r.writeRows(ctx, tx, t, batch, replaceFirst); err != nil {
				return err
			}
			if !final {
				return nil
			}
			if err := r.remove(ctx, tx, t, deleted, gone); err != nil {
				return err
			}
			cur, err := json.Marshal(feed.Cursor())
			if err != nil {
				return err
			}
			return r.s.setMeta(ctx, tx, cursorKey(t), string(cur))
		})
		if err != nil {
			return err
		}
		r.written(t, len(batch))
		r.sum.Removed += len(deleted) + len(gone)
		batch = batch[:0]
		return nil
	}
	for ch, err := range feed.All(ctx) {
		if err != nil {
			return err
		}
		switch {
		case ch.Record != nil:
			row, err := r.schema.Rows(t, ch.Record)
			if err != nil {
				return err
			}
			batch = append(batch, row)
		case ch.Deleted != nil:
			deleted = append(deleted, *ch.Deleted)
		case ch.Restricted != nil:
			gone = append(gone, ch.Restricted.ID)
		}
		if len(batch) == capsule.MaxPerPage {
			if err := flush(false); err != nil {
				return err
			}
		}
		if !r.budgetLeft() {
			if err := flush(false); err != nil {
				return err
			}
			return errStopped
		}
	}
	return flush(true)
}

// syncPaged reads t in full, a page a transaction (or the few pages read
// while the last were written: see takeReady), recording the next page
// with each so that a killed run resumes there. The first page's
// transaction empties the table, so the rows at the end are exactly what
// the read found. With cursor, the end sets the change feed's cursor to
// the read's start less the overlap.
func (r *run) syncPaged(ctx context.Context, t Type, cursor bool) error {
	key := fullKey(t)
	st := fullState{Page: 1}
	if raw, ok := r.meta[key]; ok {
		if err := json.Unmarshal([]byte(raw), &st); err != nil || st.Page < 1 {
			st = fullState{Page: 1}
		}
	}
	clientStart := time.Now()
	done := false
	finish := func(ctx context.Context, tx *txn) error {
		done = true
		delete(r.meta, key)
		if err := r.s.deleteMeta(ctx, tx, key); err != nil {
			return err
		}
		if !cursor {
			return r.s.setMeta(ctx, tx, readKey(t), "1")
		}
		cur, err := json.Marshal(capsule.SyncCursor{Since: st.Since})
		if err != nil {
			return err
		}
		return r.s.setMeta(ctx, tx, cursorKey(t), string(cur))
	}
	fetched, stop := r.prefetch(ctx, listOptions(t, st.Page, time.Time{}), pages(r.c, t))
	defer stop()
	for f := range fetched {
		if r.opts.beforeGroup != nil {
			r.opts.beforeGroup(fetched)
		}
		group := takeReady(f, fetched, r.groupMax())
		first, next := st.Page, st.Page
		var (
			rows   []Rows
			pages  int
			failed error
		)
		for _, g := range group {
			if g.err != nil {
				failed = g.err
				break
			}
			if next == 1 {
				st.Since = feedStart(clientStart, g.page.Response)
			}
			for _, rec := range g.page.Items {
				row, err := r.schema.Rows(t, *rec)
				if err != nil {
					return err
				}
				rows = append(rows, row)
			}
			pages++
			// A next link that does not advance ends the list, as it ends
			// capsule.Pages.
			if n := g.page.Response.NextPage; n > next {
				next = n
			} else {
				next = 0
			}
		}
		// The decoded records are garbage from here: the write holds only
		// their rows.
		group, f = nil, fetchedPage{}
		if pages > 0 {
			rows = lastOfEach(rows)
			err := r.s.inTx(ctx, func(tx *txn) error {
				mode := replaceOnConflict
				if first == 1 {
					if err := r.clear(ctx, tx, t); err != nil {
						return err
					}
					mode = insertOnly
				}
				if err := r.writeRows(ctx, tx, t, rows, mode); err != nil {
					return err
				}
				if next == 0 {
					return finish(ctx, tx)
				}
				b, err := json.Marshal(fullState{Page: next, Since: st.Since})
				if err != nil {
					return err
				}
				return r.s.setMeta(ctx, tx, key, string(b))
			})
			if err != nil {
				return err
			}
			r.written(t, len(rows))
		}
		if failed != nil {
			return failed
		}
		if next == 0 {
			break
		}
		st.Page = next
	}
	if done {
		return nil
	}
	if !r.budgetLeft() {
		return errStopped
	}
	// The list ended without a last page (an empty page).
	return r.s.inTx(ctx, func(tx *txn) error {
		if st.Page == 1 {
			if err := r.clear(ctx, tx, t); err != nil {
				return err
			}
		}
		return finish(ctx, tx)
	})
}

// maxGroup is the most pages one transaction of a full read takes. When
// the database writes slower than Capsule answers, the pages read meanwhile
// wait, and are written together: a statement a table for all of them, and
// a statement costs PostgreSQL more than the rows of a page do. When the
// database keeps up, each page has its transaction.
const maxGroup = 4

// groupMax is the most pages a transaction of this run takes.
func (r *run) groupMax() int {
	if r.opts.group > 0 {
		return r.opts.group
	}
	return maxGroup
}

// takeReady is f and the pages after it already read, up to most: it never
// waits for a page. The group stops at an error or the last page.
func takeReady(f fetchedPage, fetched <-chan fetchedPage, most int) []fetchedPage {
	group := []fetchedPage{f}
	for len(group) < most {
		if last := group[len(group)-1]; last.err != nil || last.page.Response.NextPage == 0 {
			break
		}
		select {
		case g, ok := <-fetched:
			if !ok {
				return group
			}
			group = append(group, g)
		default:
			return group
		}
	}
	return group
}

// lastOfEach keeps one row per record: a record met on two pages of a
// group (the list shifted while it was read) keeps its later read, as it
// would written a page at a time.
func lastOfEach(rows []Rows) []Rows {
	at := make(map[int64]int, len(rows))
	out := rows[:0]
	for _, row := range rows {
		if i, ok := at[row.ID]; ok {
			out[i] = row
			continue
		}
		at[row.ID] = len(out)
		out = append(out, row)
	}
	return out
}

// fetchedPage is a page read ahead of its writing.
type fetchedPage struct {
	page *capsule.Page[any]
	err  error
}

// prefetch reads the pages of a list on a goroutine of its own, ahead of
// the loop that writes them, so that reading and writing overlap. It runs
// at most maxGroup pages ahead (maxGroup-1 in the channel, one waiting to
// be sent), which takeReady writes together: however long the list, at
// most twice maxGroup pages live at once.
// It stops after the last page, after an error, and before a request the
// run's budget has no room for. stop ends it and waits for it.
func (r *run) prefetch(ctx context.Context, opts *capsule.ListOptions, read capsule.PageFunc[any]) (<-chan fetchedPage, func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan fetchedPage, r.groupMax()-1)
	go func() {
		defer close(ch)
		for page, err := range capsule.Pages(ctx, opts, read) {
			select {
			case ch <- fetchedPage{page, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || page.Response.NextPage == 0 || !r.budgetLeft() {
				return
			}
		}
	}()
	return ch, func() {
		cancel()
		for range ch {
		}
	}
}

// feedStart is the cursor a full read that started at clientStart (this
// machine's clock) sets: the earlier of that and Capsule's Date on the first
// response, less the overlap, in whole seconds, as the change feed does.
func feedStart(clientStart time.Time, resp *capsule.Response) time.Time {
	start := clientStart
	if resp != nil && resp.Response != nil {
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil && d.Before(start) {
			start = d
		}
	}
	return start.UTC().Truncate(time.Second).Add(-capsule.DefaultSyncOverlap)
}

// replaceAll replaces the rows of a small type in one transaction.
func (r *run) replaceAll(ctx context.Context, t Type, recs []any) error {
	rows := make([]Rows, 0, len(recs))
	for _, rec := range recs {
		row, err := r.schema.Rows(t, rec)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	err := r.s.inTx(ctx, func(tx *txn) error {
		if err := r.clear(ctx, tx, t); err != nil {
			return err
		}
		if err := r.writeRows(ctx, tx, t, rows, insertOnly); err != nil {
			return err
		}
		return r.s.setMeta(ctx, tx, readKey(t), "1")
	})
	if err == nil {
		r.written(t, len(rows))
	}
	return err
}

// The meta table's keys of a type's state.
//
// cursorKey holds the change feed's cursor of parties, opportunities and
// kases, set when a full read ends. fullKey holds the progress of a full
// read under way (fullState). readKey says that a type read in full at
// each run (tasks, entries, the small types) has been read whole at least
// once: its table holds the account's rows, which Estimate counts.
func cursorKey(t Type) string { return "cursor:" + string(t) }
func fullKey(t Type) string   { return "full:" + string(t) }
func readKey(t Type) string   { return "read:" + string(t) }

func (r *run) written(t Type, n int) {
	r.sum.Rows += n
	r.sum.ByType[t] += n
	if r.opts.Progress != nil && n > 0 {
		r.opts.Progress(t, n)
	}
}

// clear empties t's table and child tables.
func (r *run) clear(ctx context.Context, tx *txn, t Type) error {
	for _, tb := range append([]*Table{r.schema.Table(t)}, r.schema.Children(t)...) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+r.s.d.quote(tb.Name)); err != nil {
			return err
		}
	}
	return nil
}

// How writeRows treats records whose rows may be in the tables already.
const (
	// insertOnly: the tables were emptied in this transaction.
	insertOnly = iota
	// replaceFirst: the records' rows and child rows are deleted first (a
	// change feed's records are mostly there).
	replaceFirst
	// replaceOnConflict: the rows are inserted, and only if a record is
	// there already (a full read's later page, where a record seen on the
	// page before comes again as the list shifts, or a resumed run) are the
	// page's records deleted and inserted again. A record's child rows are
	// written with its row, so a record not there has none. Without the
	// dialect's conflict test, the records there are looked up first and
	// only those deleted.
	replaceOnConflict
)

// writeRows writes the rows of records as mode says (a record's child rows
// are always all of them).
func (r *run) writeRows(ctx context.Context, tx *txn, t Type, rows []Rows, mode int) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	main := make([][]any, len(rows))
	for i, row := range rows {
		ids[i], main[i] = row.ID, row.Values
	}
	table := r.schema.Table(t)
	children := r.schema.Children(t)
	if mode == replaceOnConflict && r.s.d.conflict == nil {
		// PostgreSQL ends a transaction at a failed insert: the records
		// already there are looked up first (one query, where deleting
		// would be a statement a table), and only those are replaced. A
		// record has child rows only when it has its row.
		present, err := r.s.presentIDs(ctx, tx, string(t), ids)
		if err != nil {
			return err
		}
		if err := r.deleteRecords(ctx, tx, t, present); err != nil {
			return err
		}
		mode = insertOnly
	}
	if mode == replaceFirst {
		if err := r.deleteRecords(ctx, tx, t, ids); err != nil {
			return err
		}
	}
	err := r.s.insert(ctx, tx, table, main)
	if err != nil && mode == replaceOnConflict && r.s.d.conflict(err) {
		// The rows inserted before the conflict go too.
		if err = r.deleteRecords(ctx, tx, t, ids); err == nil {
			err = r.s.insert(ctx, tx, table, main)
		}
	}
	if err != nil {
		return err
	}
	for _, ch := range children {
		var crow [][]any
		for _, row := range rows {
			crow = append(crow, row.Children[ch.Name]...)
		}
		if len(crow) == 0 {
			continue
		}
		if err := r.s.insert(ctx, tx, ch, crow); err != nil {
			return err
		}
	}
	return nil
}

// deleteRecords removes the records with ids from t's table and children.
func (r *run) deleteRecords(ctx context.Context, tx *txn, t Type, ids []int64) error {
	tables := [][2]string{{string(t), "id"}}
	for _, ch := range r.schema.Children(t) {
		tables = append(tables, [2]string{ch.Name, ch.Parent})
	}
	return r.s.deleteIDs(ctx, tx, tables, ids)
}

// remove applies deletions (recorded in deleted_records) and restrictions
// (the records are no longer visible: their rows go, and nothing else is
// said of them).
func (r *run) remove(ctx context.Context, tx *txn, t Type, deleted []capsule.DeletedRecord, restricted []int64) error {
	ids := slices.Clone(restricted)
	for _, d := range deleted {
		ids = append(ids, d.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := r.deleteRecords(ctx, tx, t, ids); err != nil {
		return err
	}
	p := r.s.d.param
	for _, d := range deleted {
		var at any
		if !d.DeletedAt.IsZero() {
			at = r.s.d.value(KindTime, d.DeletedAt.UTC())
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+DeletedTable+` (record_type, id, deleted_at) VALUES (`+p(1)+`, `+p(2)+`, `+p(3)+
			`) ON CONFLICT (record_type, id) DO UPDATE SET deleted_at = excluded.deleted_at`, string(t), d.ID, at); err != nil {
			return err
		}
	}
	return nil
}
