package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/mirror"
)

func init() { registerCommand(exportCommand) }

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
	var dir, since, format, types string
	cmd := &cobra.Command{
		Use:   "export --out DIR [--format jsonl|csv] [--types ...] [--since TIME]",
		Short: "Write the account's records to JSON Lines or CSV files",
		Long: `Write the records of the mirror's types (parties, opportunities, kases,
tasks, users, teams, pipelines, milestones, boards, stages; entries when named
in --types) to files in DIR, one a type.

--format jsonl (the default) writes DIR/TYPE.jsonl, one record a line as the
SDK models it, with tags and custom fields. --format csv writes the rows of
'capsule sync': DIR/TYPE.csv with the mirror's columns (custom_<name> for
custom fields), and a file per child table (party_email_addresses.csv,
party_phone_numbers.csv, party_addresses.csv, party_websites.csv,
party_tags.csv, opportunity_tags.csv, kase_tags.csv).

The files are written under temporary names and renamed only when all of them
are complete, so a failed or interrupted run never replaces an earlier export.

With --since, only the parties, opportunities and kases changed after TIME are
written, with the records deleted since then (deleted.jsonl, or
deleted_records.csv), into the subdirectory DIR/since-TIME/: a delta never
overwrites the full export beside it.`,
		Example: "  capsule export --out ./backup\n  capsule export --out ./tables --format csv --types parties,opportunities\n  capsule export --out ./backup --since 2025-01-31",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usagef("export: --out DIR is required")
			}
			if format != "jsonl" && format != "csv" {
				return usagef("export: --format must be jsonl or csv, got %q", format)
			}
			ts, err := mirror.ParseTypes(types)
			if err != nil {
				return usagef("export: --types: %v", err)
			}
			var sinceT time.Time
			if since != "" {
				t, err := parseTime(since)
				if err != nil {
					return usagef("export: --since: %v", err)
				}
				sinceT = t.UTC()
				if types == "" {
					ts = []mirror.Type{mirror.Parties, mirror.Opportunities, mirror.Kases}
				}
				for _, t := range ts {
					if t.Entity() == "" {
						return usagef("export: --since: only parties, opportunities and kases can be read since a time, not %s", t)
					}
				}
				dir = filepath.Join(dir, "since-"+sinceT.Format("20060102T150405Z"))
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			return runExport(cmd.Context(), a, c, exportJob{dir: dir, csv: format == "csv", types: ts, since: sinceT})
		},
	}
	cmd.Flags().StringVar(&dir, "out", "", "directory to write to (created if needed)")
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl (records as the SDK models them) or csv (the mirror's rows)")
	cmd.Flags().StringVar(&types, "types", "", "types to export, comma-separated (default all but entries; with --since parties,opportunities,kases)")
	cmd.Flags().StringVar(&since, "since", "", "only what changed after this time (2025-01-31 or 2025-01-31T08:00:00Z), into DIR/since-TIME/")
	return cmd
}

// exportJob is what one export writes.
type exportJob struct {
	dir   string
	csv   bool
	types []mirror.Type
	since time.Time
}

// exportFile is a file being written under a temporary name.
type exportFile struct {
	entity  string
	final   string
	f       *os.File
	w       *bufio.Writer
	enc     *json.Encoder
	csv     *csv.Writer
	records int
}

func createExportFile(dir, entity, ext string) (*exportFile, error) {
	name := entity + "." + ext
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
	e := &exportFile{entity: entity, final: filepath.Join(dir, name), f: f, w: w}
	if ext == "csv" {
		e.csv = csv.NewWriter(w)
	} else {
		e.enc = json.NewEncoder(w)
		e.enc.SetEscapeHTML(false)
	}
	return e, nil
}

// writeRow writes one CSV row of values (mirror rows) and counts it.
func (e *exportFile) writeRow(values []any) error {
	cells := make([]string, len(values))
	for i, v := range values {
		cells[i] = mirror.FormatValue(v)
	}
	e.records++
	return e.csv.Write(cells)
}

// close flushes and closes the file; it is renamed later.
func (e *exportFile) close() error {
	var cerr error
	if e.csv != nil {
		e.csv.Flush()
		cerr = e.csv.Error()
	}
	return errors.Join(cerr, e.w.Flush(), e.f.Close())
}

