package sqlite_test

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// installationOf reads a store's installation id.
func installationOf(tb testing.TB, s *sqlite.Store) string {
	tb.Helper()
	var id string
	MustView(tb, s, func(tx bot.Tx) error {
		var err error
		id, err = tx.Installation()
		return err
	})
	return id
}

// copyDB copies a database file and its -wal, if it has one, as cp would
// while the helpdesk runs (or after it was killed).
func copyDB(tb testing.TB, from, to string) {
	tb.Helper()
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			tb.Fatal(err)
		}
		out, err := os.OpenFile(to+suffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			tb.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			tb.Fatal(err)
		}
	}
}

// openMoved opens path and returns the store with what Moved says.
func openMoved(tb testing.TB, path string) (*sqlite.Store, sqlite.Moved, bool) {
	tb.Helper()
	s := MustOpenPath(tb, path, sqlite.Options{})
	m, moved := s.Moved()
	return s, m, moved
}

// A database copied by hand while the helpdesk runs on it (or restored by
// Litestream: another file holding the same pages) takes an installation
// id of its own when it is first opened, and forgets the original's
// scheduled backups; opened again it keeps it. The original keeps its own.
func TestACopyTakesItsOwnInstallation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	orig := filepath.Join(dir, "helpdesk.db")
	s := MustOpenPath(t, orig, sqlite.Options{})
	if _, moved := s.Moved(); moved {
		t.Fatal("a new database says it was moved")
	}
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.CreateCase(newCase("shell:rita", bot.InitialReview)) })
	if err := os.Mkdir(filepath.Join(dir, "backups"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScheduledBackup(ctx, filepath.Join(dir, "backups", "b1.db"), 3); err != nil {
		t.Fatal(err)
	}
	id := installationOf(t, s)
	cp := filepath.Join(dir, "copy.db")
	copyDB(t, orig, cp) // hot: the store is open, its WAL beside it

	c, m, moved := openMoved(t, cp)
	if !moved {
		t.Fatal("a copy was not told from its original")
	}
	got := installationOf(t, c)
	if got == id || m.Installation != got || m.OldInstallation != id || m.From != orig || m.Backups != 1 {
		t.Errorf("moved %+v; installation %q, the original's %q", m, got, id)
	}
	var n int
	MustView(t, c, func(tx bot.Tx) error {
		cs, err := tx.Cases(bot.CaseFilter{})
		n = len(cs)
		return err
	})
	if n != 1 {
		t.Errorf("the copy holds %d cases, want 1", n)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c2, _, moved := openMoved(t, cp)
	if moved || installationOf(t, c2) != got {
		t.Errorf("the copy opened again: moved %v, installation %q, want %q", moved, installationOf(t, c2), got)
	}
	if installationOf(t, s) != id {
		t.Errorf("the original's installation id changed")
	}
	s2, _, moved := openMoved(t, orig)
	if moved || installationOf(t, s2) != id {
		t.Errorf("the original opened again: moved %v", moved)
	}
}

// Renaming the database file, or moving it within its file system, is not
// copying it: nothing changes.
func TestARenamedDatabaseKeepsItsInstallation(t *testing.T) {
	s, path := MustOpen(t)
	id := installationOf(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "renamed.db")
	if err := os.Rename(path, to); err != nil {
		t.Fatal(err)
	}
	r, _, moved := openMoved(t, to)
	if moved || installationOf(t, r) != id {
		t.Errorf("renamed: moved %v, installation %q, want %q", moved, installationOf(t, r), id)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// Its new name is the one a copy of it names.
	copyDB(t, to, to+".copy")
	if _, m, _ := openMoved(t, to+".copy"); m.From != to {
		t.Errorf("a copy of the renamed file was at %q, want %q", m.From, to)
	}
}

// A backup is recorded as the file it is linked to, under its own name.
func TestABackupIsPlacedUnderItsName(t *testing.T) {
	s, _ := MustOpen(t)
	to := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.Backup(context.Background(), to); err != nil {
		t.Fatal(err)
	}
	copyDB(t, to, to+".copy")
	if _, m, moved := openMoved(t, to+".copy"); !moved || m.From != to {
		t.Errorf("a copy of the backup: moved %v, was at %q, want %q", moved, m.From, to)
	}
}

// A database made before its file was recorded (by an earlier release)
// records it at its next opening and keeps its installation id.
func TestADatabaseNeverPlacedKeepsItsInstallation(t *testing.T) {
	s, path := MustOpen(t)
	id := installationOf(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM placement`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, _, moved := openMoved(t, path)
	if moved || installationOf(t, r) != id {
		t.Errorf("never placed: moved %v, installation %q, want %q", moved, installationOf(t, r), id)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	copyDB(t, path, path+".copy")
	if _, _, moved := openMoved(t, path+".copy"); !moved {
		t.Errorf("a copy of it, once placed, was not told from it")
	}
}

// A backup moved into the database's place keeps the installation id it
// was given; a copy of the backup takes another.
func TestABackupMovedIntoPlaceKeepsItsOwnInstallation(t *testing.T) {
	ctx := context.Background()
	s, _ := MustOpen(t)
	dir := t.TempDir()
	info, err := s.Backup(ctx, filepath.Join(dir, "backup.db"))
	if err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, "helpdesk.db")
	if err := os.Rename(info.Path, live); err != nil {
		t.Fatal(err)
	}
	r, _, moved := openMoved(t, live)
	if moved || installationOf(t, r) != info.Installation {
		t.Errorf("the backup in place: moved %v, installation %q, want %q", moved, installationOf(t, r), info.Installation)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	copyDB(t, live, filepath.Join(dir, "second.db"))
	c, m, moved := openMoved(t, filepath.Join(dir, "second.db"))
	if !moved || installationOf(t, c) == info.Installation {
		t.Errorf("a copy of the backup kept its installation id")
	}
	if m.From != live {
		t.Errorf("the copy was at %q, want %q (the name the backup was opened by)", m.From, live)
	}
}

// Adopt takes a copied or restored file as a backup is taken: checked, one
// file, an installation id of its own, none of the original's backups;
// the helpdesk then opens it without taking another id.
func TestAdoptACopy(t *testing.T) {
	ctx := context.Background()
	s, path := MustOpen(t)
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.CreateCase(newCase("shell:rita", bot.InitialReview)) })
	id := installationOf(t, s)
	dir := t.TempDir()
	cp := filepath.Join(dir, "restored.db")
	copyDB(t, path, cp)
	out := filepath.Join(dir, "helpdesk.db")
	info, err := sqlite.Adopt(ctx, cp, out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cases != 1 || info.Installation == id || info.Path != out {
		t.Errorf("adopted: %+v, the original's id %q", info, id)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(out + suffix); err == nil {
			t.Errorf("%s%s beside the adopted copy", out, suffix)
		}
	}
	r, _, moved := openMoved(t, out)
	if moved || installationOf(t, r) != info.Installation {
		t.Errorf("the adopted copy opened: moved %v, installation %q, want %q", moved, installationOf(t, r), info.Installation)
	}
	if _, err := sqlite.Adopt(ctx, cp, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("adopt over an existing file: %v", err)
	}
	if _, err := sqlite.Adopt(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Errorf("adopt of a missing file: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("adopt of a missing file made it")
	}
}
