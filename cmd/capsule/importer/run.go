package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/columns"
)

// batchSize is how many rows the writing pass looks up together: the most
// ids one show-multiple request takes.
const batchSize = 10

// The lookup strategies, as the summary names them.
const (
	strategyNone   = "none"
	strategyIDs    = "show-multiple, 10 ids a request"
	strategyFilter = "per-row filter"
)

// runState is one run.
type runState struct {
	c    *capsule.Client
	open func() (io.ReadCloser, error)
	opts Options
	res  *resource
	// checker is res on a client that sends nothing: the first pass has
	// the SDK check each write through it.
	checker *resource
	tab     *table
	def     *capsule.FieldDefinition // the custom field of a custom_ match
	sum     *Summary

	// index, when the candidates were read whole: match key -> ids, and
	// id -> record.
	index   map[string][]int64
	records map[int64]any
	// own counts the requests the run sent; sentBefore is RequestsSent
	// when it started.
	own, sentBefore int
}

func newRun(c *capsule.Client, open func() (io.ReadCloser, error), opts Options) (*runState, error) {
	if c == nil || open == nil {
		return nil, fmt.Errorf("%w: a client and an open function are required", ErrUsage)
	}
	if !slices.Contains(Types, opts.Type) {
		return nil, fmt.Errorf("%w: type %q is not one of %s", ErrUsage, opts.Type, strings.Join(Types, ", "))
	}
	if opts.Format == "" {
		opts.Format = FormatCSV
	}
	if opts.Format != FormatCSV && opts.Format != FormatJSONL {
		return nil, fmt.Errorf("%w: format %q is not csv or jsonl", ErrUsage, opts.Format)
	}
	switch opts.Mode {
	case "":
		opts.Mode = ModeCreate
	case ModeCreate, ModeUpdate, ModeUpsert, ModeDelete:
	default:
		return nil, fmt.Errorf("%w: mode %q is not create, update, upsert or delete", ErrUsage, opts.Mode)
	}
	if opts.Match == "" {
		// a row without an id has no key: a create makes it, an update
		// or delete fails the checks
		opts.Match = "id"
	}
	switch m := opts.Match; {
	case m == "id":
	case m == "email" && opts.Type != "parties":
		return nil, fmt.Errorf("%w: --match email is for parties only", ErrUsage)
	case opts.Type == "tasks":
		return nil, fmt.Errorf("%w: tasks can only be matched by id", ErrUsage)
	case m == "email", m == "name", strings.HasPrefix(m, columns.CustomPrefix):
	default:
		return nil, fmt.Errorf("%w: match %q is not id, email, name or custom_<name>", ErrUsage, m)
	}
	if opts.MaxRequests < 0 {
		return nil, fmt.Errorf("%w: max requests must be 0 or more", ErrUsage)
	}
	checker, err := newChecker(opts.Type)
	if err != nil {
		return nil, err
	}
	return &runState{c: c, open: open, opts: opts, res: newResource(c, opts.Type), checker: checker,
		sum: &Summary{Counts: map[Status]int{}, Lookup: strategyNone, DryRun: opts.DryRun}}, nil
}

// spend counts one request about to be sent.
func (r *runState) spend() {
	r.own++
	r.sum.Requests = r.used()
}

// used is the number of requests sent since the run started.
func (r *runState) used() int {
	if r.opts.RequestsSent != nil {
		return r.opts.RequestsSent() - r.sentBefore
	}
	return r.own
}

// afford reports whether n more requests fit in MaxRequests.
func (r *runState) afford(n int) bool {
	r.sum.Requests = r.used()
	return r.opts.MaxRequests == 0 || r.sum.Requests+n <= r.opts.MaxRequests
}

func (r *runState) run(ctx context.Context) error {
	if r.opts.RequestsSent != nil {
		r.sentBefore = r.opts.RequestsSent()
	}
	defer func() { r.sum.Requests = r.used() }()
	var defs capsule.FieldDefinitions
	if e, ok := entities[r.opts.Type]; ok {
		if !r.afford(1) {
			return r.stop("--max-requests reached before the custom field definitions were read")
		}
		r.spend()
		var err error
		if defs, err = r.c.CustomFields.ReadAll(ctx, e); err != nil {
			return fmt.Errorf("reading the %s custom field definitions: %w", r.opts.Type, err)
		}
	}
	r.tab = newTable(r.opts.Type, defs)
	if m := r.opts.Match; strings.HasPrefix(m, columns.CustomPrefix) {
		if r.def = r.tab.custom[m]; r.def == nil {
			return fmt.Errorf("%w: match %q: %s", ErrUsage, m, r.tab.known(m))
		}
	}
	keys, err := r.check(ctx)
	if err != nil {
		return err
	}
	if err := r.chooseLookup(ctx, keys); err != nil {
		return err
	}
	return r.apply(ctx)
}

// stop ends the run early for why.
func (r *runState) stop(why string) error {
	r.sum.Stopped = why
	return ErrStopped
}

