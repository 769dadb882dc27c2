package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// L6: a symbolic link planted where a backup is to go is not followed:
// the backup is refused and nothing is written where the link points,
// whether that is a file yet to be made or an empty one waiting for it.
func TestL6BackupDoesNotFollowSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	ctx := context.Background()
	s, _ := MustOpen(t)
	dir, elsewhere := t.TempDir(), t.TempDir()

	victim := filepath.Join(elsewhere, "stolen.db")
	dangling := filepath.Join(dir, "dangling.db")
	if err := os.Symlink(victim, dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx, dangling); err == nil {
		t.Error("a backup through a dangling link")
	}
	if _, err := os.Lstat(victim); !os.IsNotExist(err) {
		t.Errorf("the backup made the file the link points to: %v", err)
	}

	empty := filepath.Join(elsewhere, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	toEmpty := filepath.Join(dir, "to-empty.db")
	if err := os.Symlink(empty, toEmpty); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx, toEmpty); err == nil {
		t.Error("a backup through a link to an empty file")
	}
	if st, err := os.Stat(empty); err != nil || st.Size() != 0 {
		t.Errorf("the backup wrote into the file the link points to: %v %v", st.Size(), err)
	}
	for _, l := range []string{dangling, toEmpty} {
		if st, err := os.Lstat(l); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer the link planted: %v", l, err)
		}
	}
	// Nothing is left behind in the directory but the links.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory holds %v", names)
	}
}
