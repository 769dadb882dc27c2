package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupInfo says what a backup holds.
type BackupInfo struct {
	Path         string
	Bytes        int64
	Cases        int
	Installation string // the copy's own installation id
}

// Backup writes a consistent copy of the database to path while the
// helpdesk runs (SQLite's VACUUM INTO reads one snapshot; writers go on),
// then checks it: it passes PRAGMA integrity_check and opens as a store.
// The copy gets an installation id of its own: a helpdesk restored from it
// never gives the platforms the keys this database gave, so it cannot be
// handed this database's posts as its own (see migration 0003).
//
// path must not exist, not even as a symbolic link: the copy is made in a
// directory of its own next to path and linked into place at the end
// (link(2) neither follows nor replaces what is there), so a link planted
// at path is never written through. A failed backup leaves nothing at path.
// The copy is readable by its owner only.
func (s *Store) Backup(ctx context.Context, path string) (BackupInfo, error) {
	info := BackupInfo{Path: path}
	if _, err := os.Lstat(path); err == nil {
		return info, fmt.Errorf("backup to %s: the file exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	// The directory is new and the helpdesk's alone (mode 0700): nothing
	// can be planted in it. An absolute name keeps SQLite from reading a
	// name that begins with "file:" as a URI.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	tmpDir, err := os.MkdirTemp(dir, ".helpdesk-backup-")
	if err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "backup.db")

	if err := s.writeCopy(ctx, tmp, &info); err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	st, err := os.Lstat(tmp)
	if err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	info.Bytes = st.Size()
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return info, fmt.Errorf("backup to %s: the file exists", path)
		}
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	return info, nil
}

// writeCopy makes the checked copy at tmp, a name in a directory of the
// helpdesk's own, and fills in info's cases and installation.
func (s *Store) writeCopy(ctx context.Context, tmp string, info *BackupInfo) error {
	// The read pool is query_only, and the writer must not wait for the
	// copy: a connection of its own reads the snapshot.
	src, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return busyErr(err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	dst, err := sql.Open("sqlite", tmp)
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	var check string
	err = dst.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check)
	if err == nil && check != "ok" {
		err = fmt.Errorf("integrity check: %.200s", check)
	}
	if err == nil {
		_, err = dst.ExecContext(ctx, `UPDATE installation SET id = lower(hex(randomblob(10)))`)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	restored, err := Open(ctx, tmp)
	if err != nil {
		return fmt.Errorf("the copy does not open as a store: %w", err)
	}
	err = restored.r.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&info.Cases)
	if err == nil {
		err = restored.r.QueryRowContext(ctx, `SELECT id FROM installation`).Scan(&info.Installation)
	}
	if cerr := restored.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("read the copy: %w", err)
	}
	// Opening it as a store made it a WAL database; a backup is one file,
	// with no -wal or -shm beside it when it is opened.
	dst, err = sql.Open("sqlite", tmp)
	if err != nil {
		return err
	}
	_, err = dst.ExecContext(ctx, `PRAGMA journal_mode = DELETE`)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("end the copy's WAL: %w", err)
	}
	return nil
}
