package mirror

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaVersion is the version of the tables this package writes. A
// database with a newer version is refused, as this build would not
// understand it.
const SchemaVersion = 1

// toolMarker is the value of the meta table's "tool" key: it tells a mirror
// from a database another program wrote.
const toolMarker = "capsule-mirror"

// metaTable holds the tool marker, the schema version, the change feeds'
// cursors and the progress of full reads.
const metaTable = "mirror_meta"

// DeletedTable is the table of deleted records: (record_type, id,
// deleted_at).
const DeletedTable = "deleted_records"

// DefaultDSN is the database a sync writes when none is given.
const DefaultDSN = "sqlite:capsule.db"

// Errors of Open and Sync, for errors.Is.
var (
	// ErrUnknownDriver is a DSN that names neither SQLite nor PostgreSQL.
	ErrUnknownDriver = errors.New("unknown database driver")
	// ErrForeignDatabase is a database that has tables but is not a mirror.
	ErrForeignDatabase = errors.New("not a capsule mirror")
	// ErrNewerSchema is a mirror written by a newer version of this tool.
	ErrNewerSchema = errors.New("mirror written by a newer version")
	// ErrBusy is a mirror another sync is writing.
	ErrBusy = errors.New("another sync is running on this database")
)

// Store is a mirror database: SQLite or PostgreSQL. Open one with Open.
// Both implementations share the SQL; their differences are in dialect.
type Store interface {
	// Driver is "sqlite" or "postgres".
	Driver() string
	// DB is the database, for reading the mirror.
	DB() *sql.DB
	// Close closes the database.
	Close() error

	base() *store
}

// store is what both implementations share.
type store struct {
	db *sql.DB
	d  *dialect
	// lock takes the database's sync lock, or returns ErrBusy; the
	// function it returns releases it.
	lock func(ctx context.Context) (func(), error)
	// prepare, when set, readies the database for writing, once locked.
	prepare func(ctx context.Context, db *sql.DB) error

	// stmts are the inserts prepared for the sync under way, by table
	// name (see prepareInserts); closed when it ends.
	stmts map[string]*sql.Stmt
}

func (s *store) DB() *sql.DB    { return s.db }
func (s *store) Close() error   { return s.db.Close() }
func (s *store) Driver() string { return s.d.name }
func (s *store) base() *store   { return s }

// Open opens the mirror at dsn: "sqlite:PATH" (created when missing) or
// "postgres://..." / "postgresql://..." (pgx's DSN; a search_path parameter
// picks the schema). "" is DefaultDSN. Open checks that the database is
// reachable and is empty or a mirror of a schema version this package
// knows, and changes nothing in it: a foreign or newer database is refused
// untouched (ErrForeignDatabase, ErrNewerSchema).
func Open(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	var (
		s   Store
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(ctx, dsn)
	default:
		scheme, _, ok := strings.Cut(dsn, ":")
		if !ok {
			scheme = dsn
		}
		return nil, fmt.Errorf("%w %q: use sqlite:PATH or postgres://USER@HOST/DB", ErrUnknownDriver, scheme)
	}
	if err != nil {
		return nil, err
	}
	if err := s.base().check(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// redactDSN is dsn without its password, for messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL DSN"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// oneLine folds a driver's message onto one line.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// check refuses a database that is not an empty database or a mirror this
// version knows. It only reads.
func (s *store) check(ctx context.Context) error {
	tables, err := s.tables(ctx)
	if err != nil {
		return fmt.Errorf("reading the database: %s", oneLine(err))
	}
	if len(tables) == 0 {
		return nil
	}
	if !tables[metaTable] {
		return fmt.Errorf("%w: the database has tables but no %s table; use an empty database or one written by capsule sync", ErrForeignDatabase, metaTable)
	}
	meta, err := s.readMeta(ctx, s.db)
	if err != nil {
		return fmt.Errorf("reading %s: %s", metaTable, oneLine(err))
	}
	if meta["tool"] != toolMarker {
		return fmt.Errorf("%w: %s says it was written by %q", ErrForeignDatabase, metaTable, meta["tool"])
	}
	v, err := strconv.Atoi(meta["schema_version"])
	if err != nil {
		return fmt.Errorf("%w: schema version %q is not a number", ErrForeignDatabase, meta["schema_version"])
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: schema version %d, this capsule knows %d; upgrade capsule", ErrNewerSchema, v, SchemaVersion)
	}
	return nil
}

// tables returns the names of the tables in the database (its current
// schema for PostgreSQL).
func (s *store) tables(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, s.d.tablesQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// columns returns the columns of a table and their kinds (-1 for a type
// the mirror does not write); nil when the table does not exist.
func (s *store) columns(ctx context.Context, table string) (map[string]Kind, error) {
	rows, err := s.db.QueryContext(ctx, s.d.columnsQuery(table), s.d.columnsArgs(table)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out map[string]Kind
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]Kind{}
		}
		out[name] = s.d.kindOf(typ)
	}
	return out, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *store) readMeta(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM `+metaTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func (s *store) setMeta(ctx context.Context, q querier, key, value string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO `+metaTable+` (key, value) VALUES (`+s.d.param(1)+`, `+s.d.param(2)+
		`) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func (s *store) deleteMeta(ctx context.Context, q querier, key string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM `+metaTable+` WHERE key = `+s.d.param(1), key)
	return err
}