func (e *exportFile) discard() {
	e.f.Close()
	os.Remove(e.f.Name())
}

func runExport(ctx context.Context, a *app, c *capsule.Client, job exportJob) (err error) {
	if err := os.MkdirAll(job.dir, 0o755); err != nil {
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
	ext := "jsonl"
	if job.csv {
		ext = "csv"
	}
	open := func(entity string, header []string) (*exportFile, error) {
		f, err := createExportFile(job.dir, entity, ext)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		if header != nil {
			err = f.csv.Write(header)
		}
		return f, err
	}
	var schema *mirror.Schema
	if job.csv {
		defs, err := mirror.ReadDefinitions(ctx, c, job.types)
		if err != nil {
			return err
		}
		schema = mirror.NewSchema(defs, nil)
	}
	bar := a.progress(-1, "export")
	defer bar.Finish()
	for _, t := range job.types {
		bar.Describe("export " + string(t))
		if err := exportType(ctx, c, t, job, schema, bar, open); err != nil {
			return fmt.Errorf("exporting %s: %w", t, err)
		}
	}
	if !job.since.IsZero() {
		if err := exportDeleted(ctx, c, job, open); err != nil {
			return fmt.Errorf("exporting deletions: %w", err)
		}
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
	done := files
	files = nil
	bar.Finish()
	p := newPrinter(a, exportColumns, false)
	for _, f := range done {
		if err := p.record(&exportSummary{Entity: f.entity, Records: f.records, File: f.final}); err != nil {
			return err
		}
	}
	return p.done()
}

// exportType writes the records of t: as JSON Lines, or as the mirror's
// rows into TYPE.csv and the child tables' files.
func exportType(ctx context.Context, c *capsule.Client, t mirror.Type, job exportJob, schema *mirror.Schema, bar progress,
	open func(string, []string) (*exportFile, error)) error {
	var header []string
	if job.csv {
		header = schema.Table(t).ColumnNames()
	}
	main, err := open(string(t), header)
	if err != nil {
		return err
	}
	children := map[string]*exportFile{}
	if job.csv {
		for _, ch := range schema.Children(t) {
			if children[ch.Name], err = open(ch.Name, ch.ColumnNames()); err != nil {
				return err
			}
		}
	}
	return mirror.Read(ctx, c, t, job.since, func(page []any) error {
		for _, rec := range page {
			if !job.csv {
				main.records++
				if err := main.enc.Encode(rec); err != nil {
					return err
				}
				continue
			}
			rows, err := schema.Rows(t, rec)
			if err != nil {
				return err
			}
			if err := main.writeRow(rows.Values); err != nil {
				return err
			}
			for name, crows := range rows.Children {
				for _, row := range crows {
					if err := children[name].writeRow(row); err != nil {
						return err
					}
				}
			}
		}
		bar.Add(len(page))
		return nil
	})
}

// exportDeleted writes the parties, opportunities and kases deleted since:
// deleted.jsonl, or deleted_records.csv with the mirror's columns.
func exportDeleted(ctx context.Context, c *capsule.Client, job exportJob, open func(string, []string) (*exportFile, error)) error {
	var (
		f   *exportFile
		err error
	)
	if job.csv {
		f, err = open(mirror.DeletedTable, []string{"record_type", "id", "deleted_at"})
	} else {
		f, err = open("deleted", nil)
	}
	if err != nil {
		return err
	}
	feeds := map[mirror.Type]func(context.Context, time.Time) (*capsule.Deleted, *capsule.Response, error){
		mirror.Parties:       c.Parties.ReadDeleted,
		mirror.Opportunities: c.Opportunities.ReadDeleted,
		mirror.Kases:         c.Kases.ReadDeleted,
	}
	for _, t := range job.types {
		d, _, err := feeds[t](ctx, job.since)
		if err != nil {
			return err
		}
		for _, r := range d.Records {
			if job.csv {
				err = f.writeRow([]any{string(t), r.ID, r.DeletedAt})
			} else {
				f.records++
				err = f.enc.Encode(deletedLine{Entity: string(t), ID: r.ID, DeletedAt: r.DeletedAt})
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
