package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// BackupInfo says what a backup holds, and what the rotation after a
// scheduled one did.
type BackupInfo struct {
	Path         string
	Bytes        int64
	Cases        int
	Installation string // the copy's own installation id
	Original     string // the installation id of the database copied

	// Removed lists the older scheduled backups the rotation removed.
	Removed []string
	// Forgotten lists the records of older backups the rotation dropped
	// without removing anything, each with the reason: the file at the
	// path is not (or no longer) the one the helpdesk wrote.
	Forgotten []ForgottenBackup
}

// ForgottenBackup is a backup record that no longer names a file the
// helpdesk may remove, and why.
type ForgottenBackup struct {
	Path string
	Why  string
}

// Backup writes a consistent copy of the database to path while the
// helpdesk runs (SQLite's VACUUM INTO reads one snapshot; writers go on),
// then checks it: it passes PRAGMA integrity_check and opens as a store.
// The copy gets an installation id of its own: a helpdesk restored from it
// never gives the platforms the keys this database gave, so it cannot be
// handed this database's posts as its own (see migration 0003). It knows no
// scheduled backups (see ScheduledBackup): a restored helpdesk never
// removes the backups its original wrote.
//
// path must not exist, not even as a symbolic link: the copy is made in a
// directory of its own next to path and linked into place at the end
// (link(2) neither follows nor replaces what is there), so a link planted
// at path is never written through. A failed backup leaves nothing at path.
// The copy is readable by its owner only.
func (s *Store) Backup(ctx context.Context, path string) (BackupInfo, error) {
	info, _, err := s.backup(ctx, path, nil)
	return info, err
}

// ScheduledBackup is Backup, recorded in this database as a scheduled
// backup, followed by the rotation of path's directory: of the scheduled
// backups this database recorded there, the newest keep stay (the one just
// written among them) and the older ones are removed. Rotation never reads
// a directory: it removes only a file it recorded, and only when that is
// still the very file it wrote — the same device and inode, size and
// SHA-256 — and not the database the store runs on. A record whose file is
// gone or is another file now is dropped and the file left alone. The
// returned info lists both; an error after the backup was written comes
// with its info.
func (s *Store) ScheduledBackup(ctx context.Context, path string, keep int) (BackupInfo, error) {
	if keep < 1 {
		return BackupInfo{Path: path}, fmt.Errorf("backup to %s: keep %d, not at least 1", path, keep)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return BackupInfo{Path: path}, fmt.Errorf("backup to %s: %w", path, err)
	}
	info, _, err := s.backup(ctx, path, func(id fileID) error {
		// Recorded before the copy is linked into place: the helpdesk
		// never holds a backup it has no record of. A record whose link
		// then fails is dropped; one left by a crash names a file that
		// is not there or not this one, and is dropped by the rotation
		// (or replaced here, by a backup to the same path).
		_, err := s.w.ExecContext(ctx, `INSERT INTO backups (path, dir, written_at, bytes, dev, ino, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (path) DO UPDATE SET dir = excluded.dir, written_at = excluded.written_at,
				bytes = excluded.bytes, dev = excluded.dev, ino = excluded.ino, sha256 = excluded.sha256`, abs, filepath.Dir(abs), encTime(s.now()), id.size, int64(id.dev), int64(id.ino), id.sum)
		if err != nil {
			return fmt.Errorf("record the backup: %w", busyErr(err))
		}
		return nil
	})
	if err != nil {
		return info, err
	}
	if err := s.rotate(ctx, filepath.Dir(abs), keep, &info); err != nil {
		return info, fmt.Errorf("rotate the backups in %s: %w", filepath.Dir(path), err)
	}
	return info, nil
}

// fileID is what proves that a file is the one the helpdesk wrote.
type fileID struct {
	dev, ino uint64 // zero where the system does not tell
	size     int64
	sum      string // SHA-256 of the content, in hex
}

