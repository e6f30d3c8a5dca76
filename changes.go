package capsule

import (
	"context"
	"iter"
	"net/http"
	"slices"
	"time"
)

// DefaultSyncOverlap is how far before the server's time at the start of a
// run a ChangeFeed puts the next cursor, unless its Overlap says otherwise.
// It covers the time Capsule takes to answer and any delay before a change
// becomes visible to reads; the price is that the next run delivers again
// what changed in that last minute.
const DefaultSyncOverlap = time.Minute

// SyncCursor is how far an incremental sync has read. The zero cursor means
// "from the beginning". It marshals to JSON for persisting between runs.
type SyncCursor struct {
	// Since is the time a run reads from: it delivers what was created,
	// changed, deleted or restricted strictly after it.
	Since time.Time `json:"since"`
}

// Change is one entry of a change feed: exactly one field is set.
type Change[T any] struct {
	// Record is a record created or changed since the cursor, as a list
	// read returns it (with the feed's embeds): insert or replace it by id.
	Record *T
	// Deleted is a record deleted since the cursor: remove its id.
	Deleted *DeletedRecord
	// Restricted is a record that became invisible to the caller since the
	// cursor (its name reads "Private"): remove its id.
	Restricted *RestrictedRecord
}

// ChangeFeed walks what changed in one record type since a cursor: every
// created or changed record (page by page, lazily, like ReadIter with
// Since), then every deletion and restriction (skipped for the zero cursor:
// Capsule requires since, and a full read has nothing to delete). Make one
// with Parties.Changes, Opportunities.Changes or Kases.Changes.
//
// A run reads since the cursor exactly and, once iterated to the end, sets
// the next cursor to the time at its start less Overlap: the Date header of
// its first response (Capsule's clock), or this machine's clock before the
// first request when that is earlier or the Date is missing. A change made
// while the run was reading is thus read by the next run, whichever clock
// runs ahead. The feed is therefore at least once: the next run
// delivers again what changed in the overlap, and a deletion can be reported
// twice. Apply the changes in order, upserting records and removing deleted
// and restricted ids by id, idempotently; then persist Cursor:
//
//	feed := c.Parties.Changes(cursor, &capsule.ListOptions{Embed: []string{capsule.EmbedFields}})
//	for ch, err := range feed.All(ctx) {
//		if err != nil {
//			return err // the cursor stays where it was: the next run repeats this one
//		}
//		switch {
//		case ch.Record != nil:
//			upsert(ch.Record)
//		case ch.Deleted != nil:
//			remove(ch.Deleted.ID)
//		case ch.Restricted != nil:
//			remove(ch.Restricted.ID)
//		}
//	}
//	cursor = feed.Cursor() // persist it, e.g. as JSON
//
// A run costs one request per page of changed records (at least one) plus
// one for the deleted feed when the cursor is not zero.
//
// Capsule pages lists by offset: a record deleted or restricted while a run
// is between two pages shifts the later records back by one, so the first
// record of the next page can be passed over, and the next run delivers it
// only if it changes again. Runs that read a single page are not affected;
// a periodic run from the zero cursor (a full read, replacing what you
// hold) repairs any such gap.
//
// A ChangeFeed runs one iteration at a time; each call of All starts a new
// run from the cursor the feed was made with.
type ChangeFeed[T any] struct {
	// Overlap is how far before the server's time at the start of a run
	// the next cursor is put. Changes sets it to DefaultSyncOverlap; set it
	// before calling All. Capsule's timestamps are whole seconds and since
	// is strict, so the cursor goes back at least one second even when
	// Overlap is 0 (or negative): a change made in the same second as the
	// run's start is read again, never missed.
	Overlap time.Duration

	client  *Client
	read    PageFunc[T]
	deleted func(context.Context, time.Time) (*Deleted, *Response, error)
	start   SyncCursor
	opts    ListOptions
	err     error // an invalid argument, reported by All
	next    SyncCursor
}

// newChangeFeed is Changes for the records of e.
func newChangeFeed[T any](e endpoint[T], cursor SyncCursor, opts *ListOptions) *ChangeFeed[T] {
	f := &ChangeFeed[T]{
		Overlap: DefaultSyncOverlap,
		client:  e.client,
		read: func(ctx context.Context, o *ListOptions) ([]*T, *Response, error) {
			return e.list(ctx, "", o)
		},
		deleted: func(ctx context.Context, since time.Time) (*Deleted, *Response, error) {
			return readDeleted(ctx, e, since)
		},
		start: cursor,
		next:  cursor,
	}
	if opts != nil {
		f.opts = ListOptions{PerPage: opts.PerPage, Embed: slices.Clone(opts.Embed)}
		switch {
		case opts.Page != 0:
			f.err = invalidArg("page", "must be 0: a change feed reads every page, got %d", opts.Page)
		case !opts.Since.IsZero():
			f.err = invalidArg("since", "must be zero: a change feed reads since its cursor")
		case opts.PerPage < 0 || opts.PerPage > MaxPerPage:
			f.err = invalidArg("perPage", "must be between 1 and %d, got %d", MaxPerPage, opts.PerPage)
		}
	}
	f.opts.Since = cursor.Since
	return f
}

