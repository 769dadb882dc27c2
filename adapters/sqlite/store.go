// Package sqlite implements the helpdesk's Store port on SQLite, through
// the pure-Go driver modernc.org/sqlite.
//
// A Store holds two connection pools on one database file in WAL mode: a
// single writer, on which every Update runs as a BEGIN IMMEDIATE
// transaction, and a few read-only connections for View. With one writer,
// concurrent Update calls queue in Go rather than fighting over the file
// lock; only another process holding the lock longer than the busy timeout
// makes an Update fail, with an error that wraps bot.ErrBusy.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wmse/helpdesk/bot"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultBusyTimeout is how long a transaction waits for a lock that another
// process holds before the store reports bot.ErrBusy.
const DefaultBusyTimeout = 5 * time.Second

// readers is the size of the read-only pool that serves View.
const readers = 4

// Options tune a Store. The zero value gives the defaults.
type Options struct {
	// BusyTimeout is how long to wait for a lock held by another process;
	// zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Clock stamps the bookkeeping times the Tx methods are not given
	// (when a timer fired, an item was done); nil means the system clock.
	Clock bot.Clock
	// Observe, when set, is told of every transaction once it ended: a
	// write (Update) or not (View), how long it took from asking for a
	// connection to the commit or rollback, and whether SQLite said the
	// database was locked (the error wraps bot.ErrBusy). It must be cheap.
	Observe func(write bool, took time.Duration, busy bool)
}

// Store is the helpdesk's state in one SQLite file. It is safe for
// concurrent use.
type Store struct {
	w      *sql.DB // the one writer
	r      *sql.DB // read-only pool
	wStmts *stmtCache
	rStmts *stmtCache
	now    func() time.Time
	path   string
	obs    func(write bool, took time.Duration, busy bool)
	moved  *Moved // see Moved
}

var _ bot.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, a file name, and
// brings its schema up to date. It uses the default Options.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opt Options) (*Store, error) {
	// The driver reads everything after the first '?' as parameters, and
	// an in-memory database would differ between the two pools.
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil, fmt.Errorf("open store: %q is not a plain file name", path)
	}
	if err := prepareFile(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	s := &Store{now: time.Now, path: path}
	if opt.Clock != nil {
		s.now = opt.Clock.Now
	}
	s.obs = opt.Observe

	// busy_timeout comes first so that the pragmas after it wait for a lock
	// rather than fail. _txlock=immediate makes every read-write
	// transaction take the write lock at BEGIN: a deferred transaction that
	// reads and then writes can fail with SQLITE_BUSY at once, whatever the
	// timeout. _time_format=sqlite writes any time.Time the driver is given
	// in a form SQLite's date functions read (this package passes strings).
	pragmas := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busy.Milliseconds()),
		"_pragma=foreign_keys(1)",
		"_time_format=sqlite",
	}
	w, err := openDB(ctx, path, slices.Concat(pragmas, []string{
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		// What is deleted or overwritten is overwritten with zeros in
		// the file, not only unlinked: an erasure (erase.go) leaves no
		// words of the person in free pages of the database.
		"_pragma=secure_delete(1)",
		"_txlock=immediate",
	}))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	s.w = w
	if err := s.check(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Before anything reads the installation id: a copy or a restored
	// database takes its own here.
	if err := s.place(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}

	r, err := openDB(ctx, path, slices.Concat(pragmas, []string{"_pragma=query_only(1)"}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open store %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	s.r = r
	s.wStmts, s.rStmts = newStmtCache(w), newStmtCache(r)
	return s, nil
}

// openDB opens a pool on path with the given DSN parameters; the driver
// runs the _pragma ones on every new connection, in order.
func openDB(ctx context.Context, path string, params []string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+strings.Join(params, "&"))
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, unusable(busyErr(err))
	}
	return db, nil
}

// Close closes the database. Transactions still running fail.
func (s *Store) Close() error {
	s.rStmts.close()
	s.wStmts.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// Update runs fn in one write transaction, committed when fn returns nil
// and rolled back otherwise; fn's error is then returned unchanged. fn must
// not keep the Tx after it returns, nor call Update itself (the writer is
// single, so that would wait forever). An error that wraps bot.ErrBusy
// means another process held the database longer than the busy timeout.
func (s *Store) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.run(ctx, s.w, s.wStmts, nil, fn)
}

