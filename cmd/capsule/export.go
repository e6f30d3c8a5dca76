package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/capsulecrm-go/capsule"
)

// exportEmbed is what every exported record carries besides its own fields.
var exportEmbed = []string{capsule.EmbedTags, capsule.EmbedFields}

// exportSummary is the line export prints per entity.
type exportSummary struct {
	Entity  string `json:"entity"`
	Records int    `json:"records"`
	File    string `json:"file"`
}

func export(ctx context.Context, a *app, args []string) error {
	fs := a.flags("export")
	dir := fs.String("out", "", "`directory` for parties.jsonl, opportunities.jsonl and kases.jsonl (created if needed)")
	sinceFlag := fs.String("since", "", "export only records changed after this `time` (RFC 3339, e.g. 2025-01-31T00:00:00Z)")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("export: -out DIR is required")
	}
	var since time.Time
	if *sinceFlag != "" {
		t, err := time.Parse(time.RFC3339, *sinceFlag)
		if err != nil {
			return usagef("export: -since must be an RFC 3339 time such as 2025-01-31T00:00:00Z, got %q", *sinceFlag)
		}
		since = t
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	opts := &capsule.ListOptions{Since: since, Embed: exportEmbed}
	var summaries []exportSummary
	add := func(s exportSummary, err error) error {
		if err == nil {
			summaries = append(summaries, s)
		}
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "parties", opts, c.Parties.Read)); err != nil {
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "opportunities", opts, c.Opportunities.Read)); err != nil {
		return err
	}
	if err := add(exportEntity(ctx, a, c, *dir, "kases", opts, c.Kases.Read)); err != nil {
		return err
	}
	p := a.printer("ENTITY", "RECORDS", "FILE")
	for _, s := range summaries {
		if err := p.record(s, s.Entity, strconv.Itoa(s.Records), s.File); err != nil {
			return err
		}
	}
	return p.done()
}

// exportEntity writes every record of one list to DIR/NAME.jsonl, through a
// temporary file so that a failed export leaves no half-written file.
func exportEntity[T any](ctx context.Context, a *app, c *capsule.Client, dir, name string, opts *capsule.ListOptions,
	fetch capsule.PageFunc[T]) (sum exportSummary, err error) {
	path := filepath.Join(dir, name+".jsonl")
	f, err := os.CreateTemp(dir, name+".jsonl.*.tmp")
	if err != nil {
		return sum, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o644); err != nil {
		return sum, err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n, pages := 0, 0
	for page, err := range capsule.Pages(ctx, opts, fetch) {
		if err != nil {
			return sum, fmt.Errorf("exporting %s: %w", name, err)
		}
		for _, rec := range page.Items {
			if err := enc.Encode(rec); err != nil {
				return sum, err
			}
		}
		n += len(page.Items)
		pages++
		rate := c.Rate()
		fmt.Fprintf(a.stderr, "export: %-13s %6d records, page %d, %d of %d requests left\n", name, n, pages, rate.Remaining, rate.Limit)
	}
	if err := w.Flush(); err != nil {
		return sum, err
	}
	if err := f.Close(); err != nil {
		return sum, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return sum, err
	}
	return exportSummary{Entity: name, Records: n, File: path}, nil
}