// createBase creates the meta and deleted_records tables and marks the
// database as a mirror.
func (s *store) createBase(ctx context.Context) error {
	if s.prepare != nil {
		if err := s.prepare(ctx, s.db); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *txn) error {
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + metaTable + ` (key ` + s.d.types[KindText] + ` PRIMARY KEY, value ` + s.d.types[KindText] + ` NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS ` + DeletedTable + ` (record_type ` + s.d.types[KindText] + ` NOT NULL, id ` + s.d.types[KindInt] +
				` NOT NULL, deleted_at ` + s.d.types[KindTime] + `, PRIMARY KEY (record_type, id))`,
		}
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return err
			}
		}
		if err := s.setMeta(ctx, tx, "tool", toolMarker); err != nil {
			return err
		}
		return s.setMeta(ctx, tx, "schema_version", strconv.Itoa(SchemaVersion))
	})
}

// ensureTable creates t, or adds the columns it lacks.
func (s *store) ensureTable(ctx context.Context, tx *txn, t *Table, existing map[string]Kind) error {
	q := s.d.quote
	if existing == nil {
		var b strings.Builder
		b.WriteString("CREATE TABLE IF NOT EXISTS " + q(t.Name) + " (")
		for i, c := range t.Columns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(q(c.Name) + " " + s.d.types[c.Kind])
			if slices.Contains(t.Key, c.Name) {
				b.WriteString(" NOT NULL")
			}
		}
		keys := make([]string, len(t.Key))
		for i, k := range t.Key {
			keys[i] = q(k)
		}
		b.WriteString(", PRIMARY KEY (" + strings.Join(keys, ", ") + "))")
		b.WriteString(s.d.tableOptions(t))
		_, err := tx.ExecContext(ctx, b.String())
		return err
	}
	for _, c := range t.Columns {
		if _, ok := existing[c.Name]; ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+q(t.Name)+" ADD COLUMN "+q(c.Name)+" "+s.d.types[c.Kind]); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *store) inTx(ctx context.Context, fn func(tx *txn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Rolled back however fn ends, a panic included: closing the
	// connection under an open transaction would wait for it forever.
	defer tx.Rollback()
	if err := fn(&txn{Tx: tx, conn: conn}); err != nil {
		return err
	}
	return tx.Commit()
}

// txn is a transaction and the connection it runs on, for the driver's
// own bulk path (PostgreSQL's COPY) inside the transaction.
type txn struct {
	*sql.Tx
	conn *sql.Conn
}

// deleteIDs deletes the rows whose column is one of ids from each of the
// tables (name → id column), in one round trip: the ids are integers, so
// they are written into the statements, which then need no parameters and
// may go together.
func (s *store) deleteIDs(ctx context.Context, tx *txn, tables [][2]string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list := idList(ids)
	var b strings.Builder
	for _, t := range tables {
		b.WriteString("DELETE FROM " + s.d.quote(t[0]) + " WHERE " + s.d.quote(t[1]) + " IN (" + list + ");")
	}
	_, err := tx.ExecContext(ctx, b.String())
	return err
}

// presentIDs returns those of ids that are in table's id column.
func (s *store) presentIDs(ctx context.Context, tx *txn, table string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT id FROM "+s.d.quote(table)+" WHERE id IN ("+idList(ids)+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// idList is ids written as SQL integers, comma-separated.
func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// writeError is a failed write into table; it keeps the driver's error
// for errors.As (SQLite's conflict test).
type writeError struct {
	table string
	err   error
}

func (e *writeError) Error() string { return "writing " + e.table + ": " + oneLine(e.err) }
func (e *writeError) Unwrap() error { return e.err }

// insert writes rows (values in t's column order) into t: in PostgreSQL by
// COPY, in SQLite a row a statement, through an insert prepared once for
// the whole sync (SQLite is in the process: a row costs a call, not a
// round trip, and a statement of many rows would be parsed again at each
// page).
func (s *store) insert(ctx context.Context, tx *txn, t *Table, rows [][]any) error {
	if s.d.copy != nil {
		names := t.ColumnNames()
		vals := make([][]any, len(rows))
		for i, row := range rows {
			v := make([]any, len(row))
			for j, x := range row {
				v[j] = s.d.value(t.Columns[j].Kind, x)
			}
			vals[i] = v
		}
		if err := s.d.copy(ctx, tx.conn, t.Name, names, vals); err != nil {
			return &writeError{t.Name, err}
		}
		return nil
	}
	stmt, err := s.insertStmt(ctx, tx, t)
	if err != nil {
		return &writeError{t.Name, err}
	}
	// The rows are executed without the cancellation, which the driver
	// would watch with a goroutine a statement; the loop checks it instead.
	run := context.WithoutCancel(ctx)
	args := make([]any, len(t.Columns))
	for _, row := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		for j, v := range row {
			args[j] = s.d.value(t.Columns[j].Kind, v)
		}
		if _, err := stmt.ExecContext(run, args...); err != nil {
			return &writeError{t.Name, err}
		}
	}
	return nil
}

// insertSQL is the insert of a row into t. It names the columns, so that a
// table whose columns in the database are in another order (one kept for a
// removed custom field, one added later) takes the same rows.
func (s *store) insertSQL(t *Table) string {
	cols := make([]string, len(t.Columns))
	marks := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i], marks[i] = s.d.quote(c.Name), s.d.param(i+1)
	}
	return "INSERT INTO " + s.d.quote(t.Name) + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
}

