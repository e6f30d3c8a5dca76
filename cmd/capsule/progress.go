package main

import (
	"fmt"
	"sync"

	"github.com/schollz/progressbar/v3"
)

// progress reports long work on stderr.
type progress interface {
	// Add counts n more units done.
	Add(n int)
	// SetTotal changes the expected total; -1 when unknown.
	SetTotal(n int64)
	// Describe changes what the bar says is being done.
	Describe(s string)
	// Finish ends the bar.
	Finish()
}

// progress returns a progress bar on stderr when stderr is a terminal (with
// the rate budget left and the time to go), and a no-op otherwise, so that
// piped and logged runs stay quiet. total is -1 when unknown.
func (a *app) progress(total int64, what string) progress {
	return a.progressOf(total, what, "records")
}

// progressOf is progress counting units other than records.
func (a *app) progressOf(total int64, what, units string) progress {
	if !a.stderrTerminal {
		return noProgress{}
	}
	return &bar{a: a, what: what, bar: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(units),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100_000_000), // redraw at most every 100 ms
		progressbar.OptionClearOnFinish(),
	)}
}

type noProgress struct{}

func (noProgress) Add(int)         {}
func (noProgress) SetTotal(int64)  {}
func (noProgress) Describe(string) {}
func (noProgress) Finish()         {}

// bar is a progressbar/v3 bar whose description carries the rate budget.
type bar struct {
	mu   sync.Mutex
	a    *app
	what string
	bar  *progressbar.ProgressBar
}

func (b *bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.Describe(b.description())
	_ = b.bar.Add(n)
}

func (b *bar) SetTotal(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.ChangeMax64(n)
}

func (b *bar) Describe(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.what = s
	b.bar.Describe(b.description())
}

func (b *bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.bar.Finish()
}

// description is what, and the requests left of the budget once known.
func (b *bar) description() string {
	if b.a.sdk == nil {
		return b.what
	}
	r := b.a.sdk.Rate()
	if r.Limit == 0 {
		return b.what
	}
	return fmt.Sprintf("%s (%d/%d requests left)", b.what, r.Remaining, r.Limit)
}
