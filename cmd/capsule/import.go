package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/importer"
)

func init() { registerCommand(importCommand) }

const importLong = `Load a CSV or JSON Lines file into Capsule: TYPE is parties, opportunities,
kases or tasks. Columns (CSV headers, JSON keys) are the mirror's and the
export's: id, type, first_name, last_name, name, job_title, owner_id, party_id,
milestone_id, value_amount, value_currency, custom_<field name>, ...; for
parties also organisation (a name: linked, or created), email, phone, website
(added when the party lacks them) and tags (names separated by ";", added).
An empty cell changes nothing.

Every row is checked before the first write (known columns, values of the
right type, custom fields against their definitions and list options, what a
create needs, match keys not repeated); a file with a bad row writes nothing.
--dry-run does the checks and the lookups, writes nothing, and reports what
each row would do.

--match finds the record a row updates, upserts or deletes: id (the default),
email (parties), name or a custom field column (tasks: id only). Two matches:
the row fails as ambiguous. A row without a value for the match is created by
create and upsert; a create leaves a matched record alone. A create is sent
once: when its answer is lost the row is "unknown", and running the same file
with --mode upsert finds it by its match. An interrupted run can be run again
with the same command (a create needs a match for that); rows already applied
are "unchanged".

--report PATH writes CSV row,status,id,error for every row; the summary line
counts each status. Requests are paced to stay inside the rate budget;
--max-requests stops cleanly. Exit status: 0 all done, 1 a row or request
failed, 2 a usage error.`

const importExample = `  capsule import parties --file people.csv --mode upsert --match email --report out.csv
  capsule import opportunities --file deals.jsonl --dry-run
  cat tasks.csv | capsule import tasks --file -`

func importCommand(a *app) *cobra.Command {
	var (
		file, format, mode, match, report string
		dryRun                            bool
		maxRequests                       int
	)
	cmd := &cobra.Command{
		Use:       "import TYPE --file PATH|- [--format csv|jsonl] [--mode create|update|upsert|delete] [--match id|email|name|custom_<name>]",
		Short:     "Load a CSV or JSON Lines file into Capsule, checked before the first write",
		Long:      importLong,
		Example:   importExample,
		Args:      exactArgs("TYPE"),
		ValidArgs: importer.Types,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(importer.Types, args[0]) {
				return usagef("import: TYPE must be one of %s, got %q", strings.Join(importer.Types, ", "), args[0])
			}
			if file == "" {
				return usagef("import: --file PATH (or - for stdin) is required")
			}
			if format == "" {
				format = string(importer.FormatCSV)
				if ext := strings.ToLower(filepath.Ext(file)); ext == ".jsonl" || ext == ".ndjson" {
					format = string(importer.FormatJSONL)
				}
			}
			opts := importer.Options{Type: args[0], Format: importer.Format(format), Mode: importer.Mode(mode),
				Match: match, DryRun: dryRun, MaxRequests: maxRequests}
			return runImport(cmd.Context(), a, file, report, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "file", "", "the file to import, or - for standard input")
	f.StringVar(&format, "format", "", "csv or jsonl (default from the file's extension, else csv)")
	f.StringVar(&mode, "mode", string(importer.ModeCreate), "create, update, upsert or delete")
	f.StringVar(&match, "match", "id", "how a row finds its record: id, email (parties), name or custom_<name>")
	f.BoolVar(&dryRun, "dry-run", false, "check and look up everything, write nothing, report what each row would do")
	f.StringVar(&report, "report", "", "write every row's outcome to this CSV file (row,status,id,error)")
	f.IntVar(&maxRequests, "max-requests", 0, "stop cleanly before sending more than N requests (0: no limit)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "jsonl"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"create", "update", "upsert", "delete"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// runImport runs the engine with the file, the report and a progress bar.
func runImport(ctx context.Context, a *app, file, reportPath string, opts importer.Options) error {
	open, cleanup, err := a.importSource(file)
	if err != nil {
		return err
	}
	defer cleanup()

	var rep *csv.Writer
	if reportPath != "" {
		out, err := os.Create(reportPath)
		if err != nil {
			return fmt.Errorf("import: --report: %w", err)
		}
		defer out.Close()
		rep = csv.NewWriter(out)
		_ = rep.Write([]string{"row", "status", "id", "error"})
		defer rep.Flush()
	}
	var bar progress
	prev := 0
	opts.OnRow = func(r importer.RowResult) {
		if rep == nil {
			return
		}
		id := ""
		if r.ID != 0 {
			id = strconv.FormatInt(r.ID, 10)
		}
		_ = rep.Write([]string{strconv.Itoa(r.Row), string(r.Status), id, r.Err})
	}
	opts.Progress = func(done, total int) {
		if bar == nil {
			// the total is known once the checks have read the file
			bar = a.progress(int64(total), "importing "+opts.Type)
		}
		bar.Add(done - prev)
		prev = done
	}

	// every attempt counts against --max-requests, retries included
	var sent atomic.Int64
	c, err := a.client(ctx, capsule.WithPacing(true), capsule.WithObserver(func(capsule.RequestEvent) { sent.Add(1) }))
	if err != nil {
		return err
	}
	opts.RequestsSent = func() int { return int(sent.Load()) }
	sum, err := importer.Run(ctx, c, open, opts)
	if bar != nil {
		bar.Finish()
	}
	if rep != nil {
		rep.Flush()
		if werr := rep.Error(); werr != nil && err == nil {
			err = fmt.Errorf("import: writing the report: %w", werr)
		}
	}
	if errors.Is(err, importer.ErrUsage) {
		return usagef("import: %s", strings.TrimPrefix(err.Error(), importer.ErrUsage.Error()+": "))
	}
	var fe *importer.FileError
	if sum != nil && !errors.As(err, &fe) {
		fmt.Fprintf(a.stdout, "import %s: %s\n", opts.Type, sum)
	}
	var ce *importer.CheckError
	switch {
	case errors.As(err, &fe):
		return fmt.Errorf("import: %s: %w", displayName(file), fe)
	case errors.As(err, &ce):
		return failedf("import: %v", ce)
	case errors.Is(err, importer.ErrStopped):
		return failedf("import: stopped (%s); run the same command again to finish", sum.Stopped)
	case err != nil:
		return err
	case sum.Failed():
		return failedf("import: %d row(s) failed, %d unknown (see --report for each row's reason)", sum.Counts[importer.StatusFailed], sum.Counts[importer.StatusUnknown])
	}
	return nil
}

func displayName(file string) string {
	if file == "-" {
		return "standard input"
	}
	return file
}

// importSource returns how to open the file once per pass. Standard input
// can be read only once, so it is first copied to a temporary file.
func (a *app) importSource(file string) (open func() (io.ReadCloser, error), cleanup func(), err error) {
	if file != "-" {
		if _, err := os.Stat(file); err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
		return func() (io.ReadCloser, error) { return os.Open(file) }, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "capsule-import-*")
	if err != nil {
		return nil, nil, fmt.Errorf("import: spooling standard input: %w", err)
	}
	cleanup = func() { _ = os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, a.stdin)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("import: reading standard input: %w", err)
	}
	name := tmp.Name()
	return func() (io.ReadCloser, error) { return os.Open(name) }, cleanup, nil
}
