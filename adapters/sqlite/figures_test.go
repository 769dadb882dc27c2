package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// countStages is what Figures must agree with: the cases counted the slow
// way.
func countStages(t *testing.T, path string) map[bot.Stage]int {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := map[bot.Stage]int{}
	for _, st := range bot.Stages {
		want[st] = 0
	}
	rows, err := db.Query(`SELECT stage, count(*) FROM cases GROUP BY stage`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		want[bot.Stage(st)] = n
	}
	return want
}

func TestFiguresFollowTheCases(t *testing.T) {
	s, path := MustOpen(t)
	ctx := context.Background()
	var cs []bot.Case
	for range 5 {
		cs = append(cs, MustCase(t, s, "shell:ana", bot.InitialReview))
	}
	moves := []struct {
		i        int
		from, to bot.Stage
	}{
		{0, bot.InitialReview, bot.Routing},
		{1, bot.InitialReview, bot.NeedsInfo},
		{0, bot.Routing, bot.WorkingGroup},
		{2, bot.InitialReview, bot.Closed},
	}
	for _, m := range moves {
		c := cs[m.i]
		c.Stage = m.to
		MustUpdate(t, s, func(tx bot.Tx) error { return tx.UpdateCase(c, m.from) })
	}
	// A move refused as stale and a rolled-back one change no count.
	stale := cs[3]
	stale.Stage = bot.Support
	if err := s.Update(ctx, func(tx bot.Tx) error { return tx.UpdateCase(stale, bot.FinalReview) }); err == nil {
		t.Fatal("a stale move was written")
	}
	rolled := cs[4]
	rolled.Stage = bot.Support
	_ = s.Update(ctx, func(tx bot.Tx) error {
		if err := tx.UpdateCase(rolled, bot.InitialReview); err != nil {
			return err
		}
		return &refusal{"rolled back"}
	})
	// An update that leaves the stage as it is changes no count either.
	same := cs[3]
	same.Rating = 4
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.UpdateCase(same, bot.InitialReview) })

	f, err := readFigures(ctx, s, at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := countStages(t, path)
	diff(t, "stages", f.Stages, want)
	diff(t, "stages by hand", f.Stages[bot.InitialReview], 2)
	diff(t, "closed", f.Stages[bot.Closed], 1)
}

// A database made before migration 0005 gets counts of the cases it
// already holds.
func TestFiguresCountCasesFromBeforeTheMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	s := MustOpenPath(t, path, sqlite.Options{})
	for _, st := range []bot.Stage{bot.InitialReview, bot.InitialReview, bot.Support} {
		MustCase(t, s, "shell:ana", st)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER stage_counts_insert`, `DROP TRIGGER stage_counts_update`, `DROP TRIGGER stage_counts_delete`,
		`DROP TABLE stage_counts`, `DROP INDEX cases_stage_updated`, `DELETE FROM schema_migrations WHERE name = 'migrations/0005_stage_counts.sql'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()
	again := MustOpenPath(t, path, sqlite.Options{})
	f, err := readFigures(context.Background(), again, t0)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "stages after the migration", f.Stages, countStages(t, path))
	diff(t, "support", f.Stages[bot.Support], 1)
}

func TestFiguresOutboxBacklog(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	var done, retried int64
	MustUpdate(t, s, func(tx bot.Tx) error {
		for i, due := range []time.Time{at(0), at(time.Minute), at(2 * time.Hour), at(3 * time.Hour)} {
			it := &bot.Item{Platform: "discord", CaseID: c.ID, Op: bot.OpReact, Name: "card", Emoji: "✅", Created: at(time.Duration(i) * time.Second), Due: due}
			if err := tx.Enqueue(it); err != nil {
				return err
			}
			switch i {
			case 0:
				done = it.ID
			case 1:
				retried = it.ID
			}
		}
		// Work without a case (a message to staff) counts too.
		return tx.Enqueue(&bot.Item{Platform: "mattermost", Op: bot.OpPost, Place: bot.Place{Kind: bot.InDirect, User: "mattermost:staff"}, Created: at(0)})
	})
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.Done(done); err != nil {
			return err
		}
		return tx.Retry(retried, at(5*time.Hour), "HTTP 502")
	})
	f, err := readFigures(context.Background(), s, at(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "backlog", f.Outbox, map[string]bot.Backlog{
		"discord":    {Due: 1, Waiting: 2, Oldest: 2*time.Hour - 2*time.Second},
		"mattermost": {Due: 1, Oldest: 2 * time.Hour},
	})
}

func TestObserveSeesEveryTransactionAndBusy(t *testing.T) {
	type seen struct{ write, busy bool }
	var mu sync.Mutex
	var got []seen
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	s := MustOpenPath(t, path, sqlite.Options{BusyTimeout: 50 * time.Millisecond, Observe: func(write bool, took time.Duration, busy bool) {
		if took <= 0 {
			t.Errorf("a transaction took %v", took)
		}
		mu.Lock()
		got = append(got, seen{write, busy})
		mu.Unlock()
	}})
	MustCase(t, s, "shell:ana", bot.InitialReview)
	MustView(t, s, func(tx bot.Tx) error { _, err := tx.Cases(bot.CaseFilter{}); return err })
	release := holdWriteLock(t, path)
	if err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.CreateCase(newCase("shell:ana", bot.InitialReview)) }); err == nil {
		t.Fatal("an update went through another process's lock")
	}
	release()
	mu.Lock()
	defer mu.Unlock()
	diff(t, "transactions seen", got, []seen{{true, false}, {false, false}, {true, true}})
}

// The statistics never read the event log, nor the whole of any table:
// every query of Stats goes by an index or a table kept small for it, as
// SQLite's own query plans tell.
func TestStatsReadOnlyWhatTheyNeed(t *testing.T) {
	s, _ := MustOpen(t)
	w, _ := sqlite.Pools(s)
	for name, q := range sqlite.StatsQueries {
		args := []any{}
		if strings.Contains(q, "?") {
			args = append(args, "2026-01-01")
		}
		rows, err := w.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			// A scan reads a whole table (or index): only the handful of
			// rows of stage_counts may be read so.
			if strings.Contains(step, "events") || strings.HasPrefix(step, "SCAN ") && step != "SCAN stage_counts" {
				t.Errorf("%s reads more than it needs: %q (plan %q)", name, step, plan)
			}
		}
		if len(plan) == 0 {
			t.Errorf("%s: no plan", name)
		}
		t.Logf("%s: %q", name, plan)
	}
}

// readFigures reads the figures at now in a read transaction.
func readFigures(ctx context.Context, s *sqlite.Store, now time.Time) (bot.Figures, error) {
	var f bot.Figures
	err := s.View(ctx, func(tx bot.Tx) error {
		var err error
		f, err = tx.Figures(now)
		return err
	})
	return f, err
}
