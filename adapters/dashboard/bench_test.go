package dashboard_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// big fills d with 10,000 cases of 20 events each (200,000 events), two
// rounds of votes on every tenth, and returns the database's path.
func (d *desk) big(b *testing.B) string {
	b.Helper()
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := d.store.Update(ctx, func(tx bot.Tx) error {
		for i := range 10000 {
			at := start.Add(time.Duration(i) * 2 * time.Hour)
			// Filed in initial review, then moved on to its stage an hour
			// later: the statistics have a stay to read for most cases.
			c := &bot.Case{Platform: "test", Type: bot.RequestTypes[i%len(bot.RequestTypes)], Title: fmt.Sprintf("Case %d: scans from archive %d", i, i%97),
				Description: strings.Repeat("Glass plates, public domain. ", 8), Requester: bot.UserID(fmt.Sprintf("test:r%d", i%500)),
				Lang: "de", Stage: bot.InitialReview, Round: 1, CreatedAt: at, UpdatedAt: at}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			if stage := bot.Stages[i%len(bot.Stages)]; stage != bot.InitialReview {
				c.Stage, c.UpdatedAt = stage, at.Add(time.Hour)
				if stage == bot.Closed {
					c.Outcome, c.ClosedAt, c.ClosedFrom = bot.Outcomes[i%len(bot.Outcomes)], c.UpdatedAt, bot.InitialReview
				}
				if err := tx.UpdateCase(*c, bot.InitialReview); err != nil {
					return err
				}
			}
			if err := tx.OpenRound(bot.Round{CaseID: c.ID, N: 1, Kind: bot.InitialRound, Post: "card", OpenedAt: at, Deadline: at.Add(7 * 24 * time.Hour)}); err != nil {
				return err
			}
			for j := range 20 {
				e := bot.Event{CaseID: c.ID, At: at.Add(time.Duration(j) * time.Minute), Actor: "test:ana", Type: bot.EvVoteCast, Detail: map[string]string{"round": "1", "choice": "accept"}}
				switch j {
				case 0:
					e.Type, e.Detail = bot.EvOpened, map[string]string{"type": string(c.Type)}
				case 19:
					e.Type, e.Detail = bot.EvRoundDecided, map[string]string{"round": "1", "result": "accept", "reason": "majority"}
				}
				if err := tx.AppendEvent(e); err != nil {
					return err
				}
			}
			if i%10 == 0 {
				if err := tx.SaveVotes([]bot.Vote{{CaseID: c.ID, Round: 1, Voter: "test:ana", Choice: bot.Accept}, {CaseID: c.ID, Round: 1, Voter: "test:bo", Choice: bot.Accept}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Fold the write-ahead log into the file, as SQLite does in time: the
	// runs measure reads, not a checkpoint of 200,000 rows.
	db, err := sql.Open("sqlite", d.store.Path())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	return d.store.Path()
}

// BenchmarkPages measures, on a helpdesk of 10,000 cases and 200,000
// events, the whole answer to a request for the cases table (a page of 50,
// a filter and the default sort) and for one case page, each against the
// bare SQL queries its data needs run on a connection of its own,
// alternately in one run. Reported: ns of each and the ratios (the issue
// asks at most 3), and the statistics page's time against the bare SQL of
// its queries, which read the milestones and counts, not the events.
func BenchmarkPages(b *testing.B) {
	d := newDesk(b)
	path := d.big(b)
	sam := d.browser()
	link := d.link("sam")
	u, _ := url.Parse(link)
	if code, _ := sam.do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}}, http.Header{"Origin": {d.srv.URL}}); code != http.StatusOK {
		b.Fatalf("sign in: %d", code)
	}
	cookies := sam.c.Jar.Cookies(u)
	handler := d.srv.Config.Handler
	page := func(path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		return rec.Body.Len()
	}

	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	rows := func(q string, args ...any) {
		rs, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rs.Next() {
			n++
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
		rs.Close()
	}
	// What the cases table needs: the count of the filter and its page.
	// (The table opens on the open cases.)
	const open = `c.stage IN ('initial_review', 'needs_info', 'routing', 'working_group', 'final_review', 'support')`
	bareTable := func() {
		rows(`SELECT count(*) FROM cases c WHERE `+open+` AND c.type = ? AND c.platform = ?`, "guidance", "test")
		rows(`SELECT c.id, c.platform, c.type, c.title, c.description, c.organisation, c.links, c.timeline, c.requester, c.lang, c.stage,
			c.outcome, c.round, c.rating, c.created_at, c.updated_at, c.owner, c.closed_at, c.closed_from,
			(SELECT min(due) FROM timers t WHERE t.case_id = c.id AND t.round = c.round AND t.kind = 'deadline' AND t.fired_at IS NULL AND t.cancelled_at IS NULL),
			(SELECT m.name FROM members m WHERE m.id = c.owner)
			FROM cases c WHERE `+open+` AND c.type = ? AND c.platform = ? ORDER BY c.updated_at, c.id LIMIT 50 OFFSET 100`, "guidance", "test")
	}
	// What a case page needs: the case, its rounds, votes, groups, posts,
	// the reactions of its open round, its events, the people named.
	const id = 5001
	bareCase := func() {
		rows(`SELECT * FROM cases WHERE id = ?`, id)
		rows(`SELECT * FROM rounds WHERE case_id = ?`, id)
		rows(`SELECT * FROM votes WHERE case_id = ?`, id)
		rows(`SELECT * FROM case_groups WHERE case_id = ?`, id)
		rows(`SELECT * FROM claims WHERE case_id = ?`, id)
		rows(`SELECT * FROM posts WHERE case_id = ?`, id)
		rows(`SELECT * FROM events WHERE case_id = ? ORDER BY id`, id)
		rows(`SELECT * FROM timers WHERE case_id = ? AND cancelled_at IS NULL ORDER BY due, id`, id)
		rows(`SELECT * FROM members WHERE id IN (?, ?, ?)`, "test:ana", "test:bo", "test:r1")
	}
	// What the statistics need: the queries of Stats, bare (the months
	// and quarters of the window, the stage counts, the ratings).
	from := "2025-12-01"
	bareStats := func() {
		for _, q := range statsSQL {
			if strings.Contains(q, "?") {
				rows(q, from)
			} else {
				rows(q)
			}
		}
	}
	tablePath := "/cases?type=guidance&page=3"
	casePath := fmt.Sprintf("/cases/%d", id)
	if page(tablePath) == 0 || page(casePath) == 0 || page("/stats") == 0 {
		b.Fatal("empty page")
	}
	bareTable()
	bareCase()
	bareStats()
	b.ResetTimer()
	var tTable, tBareTable, tCase, tBareCase, tStats, tBareStats time.Duration
	timed := func(into *time.Duration, f func()) {
		t := time.Now()
		f()
		*into += time.Since(t)
	}
	for range b.N {
		timed(&tBareTable, bareTable)
		timed(&tTable, func() { page(tablePath) })
		timed(&tBareCase, bareCase)
		timed(&tCase, func() { page(casePath) })
		timed(&tBareStats, bareStats)
		timed(&tStats, func() { page("/stats") })
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(tTable.Nanoseconds())/n, "ns/table")
	b.ReportMetric(float64(tBareTable.Nanoseconds())/n, "ns/table-sql")
	b.ReportMetric(tTable.Seconds()/tBareTable.Seconds(), "table/sql")
	b.ReportMetric(float64(tCase.Nanoseconds())/n, "ns/case")
	b.ReportMetric(float64(tBareCase.Nanoseconds())/n, "ns/case-sql")
	b.ReportMetric(tCase.Seconds()/tBareCase.Seconds(), "case/sql")
	b.ReportMetric(float64(tStats.Nanoseconds())/n, "ns/stats")
	b.ReportMetric(float64(tBareStats.Nanoseconds())/n, "ns/stats-sql")
	b.ReportMetric(tStats.Seconds()/tBareStats.Seconds(), "stats/sql")
	// The statistics page against a fixed yardstick of the same run (the
	// cases table's bare SQL), comparable across versions of the page.
	b.ReportMetric(tStats.Seconds()/tBareTable.Seconds(), "stats/table-sql")
	b.ReportMetric(0, "ns/op")
}

// statsSQL are the queries the statistics page runs, as the store writes
// them (adapters/sqlite/dashboard.go), for the bare baseline.
var statsSQL = []string{
	`SELECT substr(created_at, 1, 7), type, count(*) FROM cases INDEXED BY cases_created WHERE created_at >= ? GROUP BY 1, 2`,
	`SELECT substr(closed_at, 1, 7), outcome, count(*) FROM cases INDEXED BY cases_closed
		WHERE closed_at IS NOT NULL AND closed_at >= ? GROUP BY 1, 2`,
	`SELECT stage, n FROM stage_counts`,
	`SELECT rating, count(*) FROM cases INDEXED BY cases_rating WHERE rating > 0 GROUP BY rating`,
	`SELECT stage, entered_at, left_at FROM stage_stays INDEXED BY stage_stays_left WHERE left_at IS NOT NULL AND left_at >= ?`,
	`SELECT g.grp, count(*) FROM cases c INDEXED BY cases_stage JOIN case_groups g ON g.case_id = c.id
		WHERE c.stage IN ('initial_review', 'needs_info', 'routing', 'working_group', 'final_review', 'support') GROUP BY g.grp`,
	`SELECT tm.subject, count(DISTINCT tm.case_id) FROM timers tm INDEXED BY timers_overdue JOIN cases c ON c.id = tm.case_id
		WHERE tm.fired_at IS NOT NULL AND tm.cancelled_at IS NULL AND tm.kind IN ('unclaimed', 'recommend') AND c.stage <> 'closed' GROUP BY tm.subject`,
	`SELECT c.created_at, m.initial_at, m.final_go_at, m.resolved_at
		FROM cases c INDEXED BY cases_created JOIN milestones m ON m.case_id = c.id WHERE c.created_at >= ?`,
}
