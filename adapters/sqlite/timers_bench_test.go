package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// fixedClock stands still: nothing falls due while the benchmark runs.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// BenchmarkTimerPass measures one pass of the timer worker (Service.Tick)
// over 10,000 open cases and their timers (a round's reminder and
// deadline, a question's wait, an unclaimed card's wait: 40,000 live rows,
// and as many fired or cancelled), with nothing due, as at nearly every
// tick of the running bot; next to the bare indexed query for the due
// rows on the same file, measured in the same run. Reported: both times
// and their ratio (tick/query), which the issue bounds at 2.
func BenchmarkTimerPass(b *testing.B) {
	const cases = 10000
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "helpdesk.db")
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	store, err := sqlite.OpenWith(ctx, path, sqlite.Options{Clock: fixedClock{now}})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()

	// The rows, written directly: the benchmark measures the worker's
	// pass, not how the cases came to be.
	fill, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	tx, err := fill.Begin()
	if err != nil {
		b.Fatal(err)
	}
	enc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000000Z") }
	for i := range cases {
		at := now.Add(-time.Duration(i) * time.Minute)
		res, err := tx.Exec(`INSERT INTO cases (platform, type, title, requester, stage, round, created_at, updated_at)
			VALUES ('shell', 'guidance', 'Case', 'shell:rita', 'initial_review', 1, ?, ?)`, enc(at), enc(at))
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		for _, t := range []struct {
			kind    string
			subject string
			fired   bool
		}{
			{"reminder", "", true},
			{"deadline", "", false},
			{"question", "", true},
			{"question", "", false},
			{"unclaimed", "planning", true},
			{"unclaimed", "planning", false},
			{"idle", "shell:sam", false},
		} {
			// The due ones of the past fired; every live one is in the future.
			var due time.Time
			var fired any
			if t.fired {
				due, fired = now.Add(-time.Hour), enc(now.Add(-time.Hour))
			} else {
				due = now.Add(time.Duration(i+1) * time.Minute)
			}
			if _, err := tx.Exec(`INSERT INTO timers (case_id, round, kind, subject, step, since, due, fired_at) VALUES (?, 1, ?, ?, 1, ?, ?, ?)`,
				id, t.kind, t.subject, enc(at), enc(due), fired); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := fill.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	fill.Close()

	raw, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	// Prepared once: the strictest baseline, the query alone.
	stmt, err := raw.PrepareContext(ctx, `SELECT id, coalesce(case_id, 0), round, kind, subject, step, since, due FROM timers
		WHERE fired_at IS NULL AND cancelled_at IS NULL AND due <= ? ORDER BY due, id`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	query := func() error {
		rows, err := stmt.QueryContext(ctx, enc(now))
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n != 0 {
			b.Fatalf("%d timers due, want none", n)
		}
		return rows.Err()
	}
	svc := bot.New(store, fixedClock{now}, nil, bot.Config{})
	svc.Attach("shell", &nullChat{})

	measure := func(fn func() error) time.Duration {
		start := time.Now()
		for range b.N {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	// Warm both, then alternate, so that neither runs on a colder cache.
	if err := query(); err != nil {
		b.Fatal(err)
	}
	if err := svc.Tick(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var q, t time.Duration
	for range 3 {
		q += measure(query)
		t += measure(func() error { return svc.Tick(ctx) })
	}
	b.StopTimer()
	n := float64(3 * b.N)
	b.ReportMetric(float64(q.Nanoseconds())/n, "query-ns/op")
	b.ReportMetric(float64(t.Nanoseconds())/n, "tick-ns/op")
	b.ReportMetric(float64(t)/float64(q), "tick/query")
}