// readRows streams the file through fn, one parsed row at a time; fn gets
// the raw row and its conversion (nil with the reason when a cell is bad).
func (r *runState) readRows(fn func(raw *rawRow, rw *row, bad error) error) error {
	f, err := r.open()
	if err != nil {
		return &FileError{Err: err}
	}
	defer f.Close()
	var rr rowReader
	if r.opts.Format == FormatJSONL {
		rr = newJSONLReader(f, r.tab.known)
	} else if rr, err = newCSVReader(f, r.tab.known); err != nil {
		return err
	}
	for {
		raw, err := rr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rw, bad := r.tab.parse(raw)
		if err := fn(raw, rw, bad); err != nil {
			return err
		}
	}
}

// rowKey is the row's value of the match, normalised, or "".
func (r *runState) rowKey(rw *row) string {
	switch m := r.opts.Match; m {
	case "id":
		if id := rw.id("id"); id > 0 {
			return strconv.FormatInt(id, 10)
		}
		return ""
	case "name":
		name := rw.str("name")
		if name == "" && r.opts.Type == "parties" {
			name = strings.TrimSpace(rw.str("first_name") + " " + rw.str("last_name"))
		}
		return normKey(name)
	case "email":
		return normKey(rw.str("email"))
	default:
		fc, ok := rw.vals[m].(capsule.FieldChange)
		if !ok {
			return ""
		}
		return normKey(fieldText(fc.Value))
	}
}

