package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/cmd/capsule/mirror"
)

func init() { registerCommand(syncCommand) }

func syncCommand(a *app) *cobra.Command {
	var (
		dsn, types  string
		full        bool
		maxRequests int64
	)
	cmd := &cobra.Command{
		Use:   "sync [--db DSN] [--types parties,opportunities,...] [--full] [--max-requests N]",
		Short: "Mirror the account into SQLite or PostgreSQL tables",
		Long: `Keep a copy of the account in SQL tables: a table per type (parties,
opportunities, kases, tasks, users, teams, pipelines, milestones, boards,
stages; entries when named in --types), a typed column per custom field,
child tables for contact details and tags, and deleted_records.

The first run reads everything (a request per 100 records); later runs read
only what changed in parties, opportunities and kases, and read the small
types again. Each page is written in one transaction with the progress it
stands for: a run killed at any moment is finished by the next one.

--db is sqlite:PATH (the default, sqlite:capsule.db, needs nothing
installed) or a PostgreSQL DSN, postgres://USER@HOST/DB?search_path=SCHEMA.
Requests are paced to last the rate-limit window (not with --fake);
--max-requests stops the run cleanly after N requests, and the next run goes
on from there. On a terminal a progress bar counts the requests, with the
time left once the mirror holds the account (a later run: estimated from
its rows) or when --max-requests bounds them; a first run, of an account
whose size Capsule does not give, counts on. The run ends with a line on
stderr: the requests it sent, the rows it wrote and the rate budget left.`,
		Example: "  capsule sync\n  capsule sync --db postgres://me@localhost/crm --types parties,opportunities\n  capsule sync --max-requests 500",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, err := mirror.ParseTypes(types)
			if err != nil {
				return usagef("sync: --types: %v", err)
			}
			if maxRequests < 0 {
				return usagef("sync: --max-requests must be 0 (no limit) or more, got %d", maxRequests)
			}
			ctx := cmd.Context()
			st, err := mirror.Open(ctx, dsn)
			if errors.Is(err, mirror.ErrUnknownDriver) {
				return usagef("sync: --db: %v", err)
			}
			if err != nil {
				return fmt.Errorf("sync: %w", err)
			}
			defer st.Close()
			// The bar counts requests, and shows the time left when their
			// total is known: estimated from what the mirror holds (not on
			// a first run: Capsule does not say how many records it has),
			// and at most --max-requests.
			total := int64(-1)
			// An error here costs only the bar its total: Sync meets and
			// reports it.
			if est, ok, err := mirror.Estimate(ctx, st, mirror.Options{Types: ts, Full: full}); err == nil && ok {
				total = est
			}
			if maxRequests > 0 && (total < 0 || maxRequests < total) {
				total = maxRequests
			}
			bar := a.progressOf(total, "sync", "requests")
			defer bar.Finish()
			counter := &mirror.Counter{}
			var mu sync.Mutex
			observe := func(ev capsule.RequestEvent) {
				counter.Observe(ev)
				mu.Lock()
				defer mu.Unlock()
				// More changed than the estimate had: the total grows.
				if n := counter.Requests(); total >= 0 && n > total {
					total = n
					bar.SetTotal(n)
				}
				bar.Add(1)
			}
			// Pacing spreads the requests over the rate-limit window; the
			// in-process fake of --fake has no budget worth keeping.
			c, err := a.client(ctx, capsule.WithPacing(!a.fake), capsule.WithObserver(observe))
			if err != nil {
				return err
			}
			sum, err := mirror.Sync(ctx, c, st, mirror.Options{
				Types: ts, Full: full, MaxRequests: maxRequests, Counter: counter,
				Progress: func(t mirror.Type, _ int) { bar.Describe("sync " + string(t)) },
			})
			bar.Finish()
			if sum != nil {
				fmt.Fprintln(a.stderr, syncSummary(sum))
			}
			if err != nil {
				return fmt.Errorf("sync: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dsn, "db", mirror.DefaultDSN, "the mirror: sqlite:PATH or postgres://...")
	cmd.Flags().StringVar(&types, "types", "", "types to mirror, comma-separated (default all but entries)")
	cmd.Flags().BoolVar(&full, "full", false, "read parties, opportunities and kases in full, not just their changes")
	cmd.Flags().Int64Var(&maxRequests, "max-requests", 0, "stop after N requests; the next run goes on (0: no limit)")
	return cmd
}

// syncSummary is the line that states what a run did and cost.
func syncSummary(s *mirror.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "capsule: sync: %d requests, %d rows written, %d records removed", s.Requests, s.Rows, s.Removed)
	if s.BudgetLeft >= 0 {
		fmt.Fprintf(&b, ", %d requests left in the rate budget", s.BudgetLeft)
	}
	if s.Stopped {
		b.WriteString("; stopped at --max-requests: run it again to go on")
	}
	return b.String()
}
