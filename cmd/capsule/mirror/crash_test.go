package mirror

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The environment of a child process that runs one sync and exits (the
// test kills it part-way).
const (
	childDSN   = "MIRROR_TEST_CHILD_DSN"
	childURL   = "MIRROR_TEST_CHILD_URL"
	childToken = "MIRROR_TEST_CHILD_TOKEN"
)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(childDSN); dsn != "" {
		os.Exit(runChild(dsn))
	}
	os.Exit(m.Run())
}

// runChild syncs the fake at childURL into dsn.
func runChild(dsn string) int {
	ctx := context.Background()
	c, err := capsule.NewClient(capsule.WithBaseURL(os.Getenv(childURL)), capsule.WithToken(os.Getenv(childToken)))
	if err == nil {
		var st Store
		if st, err = Open(ctx, dsn); err == nil {
			_, err = Sync(ctx, c, st, Options{})
			st.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestSyncKilledPartWayAndRunAgain(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		// Slow answers, so that the child is killed in the middle of pages.
		srv.SetLatency(30 * time.Millisecond)
		c := testClient(t, srv, nil)
		ctx := t.Context()
		// Kill points: in the middle of the first full read, then (after
		// changes) in the middle of an incremental run.
		for round, killAfter := range []int{5, 5} {
			if round == 1 {
				ps, _, err := c.Parties.Read(ctx, &capsule.ListOptions{PerPage: 3})
				require.NoError(t, err)
				_, _, err = c.Parties.Update(ctx, ps[0].ID, &capsule.PartyInput{About: capsule.Set("round two")})
				require.NoError(t, err)
				_, err = c.Parties.Delete(ctx, ps[1].ID)
				require.NoError(t, err)
			}
			srv.ResetRequests()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childDSN+"="+dsn, childURL+"="+srv.BaseURL, childToken+"="+srv.Token)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			deadline := time.Now().Add(30 * time.Second)
			for len(srv.Requests()) < killAfter && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			err := cmd.Wait()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "the child was killed, not finished: %v %s", err, stderr.String())
			assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())

			if round == 0 {
				meta, err := open(t, dsn).base().readMeta(ctx, open(t, dsn).DB())
				require.NoError(t, err)
				assert.NotContains(t, meta, "cursor:parties", "the child was killed before the full read of parties ended")
			}
			srv.SetLatency(0)
			syncOnce(t, srv, dsn, Options{})
			srv.SetLatency(30 * time.Millisecond)
			st := open(t, dsn)
			assert.Equal(t, freshDump(t, srv, dsn), withoutDeleted(dump(t, st)), "round %d: the rows of a fresh full sync", round)
			meta, err := st.base().readMeta(ctx, st.DB())
			require.NoError(t, err)
			assert.NotContains(t, meta, "full:parties", "the full read ended")
			assert.Contains(t, meta, "cursor:parties")
		}
	})
}

func TestTwoSyncsAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		first := open(t, dsn)
		release, err := first.base().lock(t.Context())
		require.NoError(t, err, "the first sync takes the lock")

		srv.ResetRequests()
		second := open(t, dsn)
		start := time.Now()
		_, err = Sync(t.Context(), testClient(t, srv, nil), second, Options{})
		require.ErrorIs(t, err, ErrBusy)
		assert.GreaterOrEqual(t, time.Since(start), lockWait, "it waited for the first before refusing")
		assert.NotContains(t, err.Error(), "\n")
		assert.Contains(t, err.Error(), "another sync is running on this database")
		assert.Empty(t, srv.Requests(), "the second sync sends nothing")
		assert.Empty(t, dump(t, second), "and writes nothing")

		release()
		_, err = Sync(t.Context(), testClient(t, srv, nil), second, Options{Types: []Type{Users}})
		require.NoError(t, err, "once the first is done, a sync runs")

		// Two real syncs started together: the second waits for the first
		// or refuses; they never interleave, and the rows are a full sync's.
		srv.SetLatency(5 * time.Millisecond)
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				st, err := Open(context.Background(), dsn)
				if err == nil {
					_, err = Sync(context.Background(), testClient(t, srv, nil), st, Options{})
					st.Close()
				}
				errs <- err
			}()
		}
		e1, e2 := <-errs, <-errs
		if e1 != nil {
			e1, e2 = e2, e1
		}
		assert.NoError(t, e1)
		if e2 != nil {
			assert.ErrorIs(t, e2, ErrBusy)
		}
		srv.SetLatency(0)
		assert.Equal(t, freshDump(t, srv, dsn), withoutDeleted(dump(t, second)))
	})
}

func TestMaxRequestsStopsAndTheNextRunGoesOn(t *testing.T) {
	eachBackend(t, func(t *testing.T, dsn string) {
		srv := newServer(t)
		runs := 0
		for {
			runs++
			require.Less(t, runs, 30, "the runs get through")
			counter := &Counter{}
			sum := syncOnce(t, srv, dsn, Options{MaxRequests: 5, Counter: counter})
			assert.LessOrEqual(t, sum.Requests, int64(5), "a run never sends more than its budget")
			assert.Equal(t, sum.Requests, counter.Requests())
			if runs == 1 {
				st := open(t, dsn)
				meta, err := st.base().readMeta(t.Context(), st.DB())
				require.NoError(t, err)
				var fs fullState
				require.NoError(t, json.Unmarshal([]byte(meta["full:parties"]), &fs))
				assert.Equal(t, 3, fs.Page, "stopped after parties' second page, the third next")
				assert.False(t, fs.Since.IsZero())
				assert.Equal(t, "parties,opportunities,kases,tasks,users,teams,pipelines,milestones,boards,stages", meta["pending"])
			}
			if !sum.Stopped {
				break
			}
		}
		assert.Greater(t, runs, 3, "the budget stopped runs")
		assert.Equal(t, freshDump(t, srv, dsn), withoutDeleted(dump(t, open(t, dsn))))

		_, err := Sync(t.Context(), testClient(t, srv, nil), open(t, dsn), Options{MaxRequests: 3})
		assert.ErrorContains(t, err, "MaxRequests needs Options.Counter")
	})
}

