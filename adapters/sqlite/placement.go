package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Moved says that the store was opened on a database file other than the
// one it was last opened on: a copy made by hand, a database restored by
// Litestream, or a file moved to another file system. The store gave it an
// installation id of its own (see migration 0015) before anything else
// read it, and forgot the scheduled backups its original wrote (as
// Backup's copies do): a helpdesk on it never gives a platform the keys
// the original gave, so a new post is never taken for an old one, and it
// never removes the original's backups.
type Moved struct {
	From            string // the path the database was last opened at
	OldInstallation string
	Installation    string // its own, new
	Backups         int    // records of scheduled backups forgotten
}

// Moved reports whether the store, when it was opened, found itself on a
// file other than the one it was last opened on, and what it did.
func (s *Store) Moved() (Moved, bool) {
	if s.moved == nil {
		return Moved{}, false
	}
	return *s.moved, true
}

// placed is a database file's identity, as the placement table keeps it,
// with the name it was last opened by.
type placed struct {
	path     string
	dev, ino int64
	born     int64 // ns since 1970; 0 where the system does not tell
	recorded bool
}

// same reports whether p and q are the same file: the same inode and birth
// time where both birth times are known, the same device and inode
// otherwise. The device is left out where the birth time decides: some
// file systems (an overlay) number their device anew at each mount.
func (p placed) same(q placed) bool {
	if p.born != 0 && q.born != 0 {
		return p.ino == q.ino && p.born == q.born
	}
	return p.dev == q.dev && p.ino == q.ino
}

// here is the identity of the database file at path.
func here(path string) (placed, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return placed{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return placed{}, err
	}
	dev, ino := devIno(st)
	return placed{path: abs, dev: int64(dev), ino: int64(ino), born: born(path)}, nil
}

// place compares the database file with the one recorded in it. A
// database never placed (new, or made before migration 0015) records its
// file. One on another file takes an installation id of its own and
// forgets the original's backups; the store remembers that for Moved. It
// takes the write lock only to change something, so that opening a store
// on a database another process uses does not wait.
func (s *Store) place(ctx context.Context) error {
	now, err := here(s.path)
	if err != nil {
		return fmt.Errorf("the database file: %w", err)
	}
	if now.dev == 0 && now.ino == 0 && now.born == 0 {
		return nil // nothing identifies a file here
	}
	rec, err := readPlacement(ctx, s.w)
	if err != nil {
		return fmt.Errorf("read the database's placement: %w", busyErr(err))
	}
	if rec.recorded && rec.same(now) && rec.path == now.path {
		return nil
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return busyErr(err)
	}
	defer tx.Rollback()
	// Read again under the write lock: of two processes opening a copy
	// at once, one gives it its new id.
	if rec, err = readPlacement(ctx, tx); err != nil {
		return fmt.Errorf("read the database's placement: %w", busyErr(err))
	}
	if rec.recorded && rec.same(now) && rec.path == now.path {
		return nil
	}
	var moved *Moved
	// The same file under another name (renamed, or reached by another
	// path) only has its name recorded, for the log.
	if rec.recorded && !rec.same(now) {
		m := Moved{From: rec.path}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM installation WHERE one = 1`).Scan(&m.OldInstallation); err != nil {
			return fmt.Errorf("read the installation id: %w", busyErr(err))
		}
		if err := tx.QueryRowContext(ctx, `UPDATE installation SET id = lower(hex(randomblob(10))) WHERE one = 1 RETURNING id`).Scan(&m.Installation); err != nil {
			return fmt.Errorf("give the database its own installation id: %w", busyErr(err))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM backups`)
		if err != nil {
			return fmt.Errorf("forget the original's backups: %w", busyErr(err))
		}
		n, _ := res.RowsAffected()
		m.Backups = int(n)
		moved = &m
	}
	if err := writePlacement(ctx, tx, now); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return busyErr(err)
	}
	s.moved = moved
	return nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func readPlacement(ctx context.Context, q querier) (placed, error) {
	var p placed
	err := q.QueryRowContext(ctx, `SELECT path, dev, ino, born FROM placement WHERE one = 1`).Scan(&p.path, &p.dev, &p.ino, &p.born)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	p.recorded = err == nil
	return p, err
}

func writePlacement(ctx context.Context, q querier, p placed) error {
	_, err := q.ExecContext(ctx, `INSERT INTO placement (one, path, dev, ino, born) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (one) DO UPDATE SET path = excluded.path, dev = excluded.dev, ino = excluded.ino, born = excluded.born`,
		p.path, p.dev, p.ino, p.born)
	if err != nil {
		return fmt.Errorf("record the database's placement: %w", busyErr(err))
	}
	return nil
}