// backup writes the checked copy into a private temporary directory next
// to path, calls record (when not nil) with the copy's identity and links
// it into place.
func (s *Store) backup(ctx context.Context, path string, record func(fileID) error) (BackupInfo, fileID, error) {
	var forget func() error
	if record != nil {
		forget = func() error {
			abs, _ := filepath.Abs(path)
			_, err := s.w.ExecContext(context.WithoutCancel(ctx), `DELETE FROM backups WHERE path = ?`, abs)
			return err
		}
	}
	info, id, err := writeLinked(path, func(tmp string, info *BackupInfo) error {
		return writeCopy(ctx, s.path, tmp, path, info)
	}, record, forget)
	if err != nil {
		return info, id, fmt.Errorf("backup to %s: %w", path, err)
	}
	return info, id, nil
}

// Adopt writes a checked copy of the database file at from — one
// restored by Litestream, or copied by hand, with its -wal beside it if it
// has one — to path, as Backup writes its copies: one file, checked, with
// an installation id of its own, no records of the original's backups, and
// the file it is recorded as its placement (see Moved); path must not
// exist. from is only read.
func Adopt(ctx context.Context, from, path string) (BackupInfo, error) {
	if _, err := os.Stat(from); err != nil {
		return BackupInfo{Path: path}, fmt.Errorf("restore %s: %w", from, err)
	}
	src, err := filepath.Abs(from)
	if err != nil {
		return BackupInfo{Path: path}, fmt.Errorf("restore %s: %w", from, err)
	}
	info, _, err := writeLinked(path, func(tmp string, info *BackupInfo) error {
		return writeCopy(ctx, src, tmp, path, info)
	}, nil, nil)
	if err != nil {
		return info, fmt.Errorf("restore %s to %s: %w", from, path, err)
	}
	return info, nil
}

// writeLinked has write make the copy in a private temporary directory
// next to path, calls record (when not nil) with the copy's identity and
// links it into place; when the link fails, forget (when not nil) undoes
// the record.
func writeLinked(path string, write func(tmp string, info *BackupInfo) error, record func(fileID) error, forget func() error) (BackupInfo, fileID, error) {
	info := BackupInfo{Path: path}
	if _, err := os.Lstat(path); err == nil {
		return info, fileID{}, errors.New("the file exists")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return info, fileID{}, err
	}
	// The directory is new and the helpdesk's alone (mode 0700): nothing
	// can be planted in it. An absolute name keeps SQLite from reading a
	// name that begins with "file:" as a URI.
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return info, fileID{}, err
	}
	tmpDir, err := os.MkdirTemp(dir, ".helpdesk-backup-")
	if err != nil {
		return info, fileID{}, err
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "backup.db")

	if err := write(tmp, &info); err != nil {
		return info, fileID{}, err
	}
	id, err := identify(tmp, nil)
	if err != nil {
		return info, fileID{}, err
	}
	info.Bytes = id.size
	if record != nil {
		if err := record(id); err != nil {
			return info, id, err
		}
	}
	if err := os.Link(tmp, path); err != nil {
		if forget != nil {
			if ferr := forget(); ferr != nil {
				err = errors.Join(err, fmt.Errorf("forget the record: %w", ferr))
			}
		}
		if errors.Is(err, fs.ErrExist) {
			return info, id, errors.New("the file exists")
		}
		return info, id, err
	}
	return info, id, nil
}