func TestBadDatabases(t *testing.T) {
	ctx := t.Context()
	t.Run("unknown driver", func(t *testing.T) {
		_, err := Open(ctx, "mysql://root:secret@localhost/db")
		require.ErrorIs(t, err, ErrUnknownDriver)
		assert.Equal(t, `unknown database driver "mysql": use sqlite:PATH or postgres://USER@HOST/DB`, err.Error())
		_, err = Open(ctx, "sqlite:")
		require.ErrorIs(t, err, ErrUnknownDriver)
	})
	t.Run("unreachable postgres", func(t *testing.T) {
		_, err := Open(ctx, "postgres://root:secret@127.0.0.1:1/test?sslmode=disable")
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "\n")
		assert.NotContains(t, err.Error(), "secret", "the password is never shown")
		assert.Equal(t, "cannot connect to PostgreSQL at postgres://127.0.0.1:1/test: connection refused", err.Error())
	})
	t.Run("sqlite file of another program", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		st := open(t, "sqlite:"+path)
		_, err := st.DB().Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes VALUES (1, 'x')")
		require.NoError(t, err)
		st.Close()
		checkRefused(t, "sqlite:"+path, ErrForeignDatabase, "not a capsule mirror: the database has tables but no mirror_meta table; use an empty database or one written by capsule sync")
		_, err = Open(ctx, "sqlite:"+filepath.Join(t.TempDir()))
		assert.ErrorContains(t, err, "is a directory")
		text := filepath.Join(t.TempDir(), "notes.txt")
		require.NoError(t, os.WriteFile(text, []byte("not a database, but long enough to look like a header of one\n"), 0o644))
		checkRefused(t, "sqlite:"+text, nil, "reading the database: file is not a database (26)")
	})
	for _, b := range backends {
		t.Run(b.name+" newer or foreign mirror", func(t *testing.T) {
			srv := newServer(t)
			dsn := b.dsn(t)
			syncOnce(t, srv, dsn, Options{Types: []Type{Users}})
			st := open(t, dsn)
			_, err := st.DB().Exec("UPDATE mirror_meta SET value = '99' WHERE key = 'schema_version'")
			require.NoError(t, err)
			checkRefused(t, dsn, ErrNewerSchema, "mirror written by a newer version: schema version 99, this capsule knows 1; upgrade capsule")
			_, err = st.DB().Exec("UPDATE mirror_meta SET value = '1' WHERE key = 'schema_version'")
			require.NoError(t, err)
			_, err = st.DB().Exec("UPDATE mirror_meta SET value = 'other-tool' WHERE key = 'tool'")
			require.NoError(t, err)
			checkRefused(t, dsn, ErrForeignDatabase, `not a capsule mirror: mirror_meta says it was written by "other-tool"`)
		})
	}
}

// checkRefused opens dsn, expects the one-line error msg (matching target
// when not nil), and checks the database is left as it was: same contents,
// for SQLite the same bytes and no lock or journal file beside it.
func checkRefused(t *testing.T, dsn string, target error, msg string) {
	t.Helper()
	path, isFile := strings.CutPrefix(dsn, "sqlite:")
	var before []byte
	var beforeDump map[string][]map[string]string
	existed := map[string]bool{}
	if isFile {
		var err error
		before, err = os.ReadFile(path)
		require.NoError(t, err)
		for _, suffix := range []string{".lock", "-journal", "-wal"} {
			_, err := os.Stat(path + suffix)
			existed[suffix] = err == nil
		}
	} else {
		beforeDump = rawDump(t, dsn)
	}
	_, err := Open(t.Context(), dsn)
	require.Error(t, err)
	if target != nil {
		assert.ErrorIs(t, err, target)
	}
	assert.Equal(t, msg, err.Error())
	assert.NotContains(t, err.Error(), "\n")
	if isFile {
		after, rerr := os.ReadFile(path)
		require.NoError(t, rerr)
		assert.Equal(t, before, after, "the file is untouched")
		for _, suffix := range []string{".lock", "-journal", "-wal"} {
			if !existed[suffix] {
				assert.NoFileExists(t, path+suffix, "nothing is created beside it")
			}
		}
		return
	}
	assert.Equal(t, beforeDump, rawDump(t, dsn), "the database is untouched")
}

// rawDump is dump of a PostgreSQL database, Open's checks bypassed, with
// the meta table.
func rawDump(t *testing.T, dsn string) map[string][]map[string]string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	st := &pgStore{store{db: db, d: postgresDialect}}
	d := dump(t, st)
	meta, err := st.readMeta(t.Context(), db)
	require.NoError(t, err)
	d[metaTable] = []map[string]string{meta}
	return d
}
