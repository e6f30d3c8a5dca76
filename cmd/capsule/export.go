package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() { registerCommand(exportCommand) }

// exportEmbed is what every exported record carries besides its own fields.
var exportEmbed = []string{capsule.EmbedTags, capsule.EmbedFields}

// exportSummary is the line export prints per file.
type exportSummary struct {
	Entity  string `json:"entity"`
	Records int    `json:"records"`
	File    string `json:"file"`
}

var exportColumns = []column[exportSummary]{
	{"entity", func(s *exportSummary) any { return s.Entity }},
	{"records", func(s *exportSummary) any { return s.Records }},
	{"file", func(s *exportSummary) any { return s.File }},
}

// deletedLine is one line of deleted.jsonl in a delta export.
type deletedLine struct {
	Entity    string    `json:"entity"`
	ID        int64     `json:"id"`
	DeletedAt time.Time `json:"deletedAt"`
}

func exportCommand(a *app) *cobra.Command {
	var dir, since string
	cmd := &cobra.Command{
		Use:   "export --out DIR [--since TIME]",
		Short: "Write parties, opportunities and projects as JSON Lines",
		Long: `Write every party, opportunity and project (kase), with tags and custom fields,
to DIR/parties.jsonl, DIR/opportunities.jsonl and DIR/kases.jsonl, one record a line.
The files are written under temporary names and renamed only when all of them
are complete, so a failed or interrupted run never replaces an earlier export.

With --since, only the records changed after TIME are written, with the records
deleted since then in deleted.jsonl, into the subdirectory DIR/since-TIME/: a
delta never overwrites the full export beside it.`,
		Example: "  capsule export --out ./backup\n  capsule export --out ./backup --since 2025-01-31",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("export: --out DIR is required")
			}
			var sinceT time.Time
			if since != "" {
				t, err := parseTime(since)
				if err != nil {
					return usagef("export: --since: %v", err)
				}
				sinceT = t.UTC()
				dir = filepath.Join(dir, "since-"+sinceT.Format("20060102T150405Z"))
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			return runExport(cmd.Context(), a, c, dir, sinceT)
		},
	}
	cmd.Flags().StringVar(&dir, "out", "", "directory to write to (created if needed)")
	cmd.Flags().StringVar(&since, "since", "", "only what changed after this time (2025-01-31 or 2025-01-31T08:00:00Z), into DIR/since-TIME/")
	return cmd
}

// exportFile is a file being written under a temporary name.
type exportFile struct {
	final string
	f     *os.File
	w     *bufio.Writer
	enc   *json.Encoder
}

func createExportFile(dir, name string) (*exportFile, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &exportFile{final: filepath.Join(dir, name), f: f, w: w, enc: enc}, nil
}

// close flushes and closes the file; it is renamed later.
func (e *exportFile) close() error {
	return errors.Join(e.w.Flush(), e.f.Close())
}

func (e *exportFile) discard() {
	e.f.Close()
	os.Remove(e.f.Name())
}

func runExport(ctx context.Context, a *app, c *capsule.Client, dir string, since time.Time) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var files []*exportFile
	defer func() {
		if err != nil {
			for _, f := range files {
				f.discard()
			}
		}
	}()
	open := func(name string) (*exportFile, error) {
		f, err := createExportFile(dir, name)
		if err == nil {
			files = append(files, f)
		}
		return f, err
	}
	opts := &capsule.ListOptions{Since: since, Embed: exportEmbed}
	bar := a.progress(-1, "export")
	defer bar.Finish()
	var summaries []*exportSummary
	entities := []struct {
		name  string
		write func(*exportFile) (int, error)
	}{
		{"parties", func(f *exportFile) (int, error) { return exportPages(ctx, f, bar, opts, c.Parties.Read) }},
		{"opportunities", func(f *exportFile) (int, error) { return exportPages(ctx, f, bar, opts, c.Opportunities.Read) }},
		{"kases", func(f *exportFile) (int, error) { return exportPages(ctx, f, bar, opts, c.Kases.Read) }},
	}
	for _, e := range entities {
		bar.Describe("export " + e.name)
		f, err := open(e.name + ".jsonl")
		if err != nil {
			return err
		}
		n, err := e.write(f)
		if err != nil {
			return fmt.Errorf("exporting %s: %w", e.name, err)
		}
		summaries = append(summaries, &exportSummary{Entity: e.name, Records: n, File: f.final})
	}
	if !since.IsZero() {
		f, err := open("deleted.jsonl")
		if err != nil {
			return err
		}
		n, err := exportDeleted(ctx, c, f, since)
		if err != nil {
			return fmt.Errorf("exporting deletions: %w", err)
		}
		summaries = append(summaries, &exportSummary{Entity: "deleted", Records: n, File: f.final})
	}
	for _, f := range files {
		if err := f.close(); err != nil {
			return err
		}
	}
	// Every file is complete: only now do they replace the earlier ones.
	for _, f := range files {
		if err := os.Rename(f.f.Name(), f.final); err != nil {
			return err
		}
	}
	files = nil
	bar.Finish()
	p := newPrinter(a, exportColumns, false)
	for _, s := range summaries {
		if err := p.record(s); err != nil {
			return err
		}
	}
	return p.done()
}

func exportPages[T any](ctx context.Context, f *exportFile, bar progress, opts *capsule.ListOptions, fetch capsule.PageFunc[T]) (int, error) {
	n := 0
	for page, err := range capsule.Pages(ctx, opts, fetch) {
		if err != nil {
			return n, err
		}
		for _, rec := range page.Items {
			if err := f.enc.Encode(rec); err != nil {
				return n, err
			}
		}
		n += len(page.Items)
		bar.Add(len(page.Items))
	}
	return n, nil
}

// exportDeleted writes the parties, opportunities and kases deleted since.
func exportDeleted(ctx context.Context, c *capsule.Client, f *exportFile, since time.Time) (int, error) {
	feeds := []struct {
		entity string
		read   func(context.Context, time.Time) (*capsule.Deleted, *capsule.Response, error)
	}{
		{"parties", c.Parties.ReadDeleted},
		{"opportunities", c.Opportunities.ReadDeleted},
		{"kases", c.Kases.ReadDeleted},
	}
	n := 0
	for _, feed := range feeds {
		d, _, err := feed.read(ctx, since)
		if err != nil {
			return n, err
		}
		for _, r := range d.Records {
			if err := f.enc.Encode(deletedLine{Entity: feed.entity, ID: r.ID, DeletedAt: r.DeletedAt}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