// All returns the changes since the cursor: created and changed records
// first, then deletions, then restrictions, each in the order Capsule
// lists them. Pages are fetched as the loop asks for them, and breaking
// out of the loop sends no further request. An error (an invalid argument
// to Changes, a failed request, the context ending) is yielded once and
// ends the run; the cursor then stays where it was.
func (f *ChangeFeed[T]) All(ctx context.Context) iter.Seq2[Change[T], error] {
	return func(yield func(Change[T], error) bool) {
		f.next = f.start
		if f.err != nil {
			yield(Change[T]{}, f.err)
			return
		}
		if ctx == nil {
			yield(Change[T]{}, invalidArg("ctx", "must not be nil"))
			return
		}

		// The start of the run by both clocks: this machine's, read before
		// the first request, and Capsule's, from the first response.
		clientStart := f.client.now()
		var serverStart time.Time
		first := true
		fetch := func(ctx context.Context, o *ListOptions) ([]*T, *Response, error) {
			items, resp, err := f.read(ctx, o)
			if first && err == nil {
				first = false
				serverStart = responseDate(resp)
			}
			return items, resp, err
		}
		for rec, err := range All(ctx, &f.opts, fetch) {
			if err != nil {
				yield(Change[T]{}, err)
				return
			}
			if !yield(Change[T]{Record: rec}, nil) {
				return
			}
		}

		if !f.start.Since.IsZero() {
			if err := ctx.Err(); err != nil {
				yield(Change[T]{}, err)
				return
			}
			d, _, err := f.deleted(ctx, f.start.Since)
			if err != nil {
				yield(Change[T]{}, err)
				return
			}
			for i := range d.Records {
				if !yield(Change[T]{Deleted: &d.Records[i]}, nil) {
					return
				}
			}
			for i := range d.Restricted {
				if !yield(Change[T]{Restricted: &d.Restricted[i]}, nil) {
					return
				}
			}
		}

		// The earlier of the two clocks: a Date from the future (a bad
		// proxy) or a client clock that runs ahead would otherwise push the
		// cursor past changes not read yet; an earlier cursor only re-reads.
		if serverStart.IsZero() || clientStart.Before(serverStart) {
			serverStart = clientStart
		}
		f.next = SyncCursor{Since: nextSince(serverStart, f.Overlap)}
	}
}

// Cursor returns the cursor for the next run. It is valid after All has
// been iterated to the end without an error; before that (or after an
// error or a break) it returns the cursor the feed started from, so a failed
// run is repeated, not skipped.
func (f *ChangeFeed[T]) Cursor() SyncCursor { return f.next }

// responseDate returns the time in the Date header of resp, or the zero
// time when there is none that parses.
func responseDate(resp *Response) time.Time {
	if resp == nil || resp.Response == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// nextSince is the next cursor's time for a run that started at start (the
// server's time): start less the overlap, and less one second at least, in
// whole seconds and UTC like Capsule's timestamps.
func nextSince(start time.Time, overlap time.Duration) time.Time {
	return start.UTC().Truncate(time.Second).Add(-max(overlap, time.Second))
}

// Changes returns the feed of the parties created, changed, deleted or
// restricted since cursor, for an incremental sync (see ChangeFeed); the
// zero cursor reads every party. opts takes Embed and PerPage (default
// 100). Page and Since must be left zero, as the feed reads every page from
// the cursor; otherwise All reports an error matching ErrInvalidArgument
// without sending a request.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Party#listParties
// GET /parties (then GET /parties/deleted)
func (s *PartiesService) Changes(cursor SyncCursor, opts *ListOptions) *ChangeFeed[Party] {
	return newChangeFeed(partiesEndpoint(s.client), cursor, opts)
}

// Changes returns the feed of the opportunities created, changed, deleted
// or restricted since cursor, for an incremental sync (see ChangeFeed); the
// zero cursor reads every opportunity. opts takes Embed and PerPage
// (default 100). Page and Since must be left zero; otherwise All reports an
// error matching ErrInvalidArgument without sending a request.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Opportunity#listOpportunities
// GET /opportunities (then GET /opportunities/deleted)
func (s *OpportunitiesService) Changes(cursor SyncCursor, opts *ListOptions) *ChangeFeed[Opportunity] {
	return newChangeFeed(opportunitiesEndpoint(s.client), cursor, opts)
}

// Changes returns the feed of the kases (projects) created, changed,
// deleted or restricted since cursor, for an incremental sync (see
// ChangeFeed); the zero cursor reads every kase. opts takes Embed and
// PerPage (default 100). Page and Since must be left zero; otherwise All
// reports an error matching ErrInvalidArgument without sending a request.
//
// Capsule API docs: https://developer.capsulecrm.com/v2/operations/Project#listProjects
// GET /kases (then GET /kases/deleted)
func (s *KasesService) Changes(cursor SyncCursor, opts *ListOptions) *ChangeFeed[Kase] {
	return newChangeFeed(kasesEndpoint(s.client), cursor, opts)
}