// View runs fn on a consistent read-only snapshot of the store. Write
// methods of the Tx fail. fn must not keep the Tx after it returns.
func (s *Store) View(ctx context.Context, fn func(bot.Tx) error) error {
	return s.run(ctx, s.r, s.rStmts, &sql.TxOptions{ReadOnly: true}, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, stmts *stmtCache, opts *sql.TxOptions, fn func(bot.Tx) error) error {
	var start time.Time
	if s.obs != nil {
		start = time.Now()
	}
	err := s.runTx(ctx, db, stmts, opts, fn)
	if s.obs != nil {
		// Measured on the wall clock, whatever clock the store stamps with.
		s.obs(opts == nil, time.Since(start), err != nil && errors.Is(err, bot.ErrBusy))
	}
	// The connection is back in the pool: prepare what the transaction
	// ran unprepared, for the next ones.
	stmts.prepareWanted(context.WithoutCancel(ctx))
	return err
}

func (s *Store) runTx(ctx context.Context, db *sql.DB, stmts *stmtCache, opts *sql.TxOptions, fn func(bot.Tx) error) error {
	what := "update"
	if opts != nil && opts.ReadOnly {
		what = "view"
	}
	// Waiting for our own pool is not being busy: take a connection first,
	// so that a context that ends during BEGIN (IMMEDIATE) is known to have
	// ended waiting for a lock that another process holds.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return fmt.Errorf("begin %s: %w: %w", what, bot.ErrBusy, err)
		}
		return fmt.Errorf("begin %s: %w", what, busyErr(err))
	}
	// Rolls back when fn fails or panics (the panic goes on); after a
	// commit it does nothing.
	defer stx.Rollback()
	if err := fn(&tx{ctx: ctx, tx: stx, now: s.now, stmts: stmts}); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit %s: %w", what, busyErr(err))
	}
	return nil
}

// migrate applies, in name order, the embedded migrations not yet recorded
// in schema_migrations, each in its own transaction. When every migration
// has been applied it takes no write lock, so that opening the store while
// another process writes does not wait.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	applied, err := s.applied(ctx)
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", busyErr(err))
	}
	for name := range applied {
		if !slices.Contains(names, name) {
			return fmt.Errorf("the database was made by a newer release of the helpdesk (it has %s, which this release does not know): run that release or a later one, or a backup made by this one", name)
		}
	}
	for _, name := range names {
		if applied[name] {
			continue
		}
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// check refuses a file that is not a sound SQLite database before anything
// is written to it: a damaged file, or another kind of file, would fail
// every command later with errors nobody can act on.
func (s *Store) check(ctx context.Context) error {
	var res string
	err := s.w.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res)
	if err != nil {
		return fmt.Errorf("check the database: %w", unusable(busyErr(err)))
	}
	if res != "ok" {
		return fmt.Errorf("the database is damaged (%.200s): restore a backup", res)
	}
	return nil
}

// unusable says what to do about a file SQLite cannot read as a database.
func unusable(err error) error {
	if code, ok := sqliteCode(err); ok && (code&0xff == sqlite3.SQLITE_NOTADB || code&0xff == sqlite3.SQLITE_CORRUPT) {
		return fmt.Errorf("the file is not a helpdesk database, or it is damaged: restore a backup (%w)", err)
	}
	return err
}

// applied returns the names of the migrations already applied.
func (s *Store) applied(ctx context.Context) (map[string]bool, error) {
	var n int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema
		WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := s.w.QueryContext(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		done[name] = true
	}
	return done, rows.Err()
}

func (s *Store) migrateFile(ctx context.Context, name string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return busyErr(err)
	}
	defer tx.Rollback()

	// Checked again inside the write transaction, so that two processes
	// opening the same new file apply each migration once.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return busyErr(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return busyErr(err)
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return busyErr(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, encTime(s.now())); err != nil {
		return busyErr(err)
	}
	return busyErr(tx.Commit())
}

// busyErr adds bot.ErrBusy to an error by which SQLite says the database
// is locked (SQLITE_BUSY or SQLITE_LOCKED, with any extended code).
func busyErr(err error) error {
	if code, ok := sqliteCode(err); ok {
		switch code & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: %w", bot.ErrBusy, err)
		}
	}
	return err
}

// sqliteCode returns the extended result code of a SQLite error.
func sqliteCode(err error) (int, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}

// timeLayout stores times in UTC with a fixed width, so that they sort as
// text in the order of time and SQLite's date functions can read them.
const timeLayout = "2006-01-02 15:04:05.000000000Z"

func encTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime encodes t, or NULL for the zero time (a column that may have no
// time).
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return encTime(t)
}

func decTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("read time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// timeCol scans a time column into a time.Time (UTC); NULL leaves the zero
// time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
		return nil
	case string:
		t, err := decTime(v)
		*c.t = t
		return err
	case []byte:
		t, err := decTime(string(v))
		*c.t = t
		return err
	case time.Time:
		*c.t = v.UTC()
		return nil
	}
	return fmt.Errorf("read time: unexpected %T", src)
}

// Path is the database's file name, as it was opened.
func (s *Store) Path() string { return s.path }

// LastActivity is the latest time the database recorded something
// happening: an event, a timer that fired. The shell's clock, which /wait
// moves on, starts there when it is later than now, so that a shell
// started again on the same file goes on from where it was.
func (s *Store) LastActivity(ctx context.Context) (time.Time, error) {
	var last time.Time
	err := s.View(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		var ev, fired sql.NullString
		if err := t.queryRow(`SELECT max(at) FROM events`).Scan(&ev); err != nil {
			return err
		}
		if err := t.queryRow(`SELECT max(fired_at) FROM timers`).Scan(&fired); err != nil {
			return err
		}
		for _, v := range []sql.NullString{ev, fired} {
			if !v.Valid {
				continue
			}
			at, err := decTime(v.String)
			if err != nil {
				return err
			}
			if at.After(last) {
				last = at
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("last activity: %w", dbErr(err))
	}
	return last, nil
}