// prepareInserts prepares the inserts of tables for the sync under way,
// outside any transaction (the pool has one connection, which a
// transaction holds); each transaction then runs them on its connection
// without parsing them again.
func (s *store) prepareInserts(ctx context.Context, tables []*Table) error {
	if s.d.copy != nil {
		return nil
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	for _, t := range tables {
		if _, ok := s.stmts[t.Name]; ok {
			continue
		}
		st, err := s.db.PrepareContext(ctx, s.insertSQL(t))
		if err != nil {
			return fmt.Errorf("preparing the insert into %s: %s", t.Name, oneLine(err))
		}
		s.stmts[t.Name] = st
	}
	return nil
}

// insertStmt is the insert into t for the transaction tx: the one
// prepareInserts prepared, or one prepared now for tx alone.
func (s *store) insertStmt(ctx context.Context, tx *txn, t *Table) (*sql.Stmt, error) {
	if st, ok := s.stmts[t.Name]; ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, s.insertSQL(t))
}

// closeStmts closes the statements prepareInserts prepared.
func (s *store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
}

// dialect is everything that differs between SQLite and PostgreSQL.
type dialect struct {
	name string
	// types are the SQL types of the kinds.
	types map[Kind]string
	// copy, when set, writes many rows at once by the driver's bulk path
	// on the transaction's connection.
	copy func(ctx context.Context, conn *sql.Conn, table string, cols []string, rows [][]any) error
	// tableOptions ends the CREATE TABLE of t.
	tableOptions func(t *Table) string
	// param is the i-th (from 1) placeholder.
	param func(i int) string
	// value converts a column's value to what the driver stores.
	value func(k Kind, v any) any
	// tablesQuery lists the tables.
	tablesQuery string
	// columnsQuery lists (name, type) of a table's columns.
	columnsQuery func(table string) string
	columnsArgs  func(table string) []any
	// kindOf maps a catalog type name back to a kind (-1 if none).
	kindOf func(typ string) Kind
	// conflict, when set, reports whether an insert's error is a row whose
	// key is already in the table, after which the transaction goes on (in
	// SQLite it undoes only the failed statement; PostgreSQL aborts the
	// whole transaction, so it has none).
	conflict func(err error) bool
}

