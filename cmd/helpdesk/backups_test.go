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