// writeCopy makes the checked copy of the database at src at tmp, a name
// in a directory of the helpdesk's own, to be linked to path, and fills in
// info's cases and installation.
func writeCopy(ctx context.Context, src, tmp, path string, info *BackupInfo) error {
	// The read pool is query_only, and the writer must not wait for the
	// copy: a connection of its own reads the snapshot.
	from, err := sql.Open("sqlite", src+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer from.Close()
	if _, err := from.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
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
		err = dst.QueryRowContext(ctx, `SELECT id FROM installation`).Scan(&info.Original)
	}
	if err == nil {
		_, err = dst.ExecContext(ctx, `UPDATE installation SET id = lower(hex(randomblob(10)))`)
	}
	if err == nil {
		// The copy's records of scheduled backups are the original's:
		// a helpdesk restored from it did not write those.
		_, err = dst.ExecContext(ctx, `DELETE FROM backups`)
	}
	if err == nil {
		// The copy is this file, which is linked into place: moved
		// there (renamed), it keeps the id it has just been given; copied,
		// the copy takes another (see Moved).
		var p placed
		if p, err = here(tmp); err == nil {
			err = writePlacement(ctx, dst, p)
		}
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
	if err == nil {
		// Opened as a store, it recorded the name it was opened by; it
		// is to be known by the name it is linked to.
		var abs string
		if abs, err = filepath.Abs(path); err == nil {
			_, err = dst.ExecContext(ctx, `UPDATE placement SET path = ?`, abs)
		}
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("end the copy's WAL: %w", err)
	}
	return nil
}

// identify reads the identity of the regular file at path, opened without
// following a symbolic link. When want is not nil, the file opened must be
// the one want describes (os.SameFile), so that what is hashed is what was
// looked at.
func identify(path string, want fs.FileInfo) (fileID, error) {
	f, err := openNoFollow(path)
	if err != nil {
		return fileID{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileID{}, err
	}
	if !st.Mode().IsRegular() {
		return fileID{}, fmt.Errorf("%s is not a regular file", path)
	}
	if want != nil && !os.SameFile(st, want) {
		return fileID{}, fmt.Errorf("%s changed while it was read", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileID{}, fmt.Errorf("read %s: %w", path, err)
	}
	dev, ino := devIno(st)
	return fileID{dev: dev, ino: ino, size: n, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// rotate removes the scheduled backups recorded in dir beyond the newest
// keep that are still the files written, and drops the records of those
// that are not.
func (s *Store) rotate(ctx context.Context, dir string, keep int, info *BackupInfo) error {
	type record struct {
		path     string
		id       fileID
		dev, ino int64
	}
	rows, err := s.w.QueryContext(ctx, `SELECT path, bytes, dev, ino, sha256 FROM backups
		WHERE dir = ? ORDER BY written_at DESC, path DESC`, dir)
	if err != nil {
		return fmt.Errorf("read the backup records: %w", busyErr(err))
	}
	var recs []record
	for rows.Next() {
		var r record
		if err := rows.Scan(&r.path, &r.id.size, &r.dev, &r.ino, &r.id.sum); err != nil {
			rows.Close()
			return fmt.Errorf("read the backup records: %w", err)
		}
		r.id.dev, r.id.ino = uint64(r.dev), uint64(r.ino)
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the backup records: %w", busyErr(err))
	}

	live, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("the database file: %w", err)
	}
	forget := func(path, why string) error {
		if _, err := s.w.ExecContext(ctx, `DELETE FROM backups WHERE path = ?`, path); err != nil {
			return fmt.Errorf("drop the record of %s: %w", path, busyErr(err))
		}
		if why != "" {
			info.Forgotten = append(info.Forgotten, ForgottenBackup{Path: path, Why: why})
		}
		return nil
	}
	kept := 0
	for _, r := range recs {
		st, err := os.Lstat(r.path)
		var why string
		switch {
		case errors.Is(err, fs.ErrNotExist):
			why = "the file is gone"
		case err != nil:
			return fmt.Errorf("look at %s: %w", r.path, err)
		case !st.Mode().IsRegular():
			why = "not a regular file now"
		case os.SameFile(st, live):
			why = "it is the database the helpdesk runs on"
		case st.Size() != r.id.size || !sameDevIno(st, r.id):
			why = "another file now"
		}
		if why != "" {
			if err := forget(r.path, why); err != nil {
				return err
			}
			continue
		}
		if kept < keep {
			kept++
			continue
		}
		id, err := identify(r.path, st)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			why = "the file is gone"
		case err != nil:
			return fmt.Errorf("read %s: %w", r.path, err)
		case id != r.id:
			why = "its content changed since it was written"
		}
		if why == "" {
			if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove an old backup: %w", err)
			}
			info.Removed = append(info.Removed, r.path)
		}
		if err := forget(r.path, why); err != nil {
			return err
		}
	}
	return nil
}

// sameDevIno reports whether st is the file id was read from, where the
// system tells device and inode; elsewhere the size and content decide.
func sameDevIno(st fs.FileInfo, id fileID) bool {
	dev, ino := devIno(st)
	return dev == id.dev && ino == id.ino
}