func (d *dialect) quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

var sqliteDialect = &dialect{
	name: "sqlite",
	// A child table's key is two columns: without a rowid its rows are
	// kept in the key's b-tree alone, not in a rowid b-tree and a key
	// index both (about 7% off the write). A mirror made before keeps its
	// rowid tables, which hold the same rows.
	tableOptions: func(t *Table) string {
		if len(t.Key) > 1 {
			return " WITHOUT ROWID"
		}
		return ""
	},
	types: map[Kind]string{KindText: "TEXT", KindInt: "INTEGER", KindNumber: "REAL", KindBool: "BOOLEAN", KindTime: "TIMESTAMP", KindDate: "DATE"},
	param: func(int) string { return "?" },
	value: func(k Kind, v any) any {
		switch x := v.(type) {
		case time.Time:
			// ISO 8601 text, which sorts and compares as time.
			return x.UTC().Format(time.RFC3339Nano)
		case bool:
			if x {
				return int64(1)
			}
			return int64(0)
		}
		return v
	},
	conflict: func(err error) bool {
		var se *sqlite.Error
		return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	},
	tablesQuery:  `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
	columnsQuery: func(string) string { return `SELECT name, type FROM pragma_table_info(?)` },
	columnsArgs:  func(t string) []any { return []any{t} },
	kindOf: func(typ string) Kind {
		switch strings.ToUpper(typ) {
		case "TEXT":
			return KindText
		case "INTEGER":
			return KindInt
		case "REAL":
			return KindNumber
		case "BOOLEAN":
			return KindBool
		case "TIMESTAMP":
			return KindTime
		case "DATE":
			return KindDate
		}
		return -1
	},
}

var postgresDialect = &dialect{
	name:         "postgres",
	tableOptions: func(*Table) string { return "" },
	types:        map[Kind]string{KindText: "text", KindInt: "bigint", KindNumber: "numeric", KindBool: "boolean", KindTime: "timestamptz", KindDate: "date"},
	param:        func(i int) string { return "$" + strconv.Itoa(i) },
	value: func(k Kind, v any) any {
		// COPY sends dates in binary: as the time of their midnight.
		if s, ok := v.(string); ok && k == KindDate {
			if t, err := time.Parse(time.DateOnly, s); err == nil {
				return t
			}
		}
		return v
	},
	copy: pgCopy,
	tablesQuery: `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
	columnsQuery: func(string) string {
		return `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`
	},
	columnsArgs: func(t string) []any { return []any{t} },
	kindOf: func(typ string) Kind {
		switch typ {
		case "text":
			return KindText
		case "bigint":
			return KindInt
		case "numeric":
			return KindNumber
		case "boolean":
			return KindBool
		case "timestamp with time zone":
			return KindTime
		case "date":
			return KindDate
		}
		return -1
	},
}
