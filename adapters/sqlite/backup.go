package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
// handed this database's posts as its own (see migration 0003). path must
// not exist; a failed backup leaves nothing there.
func (s *Store) Backup(ctx context.Context, path string) (BackupInfo, error) {
	info := BackupInfo{Path: path}
	if _, err := os.Stat(path); err == nil {
		return info, fmt.Errorf("backup to %s: the file exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(path)
		}
	}()
	// The read pool is query_only, and the writer must not wait for the
	// copy: a connection of its own reads the snapshot.
	src, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, busyErr(err))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return info, fmt.Errorf("backup to %s: %w", path, err)
	}
	dst, err := sql.Open("sqlite", path)
	if err != nil {
		return info, fmt.Errorf("check the backup: %w", err)
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
		return info, fmt.Errorf("check the backup %s: %w", path, err)
	}
	restored, err := Open(ctx, path)
	if err != nil {
		return info, fmt.Errorf("the backup %s does not open as a store: %w", path, err)
	}
	defer restored.Close()
	if err := restored.r.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&info.Cases); err != nil {
		return info, fmt.Errorf("count the cases of the backup: %w", err)
	}
	if err := restored.r.QueryRowContext(ctx, `SELECT id FROM installation`).Scan(&info.Installation); err != nil {
		return info, fmt.Errorf("read the backup's installation id: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	info.Bytes = st.Size()
	ok = true
	return info, nil
}
