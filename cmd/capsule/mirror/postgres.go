package mirror

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgStore is a mirror in a PostgreSQL schema, through pgx.
type pgStore struct{ store }

// connectTimeout bounds the wait for an unreachable server.
const connectTimeout = 10 * time.Second

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, fmt.Errorf("%s: not a valid PostgreSQL DSN", redactDSN(dsn))
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > connectTimeout {
		cfg.ConnectTimeout = connectTimeout
	}
	// A commit need not wait for the server's disk: a sync killed at any
	// moment loses nothing the server acknowledged, and a server crash at
	// worst the last few commits, each whole with its progress, which the
	// next run redoes. A DSN that sets synchronous_commit keeps its own.
	if _, ok := cfg.RuntimeParams["synchronous_commit"]; !ok {
		cfg.RuntimeParams["synchronous_commit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %s", redactDSN(dsn), reason(err))
	}
	s := &pgStore{store{db: db, d: postgresDialect}}
	s.lock = func(ctx context.Context) (func(), error) { return lockPostgres(ctx, db, dsn) }
	return s, nil
}

// reason is the end of a connection error: pgx prefixes it with the user
// and database, which the message already names.
func reason(err error) string {
	msg := oneLine(err)
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

// lockPostgres takes the sync lock of the mirror's schema: a session
// advisory lock, held on a connection of its own for the whole run, which
// the server releases when that session ends (the process killed included).
func lockPostgres(ctx context.Context, db *sql.DB, dsn string) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %s", redactDSN(dsn), oneLine(err))
	}
	var ok bool
	err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('capsule-mirror'), hashtext(current_schema()))`).Scan(&ok)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("locking %s: %s", redactDSN(dsn), oneLine(err))
	}
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", redactDSN(dsn), ErrBusy)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('capsule-mirror'), hashtext(current_schema()))`)
		conn.Close()
	}, nil
}

// pgCopy writes rows with COPY, inside the transaction open on conn.
func pgCopy(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error {
	return conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}
