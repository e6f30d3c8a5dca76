package mirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteStore is a mirror in an SQLite file, through modernc.org/sqlite
// (pure Go: nothing to install, no cgo).
type sqliteStore struct{ store }

func openSQLite(path string) (Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite: needs a file name, as in sqlite:capsule.db", ErrUnknownDriver)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("sqlite:%s is a directory", path)
	}
	// busy_timeout and synchronous only set how this connection works: they
	// write nothing, so a refused database stays untouched. Transactions
	// begin IMMEDIATE: a writer takes the write lock at once rather than
	// failing to upgrade a read lock. synchronous=NORMAL in WAL mode (set by
	// the sync) does not wait for the disk at each commit: a killed process
	// loses no committed transaction, and a power cut at worst the last few
	// commits, each whole with its progress, which the next run redoes.
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite:%s: %s", path, oneLine(err))
	}
	// One connection: SQLite has one writer anyway, and the pool then never
	// holds a second connection that would wait on the first.
	db.SetMaxOpenConns(1)
	s := &sqliteStore{store{db: db, d: sqliteDialect, prepare: sqliteWAL}}
	s.lock = func(ctx context.Context) (func(), error) { return lockSQLite(ctx, path) }
	return s, nil
}

// lockSQLite takes the sync lock of the mirror at path: an exclusive
// transaction held on the file path+".lock" for the whole run. SQLite locks
// files through the operating system, which releases the lock when the
// process ends however it ends (kill -9 included), so a crashed sync never
// leaves a stale lock.
func lockSQLite(ctx context.Context, path string) (func(), error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path + ".lock"}).EscapedPath())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("locking sqlite:%s: %s", path, oneLine(err))
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		conn.Close()
		db.Close()
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
			return nil, fmt.Errorf("sqlite:%s: %w", path, ErrBusy)
		}
		return nil, fmt.Errorf("locking sqlite:%s: %s", path, oneLine(err))
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}, nil
}

// sqliteWAL puts the database in WAL mode (once: the mode is kept in the
// file), where readers do not block the writer and commits are cheap.
func sqliteWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	return db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
}
