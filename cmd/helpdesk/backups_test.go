package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// Scheduled backups are checked copies named by time, and only the newest
// keep stay.
func TestScheduledBackupsRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	backups := filepath.Join(dir, "backups")
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	var last string
	for i := range 5 {
		info, err := backupOnce(ctx, store, backups, 3, t0.Add(time.Duration(i)*6*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		last = filepath.Base(info.Path)
	}
	entries, err := os.ReadDir(backups)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	want := []string{"helpdesk-20261203T120000Z.db", "helpdesk-20261203T180000Z.db", "helpdesk-20261204T000000Z.db"}
	if len(names) != 3 || names[0] != want[0] || names[2] != want[2] || last != want[2] {
		t.Fatalf("backups kept %v, want %v", names, want)
	}
	// The same moment twice: the second does not overwrite the first.
	if _, err := backupOnce(ctx, store, backups, 3, t0.Add(24*time.Hour)); err == nil {
		t.Fatal("a second backup over the first")
	}
}

func TestBackupConfig(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"[backup]\nevery = \"6h\"\n", "backup.dir"},
		{"[backup]\ndir = \"b\"\n", "backup.every"},
		{"[backup]\nevery = \"10s\"\ndir = \"b\"\n", "backup.every"},
		{"[backup]\nevery = \"6h\"\ndir = \"b\"\nkeep = 0\n", "backup.keep"},
	} {
		_, err := loadConfig(MustWriteConfig(t, tc.toml), mustCatalog(t))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s", tc.toml, err, tc.want)
		}
	}
	c, err := loadConfig(MustWriteConfig(t, "[backup]\nevery = \"6h\"\ndir = \"backups\"\n"), mustCatalog(t))
	if err != nil || c.BackupEvery != 6*time.Hour || c.BackupDir != "backups" || c.BackupKeep != 28 {
		t.Fatalf("backup config %v: %v %q %d", err, c.BackupEvery, c.BackupDir, c.BackupKeep)
	}
}

// M1: rotation removes only backups this installation wrote, known by a
// record in its database, never by their names: not an operator's copy
// named like one, not a live database in the same folder (not even the
// one it runs on), and not the backup it has just written.
func TestM1RotationKeepsFilesItDidNotWrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The live database lives in the backups' folder, under a name like
	// theirs.
	live := filepath.Join(dir, "helpdesk-2026.db")
	store, err := sqlite.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	liveSt, err := os.Stat(live)
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]string{
		"helpdesk-2026-12-01.db":       "an operator's copy",
		"helpdesk-prod.db":             "another database",
		"helpdesk-99999999T999999Z.db": "sorts after every backup",
	}
	for name, text := range theirs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	var written, removed []string
	for i := range 4 {
		info, err := backupOnce(ctx, store, dir, 1, t0.Add(time.Duration(i)*6*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, info.Path)
		removed = append(removed, info.Removed...)
		if len(info.Forgotten) > 0 {
			t.Errorf("backup %d forgot %v", i, info.Forgotten)
		}
		// keep = 1: the one just written stays.
		if _, err := os.Stat(info.Path); err != nil {
			t.Fatalf("backup %d was removed as soon as written: %v", i, err)
		}
	}
	for name, text := range theirs {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != text {
			t.Errorf("%s (%s) was touched: %q %v", name, text, b, err)
		}
	}
	if st, err := os.Stat(live); err != nil || !os.SameFile(st, liveSt) {
		t.Fatalf("the live database is gone: %v", err)
	}
	for _, p := range written[:3] {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the old backup %s was kept: %v", filepath.Base(p), err)
		}
	}
	if strings.Join(removed, " ") != strings.Join(written[:3], " ") {
		t.Errorf("the rotations said they removed %v, want %v", removed, written[:3])
	}
	if err := store.Update(ctx, func(tx bot.Tx) error { return nil }); err != nil {
		t.Fatalf("the live database no longer works: %v", err)
	}
}