// check is the first pass: every row is read and checked, nothing is
// written. It returns the number of distinct match keys.
func (r *runState) check(ctx context.Context) (int, error) {
	seen := map[string]int{}
	failed := map[int]string{}
	first := 0
	err := r.readRows(func(raw *rawRow, rw *row, bad error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.sum.Rows = raw.num
		reason := ""
		if bad != nil {
			reason = bad.Error()
		} else {
			reason = r.checkRow(ctx, rw, seen)
		}
		if reason != "" {
			failed[raw.num] = reason
			if first == 0 {
				first = raw.num
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(failed) == 0 {
		return len(seen), nil
	}
	note := fmt.Sprintf("not applied: %d row(s) of the file failed the checks", len(failed))
	for n := 1; n <= r.sum.Rows; n++ {
		if reason, bad := failed[n]; bad {
			r.emit(RowResult{Row: n, Status: StatusFailed, Err: reason})
		} else {
			r.emit(RowResult{Row: n, Status: StatusFailed, Err: note})
		}
	}
	return 0, &CheckError{Failed: len(failed), FirstRow: first, First: failed[first]}
}

// checkRow checks one converted row against the mode and the match.
func (r *runState) checkRow(ctx context.Context, rw *row, seen map[string]int) string {
	key := r.rowKey(rw)
	if key == "" && (r.opts.Mode == ModeUpdate || r.opts.Mode == ModeDelete) {
		return fmt.Sprintf("no %s to match: %s needs one in every row", r.opts.Match, r.opts.Mode)
	}
	if key != "" {
		if prev, dup := seen[key]; dup {
			return fmt.Sprintf("%s %q is also in row %d: a record can be matched by one row only", r.opts.Match, key, prev)
		}
		seen[key] = rw.num
	}
	if r.opts.Mode == ModeCreate || (r.opts.Mode == ModeUpsert && key == "") {
		if msg := r.tab.checkCreate(rw); msg != "" {
			return msg
		}
	}
	if msg := r.tab.checkCapture(rw); msg != "" {
		return msg
	}
	if r.opts.Mode != ModeDelete {
		create := r.opts.Mode == ModeCreate || (r.opts.Mode == ModeUpsert && key == "")
		return r.checkWrite(ctx, rw, create)
	}
	return ""
}

// checkWrite has the SDK check the write of rw (a create, or an update
// of every cell) through the checker, which sends nothing, so that a write
// the SDK would refuse is found before the first write.
func (r *runState) checkWrite(ctx context.Context, rw *row, create bool) string {
	var err error
	if create {
		in, _ := r.checker.build(rw, nil)
		_, err = r.checker.create(ctx, in)
	} else {
		in, _ := r.checker.build(rw, r.checker.zero)
		err = r.checker.update(ctx, 1, in)
	}
	if errors.Is(err, capsule.ErrInvalidArgument) {
		var ae *capsule.ArgError
		if errors.As(err, &ae) {
			return ae.Arg + ": " + ae.Reason
		}
		return oneLine(err)
	}
	return ""
}

// apply is the second pass: rows are read again, looked up in batches and
// written.
func (r *runState) apply(ctx context.Context) error {
	var batch []*row
	flush := func() {
		r.applyBatch(ctx, batch)
		batch = batch[:0]
	}
	err := r.readRows(func(_ *rawRow, rw *row, bad error) error {
		if bad != nil { // the file changed between the passes
			return fmt.Errorf("row %d: %v (the file changed after it was checked)", rw.num, bad)
		}
		batch = append(batch, rw)
		if len(batch) == batchSize {
			flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	if r.sum.Stopped != "" {
		return ErrStopped
	}
	return nil
}

func (r *runState) applyBatch(ctx context.Context, rows []*row) {
	if len(rows) == 0 {
		return
	}
	results := r.lookupBatch(ctx, rows)
	for i, rw := range rows {
		if r.sum.Stopped == "" && ctx.Err() != nil {
			r.sum.Stopped = "interrupted: " + ctx.Err().Error()
		}
		if r.sum.Stopped == "" && results == nil && r.rowKey(rw) != "" {
			// a filter per row, each just before the row's write, so that
			// a budget is spent on whole rows
			if r.afford(2) {
				f := r.lookupFilter(ctx, rw)
				r.emitRow(ctx, rw, f)
				continue
			}
			r.sum.Stopped = "--max-requests reached"
		}
		var f found
		if results != nil {
			f = results[i]
		}
		r.emitRow(ctx, rw, f)
	}
	if r.opts.Progress != nil {
		r.opts.Progress(rows[len(rows)-1].num, r.sum.Rows)
	}
}

// emitRow applies one row and reports it, or reports it not attempted
// once the run has stopped.
func (r *runState) emitRow(ctx context.Context, rw *row, f found) {
	if r.sum.Stopped != "" {
		r.emit(RowResult{Row: rw.num, Status: StatusFailed, Err: "not attempted: " + r.sum.Stopped})
		return
	}
	r.emit(r.applyRow(ctx, rw, f))
}

// applyRow decides and does the row's write.
func (r *runState) applyRow(ctx context.Context, rw *row, f found) RowResult {
	res := RowResult{Row: rw.num}
	if f.err != "" {
		res.Status, res.Err = StatusFailed, f.err
		return res
	}
	if f.rec != nil {
		res.ID = r.res.id(f.rec)
	}
	switch mode := r.opts.Mode; {
	case mode == ModeDelete:
		if f.rec == nil {
			res.Status, res.Err = StatusUnchanged, fmt.Sprintf("no record matches %s %q: nothing to delete", r.opts.Match, r.rowKey(rw))
			return res
		}
		return r.write(res, StatusDeleted, func() (int64, error) {
			err := r.res.del(ctx, res.ID)
			if errors.Is(err, capsule.ErrNotFound) {
				return res.ID, nil // gone already: a retried delete whose first answer was lost
			}
			return res.ID, err
		})
	case f.rec == nil && mode == ModeUpdate:
		res.Status, res.Err = StatusFailed, fmt.Sprintf("no record matches %s %q", r.opts.Match, r.rowKey(rw))
		return res
	case f.rec == nil:
		if msg := r.tab.checkCreate(rw); msg != "" {
			res.Status, res.Err = StatusFailed, "no match, and cannot create: "+msg
			return res
		}
		in, _ := r.res.build(rw, nil)
		return r.write(res, StatusCreated, func() (int64, error) { return r.res.create(ctx, in) })
	case mode == ModeCreate:
		res.Status = StatusUnchanged // exists already: created by an earlier run
		return res
	}
	in, changed := r.res.build(rw, f.rec)
	if !changed {
		res.Status = StatusUnchanged
		return res
	}
	return r.write(res, StatusUpdated, func() (int64, error) { return res.ID, r.res.update(ctx, res.ID, in) })
}

// write sends one write (none in a dry run) and classifies its outcome;
// do returns the record's id.
func (r *runState) write(res RowResult, ok Status, do func() (int64, error)) RowResult {
	if r.opts.DryRun {
		res.Status = ok
		return res
	}
	if !r.afford(1) {
		r.sum.Stopped = "--max-requests reached"
		res.Status, res.Err = StatusFailed, "not attempted: "+r.sum.Stopped
		return res
	}
	r.spend()
	id, err := do()
	if err == nil {
		res.ID, res.Status = id, ok
		return res
	}
	res.Err = oneLine(err)
	res.Status = StatusFailed
	if ok == StatusCreated && mayHaveApplied(err) {
		res.Status = StatusUnknown
		res.Err = "sent, no answer (it may have been created; run again with --mode upsert and a --match to finish): " + res.Err
	}
	return res
}

// oneLine keeps a reason on one line of the report. Capsule's answer is
// given without the request's method and URL, which every row of a type
// shares.
func oneLine(err error) string {
	msg := err.Error()
	var ae *capsule.APIError
	if errors.As(err, &ae) {
		msg = strings.Replace(msg, fmt.Sprintf("capsule: %s %s: ", ae.Method, ae.URL), "Capsule answered ", 1)
	}
	return strings.Join(strings.Fields(msg), " ")
}

// mayHaveApplied reports whether a create that failed with err may still
// have been done by Capsule: no answer came (a dropped connection, a
// timeout, a cancelled context), or a gateway answered for a server that
// may have done it.
func mayHaveApplied(err error) bool {
	var ae *capsule.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusBadGateway || ae.StatusCode == http.StatusGatewayTimeout
	}
	var rl *capsule.RateLimitError
	if errors.As(err, &rl) || errors.Is(err, capsule.ErrInvalidArgument) {
		return false // refused before anything was done
	}
	return true
}

func (r *runState) emit(res RowResult) {
	r.sum.Counts[res.Status]++
	if r.opts.OnRow != nil {
		r.opts.OnRow(res)
	}
}
