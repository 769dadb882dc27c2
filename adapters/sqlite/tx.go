package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wmse/helpdesk/bot"
)

// tx is the bot.Tx of one Update or View. It carries the context of the
// call that opened it: the Tx methods take none, and live no longer.
type tx struct {
	ctx   context.Context
	tx    *sql.Tx
	now   func() time.Time
	stmts *stmtCache
}

var _ bot.Tx = (*tx)(nil)

// prepared returns the pool's prepared statement for query, bound to this
// transaction, or nil when it is not prepared yet.
func (t *tx) prepared(query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(t.ctx, st)
	}
	return nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.prepared(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// execN runs a statement and returns the number of rows it changed.
func (t *tx) execN(query string, args ...any) (int64, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.prepared(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.prepared(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// exists reports whether query, a SELECT of one row, finds it.
func (t *tx) exists(query string, args ...any) (bool, error) {
	var one int
	err := t.queryRow(query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// dbErr turns a database error into the port's terms: no row is
// bot.ErrNotFound, and so is a foreign key that points at no row (the case
// or group being written about does not exist); a locked database wraps
// bot.ErrBusy. Other errors come back as they are.
func dbErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return bot.ErrNotFound
	}
	if code, ok := sqliteCode(err); ok && code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return fmt.Errorf("%w: %w", bot.ErrNotFound, err)
	}
	return busyErr(err)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of rows with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// nullID stores the domain's "no case", 0, as NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// jsonCol scans a JSON text column into the value v points to.
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("read JSON: unexpected %T", src)
	}
	if s := string(b); s == "[]" || s == "{}" {
		return nil // the zero value: most members have no groups; skip the decoder
	}
	if err := json.Unmarshal(b, c.v); err != nil {
		return fmt.Errorf("read JSON: %w", err)
	}
	return nil
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