// M1: a backup is the helpdesk's to remove only while it is the very file
// written. A copy made by hand, a file put in a backup's place (even on
// the same inode, at the same size), a backup changed in place, and the
// backups a database restored from a backup finds in its folder (its
// original wrote them) are all left alone; the database the helpdesk runs
// on is never removed, even when it is a backup's hard link.
func TestM1RotationRecognisesItsOwnBackupsForCertain(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	backups := filepath.Join(dir, "backups")
	store, err := sqlite.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t0 := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 6 * time.Hour) }
	var b []string
	for i := range 4 {
		info, err := backupOnce(ctx, store, backups, 4, at(i))
		if err != nil || len(info.Removed) > 0 {
			t.Fatalf("backup %d: %v, removed %v", i, err, info.Removed)
		}
		b = append(b, info.Path)
	}
	content := func(p string) []byte {
		t.Helper()
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// An operator's copy of b[0], made by hand.
	handCopy := filepath.Join(backups, "helpdesk-20261203T000000Z-keep.db")
	if err := os.WriteFile(handCopy, content(b[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	// b[1] replaced by another file of the same size (which may well get
	// the inode b[1] had).
	other := content(b[1])
	other[len(other)-1] ^= 0xff
	if err := os.Remove(b[1]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b[1], other, 0o600); err != nil {
		t.Fatal(err)
	}
	// b[2] changed in place: the same inode and size, other bytes.
	size := int64(len(content(b[2])))
	f, err := os.OpenFile(b[2], os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xff}, size-1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// A helpdesk restored from b[3] runs next to this one, backing up
	// into the same folder: it wrote none of b[0]..b[3].
	restoredPath := filepath.Join(dir, "restored.db")
	if err := os.WriteFile(restoredPath, content(b[3]), 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := sqlite.Open(ctx, restoredPath)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var first string
	for i := 10; i < 12; i++ {
		info, err := backupOnce(ctx, restored, backups, 1, at(i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 10 {
			first = info.Path
		} else if len(info.Removed) != 1 || info.Removed[0] != first {
			t.Errorf("the restored helpdesk removed %v, want only its own first backup", info.Removed)
		}
	}
	for _, p := range b {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("the restored helpdesk removed %s: %v", filepath.Base(p), err)
		}
	}

	// The live database is hard-linked at b[3]'s name (a careless
	// restore): the rotation meets the file it runs on at a recorded path.
	live := filepath.Join(dir, "helpdesk.db")
	if err := os.Remove(b[3]); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(live, b[3]); err != nil {
		t.Fatal(err)
	}

	// Now rotate down to one: of b[0]..b[3] only b[0] is still the file
	// written.
	info, err := backupOnce(ctx, store, backups, 1, at(20))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Removed) != 1 || info.Removed[0] != b[0] {
		t.Errorf("removed %v, want only %s", info.Removed, b[0])
	}
	why := map[string]string{}
	for _, f := range info.Forgotten {
		why[filepath.Base(f.Path)] = f.Why
	}
	if w := why[filepath.Base(b[3])]; !strings.Contains(w, "database the helpdesk runs on") {
		t.Errorf("b[3], the live database, left alone because %q", w)
	}
	if w := why[filepath.Base(b[2])]; !strings.Contains(w, "content changed") {
		t.Errorf("b[2], changed in place, left alone because %q", w)
	}
	for _, p := range b[1:] {
		if why[filepath.Base(p)] == "" {
			t.Errorf("%s is not said to be left alone: %v", filepath.Base(p), info.Forgotten)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if _, err := os.Stat(handCopy); err != nil {
		t.Errorf("the copy made by hand was removed: %v", err)
	}
	// A record dropped is dropped for good: the next rotation says
	// nothing of them.
	info, err = backupOnce(ctx, store, backups, 1, at(21))
	if err != nil || len(info.Forgotten) > 0 || len(info.Removed) != 1 {
		t.Errorf("the next rotation: %v, removed %v, forgot %v", err, info.Removed, info.Forgotten)
	}
	if err := store.Update(ctx, func(tx bot.Tx) error { return nil }); err != nil {
		t.Fatalf("the live database no longer works: %v", err)
	}
}
