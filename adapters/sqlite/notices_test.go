package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// A notice kept for a while is forgotten once that is over, and is new
// again; one kept forever is not. Forgetting reads the partial index, not
// the table.
func TestNoticesKeptForAWhileAreForgotten(t *testing.T) {
	s, _ := MustOpen(t)
	for _, tc := range []struct {
		at   time.Duration
		key  string
		keep time.Duration
		want bool
	}{
		{0, "submission/a", time.Hour, true},
		{0, "vote.not_member", 0, true},
		{30 * time.Minute, "submission/a", time.Hour, false},
		{time.Hour, "submission/a", time.Hour, true}, // forgotten, so new
		{time.Hour, "vote.not_member", 0, false},
		{1000 * time.Hour, "vote.not_member", 0, false},
		{1000 * time.Hour, "submission/b", time.Hour, true},
	} {
		MustUpdate(t, s, func(tx bot.Tx) error {
			ok, err := tx.FirstNotice("shell:zoe", tc.key, at(tc.at), tc.keep)
			if err == nil && ok != tc.want {
				t.Errorf("at +%v FirstNotice(%s) = %v, want %v", tc.at, tc.key, ok, tc.want)
			}
			return err
		})
	}
	w, _ := sqlite.Pools(s)
	var n int
	if err := w.QueryRow(`SELECT count(*) FROM notices`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d notices kept (%v), want 2: the one forever and submission/b", n, err)
	}
	rows, err := w.Query(`EXPLAIN QUERY PLAN DELETE FROM notices WHERE forget_at <= ?`, "2026")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "notices_forget") {
		t.Errorf("forgetting notices reads %s", p)
	}
}

// The notices of a database from before migration 0008 that only mattered
// for a while (a form's key, a day's failed backup) are forgotten 30 days
// after they were recorded; the others are kept.
func TestNoticesFromBeforeTheMigrationAreForgotten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	s := MustOpenPath(t, path, sqlite.Options{})
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP INDEX notices_forget`, `ALTER TABLE notices DROP COLUMN forget_at`,
		`DELETE FROM schema_migrations WHERE name = 'migrations/0008_notices.sql'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	for _, key := range []string{"submission/mattermost/x", "backup.failed/2025-03-14", "vote.not_member", "repost/shell/m1"} {
		if _, err := db.Exec(`INSERT INTO notices (user, key, at) VALUES ('shell:zoe', ?, '2025-03-14 09:26:53.589793238Z')`, key); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	again := MustOpenPath(t, path, sqlite.Options{})
	MustUpdate(t, again, func(tx bot.Tx) error {
		_, err := tx.FirstNotice("shell:abe", "welcome", at(30*24*time.Hour), 0)
		return err
	})
	w, _ := sqlite.Pools(again)
	rows, err := w.Query(`SELECT key FROM notices WHERE user = 'shell:zoe' ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	diff(t, "notices kept", keys, []string{"repost/shell/m1", "vote.not_member"})
}
