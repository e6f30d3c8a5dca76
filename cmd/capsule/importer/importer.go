// Package importer loads CSV or JSON Lines files into Capsule (DESIGN.md §7,
// `capsule import`): parties, opportunities, kases and tasks, created,
// updated, upserted or deleted, matched by id, e-mail, name or a custom
// field.
//
// A run reads the file twice, streaming it each time (open is called once
// per pass, so a file of any size is never held in memory). The first pass
// checks every row before anything is written: known columns, values of the
// right type, custom field values against their definitions and list
// options, the fields a create needs, and no match key repeated in the file.
// A file that fails any check writes nothing. The second pass looks each row
// up by its match and writes it.
//
// A create is sent once and never repeated: when its answer is lost the row
// is StatusUnknown, and a later run with ModeUpsert (or ModeCreate with a
// match) finds the record by its match instead of creating it again. Rows
// whose values Capsule already holds are StatusUnchanged and cost no write,
// so running the same command again after any interruption finishes the
// job.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/capsulecrm-go/capsule"
)

// Mode is what a run does with each row.
type Mode string

// The modes of a run.
const (
	// ModeCreate creates a record per row. With a match, a row whose
	// record exists is left unchanged, so a run can be repeated.
	ModeCreate Mode = "create"
	// ModeUpdate changes the matched record; a row without one fails.
	ModeUpdate Mode = "update"
	// ModeUpsert updates the matched record or creates one.
	ModeUpsert Mode = "upsert"
	// ModeDelete deletes the matched record.
	ModeDelete Mode = "delete"
)

// Format is the file's format.
type Format string

// The formats a file may have.
const (
	// FormatCSV is comma-separated values with a header row of column names.
	FormatCSV Format = "csv"
	// FormatJSONL is one JSON object a line, keyed by column name.
	FormatJSONL Format = "jsonl"
)

// Status is the outcome of one row, as written in the report.
type Status string

// The statuses of a row (DESIGN.md §7).
const (
	StatusCreated   Status = "created"
	StatusUpdated   Status = "updated"
	StatusUnchanged Status = "unchanged"
	StatusDeleted   Status = "deleted"
	StatusFailed    Status = "failed"
	// StatusUnknown is a write that was sent but got no answer: it may have
	// been applied. A later upsert finds it by its match.
	StatusUnknown Status = "unknown"
)

// Statuses lists every status in the order the summary counts them.
var Statuses = []Status{StatusCreated, StatusUpdated, StatusUnchanged, StatusDeleted, StatusFailed, StatusUnknown}

// Types lists the record types a file can hold.
var Types = []string{"parties", "opportunities", "kases", "tasks"}

// ErrUsage marks a bad Options value (type, mode, format, match): the
// caller's mistake, found before the file is opened.
var ErrUsage = errors.New("importer: bad options")

// ErrStopped is returned when the run stopped before its last row because
// MaxRequests was reached or ctx was done. The rows not reached are
// reported failed; running the same import again finishes the job.
var ErrStopped = errors.New("importer: stopped before the last row")

// Options says what a run does.
type Options struct {
	// Type is one of Types.
	Type string
	// Format of the file; FormatCSV when empty.
	Format Format
	// Mode is ModeCreate when empty.
	Mode Mode
	// Match is "id" (the default), "email" (parties), "name" or a custom
	// field column ("custom_<name>"); tasks are matched by id only. A row
	// without a value for it has no match: a create or upsert creates it.
	Match string
	// DryRun checks and looks up everything and writes nothing; each row
	// is reported with the status it would get.
	DryRun bool
	// MaxRequests stops the run cleanly before a row that would take the
	// requests sent past it; 0 means no limit.
	MaxRequests int
	// RequestsSent, when set, counts the requests the client has sent so
	// far, retries included (a WithObserver counter of every attempt); the
	// run measures MaxRequests and Summary.Requests with it. Without it the
	// run counts its own calls, each retry aside.
	RequestsSent func() int
	// OnRow, when set, is called with each row's outcome, in row order.
	OnRow func(RowResult)
	// Progress, when set, is called after each row of the writing pass
	// with the rows done and the total.
	Progress func(done, total int)
}

// RowResult is the outcome of one data row: a line of the report.
type RowResult struct {
	Row    int // the data row's number, from 1
	Status Status
	ID     int64 // the created, matched or deleted record; 0 when none
	Err    string
}

// Summary is what a run did.
type Summary struct {
	// Rows is the number of data rows in the file.
	Rows int
	// Counts holds the number of rows of each status.
	Counts map[Status]int
	// Lookup says how matches were found: "none", "per-row filter",
	// "show-multiple, 10 ids a request" or "one read of N candidates".
	Lookup string
	// Requests is the number of requests the run sent.
	Requests int
	// DryRun repeats Options.DryRun.
	DryRun bool
	// Stopped says why the run ended early, or is empty.
	Stopped string
}

// String is the summary line: "12 rows: 3 created, 9 unchanged, ...".
func (s *Summary) String() string {
	out := strconv.Itoa(s.Rows) + " rows"
	if s.DryRun {
		out += " (dry run, nothing written)"
	}
	out += ":"
	for i, st := range Statuses {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf(" %d %s", s.Counts[st], st)
	}
	out += fmt.Sprintf("; lookups: %s; %d requests", s.Lookup, s.Requests)
	if s.Stopped != "" {
		out += "; stopped: " + s.Stopped
	}
	return out
}

// Failed reports whether any row failed or is unknown.
func (s *Summary) Failed() bool {
	return s.Counts[StatusFailed] > 0 || s.Counts[StatusUnknown] > 0
}

// FileError is a fault in the file itself: it cannot be opened or read, a
// CSV row has the wrong number of cells, the header has an unknown or
// repeated column, a JSON line is not an object, text is not UTF-8. Nothing
// is written for a file with a FileError.
type FileError struct {
	Line   int    // 1-based line of the file; 0 when the file could not be opened
	Column string // the column's name, or its position ("3") before the header is known
	Err    error
}

// Error names the line and the column.
func (e *FileError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("file: %v", e.Err)
	case e.Column == "":
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, column %s: %v", e.Line, e.Column, e.Err)
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// CheckError says that rows failed the checks of the first pass, so nothing
// was written. Each failing row is reported with its reason.
type CheckError struct {
	Failed   int // rows that failed the checks
	FirstRow int // the first of them
	First    string
}

// Error names the first failing row.
func (e *CheckError) Error() string {
	return fmt.Sprintf("%d row(s) failed the checks, nothing was written; first: row %d: %s", e.Failed, e.FirstRow, e.First)
}

// Run imports the file that open returns into Capsule through client. It
// calls open twice (once per pass) and closes what it returns. Errors:
// ErrUsage for bad opts, a *FileError for a bad file, a *CheckError when rows
// failed the checks, ErrStopped when it stopped early, or the error of a
// read the run needs (the field definitions, a lookup). The Summary is
// returned with every error but ErrUsage.
func Run(ctx context.Context, client *capsule.Client, open func() (io.ReadCloser, error), opts Options) (*Summary, error) {
	r, err := newRun(client, open, opts)
	if err != nil {
		return nil, err
	}
	err = r.run(ctx)
	return r.sum, err
}
