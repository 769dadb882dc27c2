package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cp copies a file as cp(1) does: another file with the same bytes.
func cp(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A database copied by hand and run on: the bot says at once that it took
// an installation id of its own, and does nothing again that the original
// did (its done work stays done: the case's card is not posted again). A
// second run on the copy says nothing: it is placed.
func TestACopiedDatabaseIsToldAndRepostsNothing(t *testing.T) {
	dir := t.TempDir()
	db, copied := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "copy.db")
	if r := MustRunBinary(t, script, "en_US.UTF-8", "-db", db); r.code != 0 {
		t.Fatalf("the shell: %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		t.Fatalf("a -wal beside the database after the shell ended")
	}
	cp(t, db, copied)
	r := MustRunBinary(t, "/as ana\n", "en_US.UTF-8", "-db", copied)
	if r.code != 0 || !strings.Contains(r.stderr, "the database file is not the one last opened") || !strings.Contains(r.stderr, "was="+db) {
		t.Fatalf("the copy's first run: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "Paintings of the National Museum") {
		t.Errorf("the copy posted the original's work again:\n%s", r.stdout)
	}
	if r := MustRunBinary(t, "/as ana\n", "en_US.UTF-8", "-db", copied); r.code != 0 || strings.Contains(r.stderr, "not the one last opened") {
		t.Errorf("the copy's second run: %d\n%s", r.code, r.stderr)
	}
	if r := MustRunBinary(t, "/as ana\n", "en_US.UTF-8", "-db", db); r.code != 0 || strings.Contains(r.stderr, "not the one last opened") {
		t.Errorf("the original's run: %d\n%s", r.code, r.stderr)
	}
}

// helpdesk restore -from takes a copy made by hand as helpdesk backup
// takes its copies: checked, with an installation id of its own that the
// bot then keeps; it never overwrites a file, and says what it needs.
func TestRestoreCommandFromACopy(t *testing.T) {
	dir := t.TempDir()
	db, copied, out := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "copy.db"), filepath.Join(dir, "restored.db")
	if r := MustRunBinary(t, script, "en_US.UTF-8", "-db", db); r.code != 0 {
		t.Fatalf("the shell: %d\n%s", r.code, r.stderr)
	}
	cp(t, db, copied)
	r := MustRunBinary(t, "", "en_US.UTF-8", "restore", "-from", copied, "-o", out)
	ids := regexp.MustCompile(`installation id ([0-9a-f]{20}), its own \(the original's was ([0-9a-f]{20})\)`).FindStringSubmatch(r.stdout)
	if r.code != 0 || !strings.Contains(r.stdout, "restored: "+out) || !strings.Contains(r.stdout, "1 cases") || ids == nil || ids[1] == ids[2] {
		t.Fatalf("restore -from: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if run := MustRunBinary(t, "/as ana\n", "en_US.UTF-8", "-db", out); run.code != 0 || strings.Contains(run.stderr, "not the one last opened") {
		t.Errorf("the bot on the restored file: %d\n%s", run.code, run.stderr)
	}
	if exp := MustRunBinary(t, "", "en_US.UTF-8", "export", "-db", out); exp.code != 0 || !strings.Contains(exp.stdout, "Paintings of the National Museum") {
		t.Errorf("the restored file does not hold the case: %d %s", exp.code, exp.stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"restore", "-from", copied, "-o", out}, exitError, "exists"},
		{[]string{"restore", "-from", copied}, exitUsage, "-o FILE"},
		{[]string{"restore", "-o", filepath.Join(dir, "x.db")}, exitUsage, "-o FILE"},
		{[]string{"restore", "-from", copied, "-config", "litestream.yml", "-o", filepath.Join(dir, "x.db")}, exitUsage, "one of"},
		{[]string{"restore", "-from", copied, "-timestamp", "2026-12-03T16:59:00Z", "-o", filepath.Join(dir, "x.db")}, exitUsage, "needs a replica"},
		{[]string{"restore", "-replica", "file://" + dir, "-timestamp", "yesterday", "-o", filepath.Join(dir, "x.db")}, exitUsage, "-timestamp"},
		{[]string{"restore", "-replica", "file://" + dir, "-litestream", filepath.Join(dir, "no-litestream"), "-o", filepath.Join(dir, "x.db")}, exitError, "-litestream"},
		{[]string{"restore", "-from", filepath.Join(dir, "missing.db"), "-o", filepath.Join(dir, "x.db")}, exitError, "missing.db"},
	} {
		r := MustRunBinary(t, "", "en_US.UTF-8", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %d %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err == nil {
		t.Errorf("a failed restore left a file")
	}
}
