package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// pacedChat is chat with the one-edit-a-second pace of the real adapters.
type pacedChat struct{ chat }

func (*pacedChat) EditInterval() time.Duration { return time.Second }

// votingDesk is a helpdesk with 16 committee members and 20 cases under
// review, its outbox worker running; m nil means metrics off.
func votingDesk(b *testing.B, m *metrics.Metrics) (svc *bot.Service, refs []string) {
	b.Helper()
	ctx := context.Background()
	opt := sqlite.Options{}
	cfg := bot.Config{}
	if m != nil {
		opt.Observe = m.Transaction
		cfg.Meter = m
		m.Platform("bench")
	}
	store, err := sqlite.OpenWith(ctx, filepath.Join(b.TempDir(), "helpdesk.db"), opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc = bot.New(store, wall{}, nil, cfg)
	m.Watch(svc)
	svc.Attach("bench", &pacedChat{})
	// Eight of sixteen voting never make a majority: every vote stays a
	// vote and no case moves on.
	for i := range 16 {
		if err := svc.MemberSeen(ctx, bot.Member{ID: bot.UserID(fmt.Sprintf("bench:m%d", i)), Name: fmt.Sprint("m", i), Roles: bot.Roles{Committee: true}}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 20 {
		r := svc.Submit(ctx, bot.Invocation{User: bot.UserID(fmt.Sprintf("bench:r%d", i)), Name: "r"},
			bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "Case", "description": "A case to vote on."}})
		if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
			b.Fatalf("case %d not opened", i)
		}
	}
	if _, err := svc.Deliver(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	for i := range 20 {
		ref, err := svc.ReactionTarget(ctx, int64(i+1), "bench:m0", "✅")
		if err != nil {
			b.Fatal(err)
		}
		refs = append(refs, ref)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(wctx, 250*time.Millisecond, time.Hour) }()
	b.Cleanup(func() { stop(); <-done })
	return svc, refs
}

// BenchmarkVotesMetricsCost measures what keeping the metrics adds to a
// vote: the same storm of votes (8 voters at once, each vote the whole
// transaction of a reaction, the outbox delivering card refreshes
// meanwhile) on a helpdesk with metrics off and one with them on, in
// alternating slices of the run so that both meet the same machine.
// Reported: ns per vote of each, and on/off (the issue asks at most 1.05).
func BenchmarkVotesMetricsCost(b *testing.B) {
	const voters = 8
	ctx := context.Background()
	off, offRefs := votingDesk(b, nil)
	on, onRefs := votingDesk(b, metrics.New())
	storm := func(svc *bot.Service, refs []string, per, round int) time.Duration {
		var wg sync.WaitGroup
		errs := make(chan error, voters)
		start := time.Now()
		for v := range voters {
			wg.Go(func() {
				for i := range per {
					k := round*per + i
					r := bot.Reaction{Post: refs[(k/2)%len(refs)], User: bot.UserID(fmt.Sprintf("bench:m%d", v)), Emoji: "✅"}
					var err error
					if k%2 == 0 {
						err = svc.ReactionAdded(ctx, r)
					} else {
						err = svc.ReactionRemoved(ctx, r)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	const slices = 10
	per := max(b.N/voters/slices, 2)
	b.ResetTimer()
	var offTime, onTime time.Duration
	for s := range slices {
		if s%2 == 0 {
			offTime += storm(off, offRefs, per, s)
			onTime += storm(on, onRefs, per, s)
		} else {
			onTime += storm(on, onRefs, per, s)
			offTime += storm(off, offRefs, per, s)
		}
	}
	b.StopTimer()
	votes := float64(per * voters * slices)
	b.ReportMetric(float64(offTime.Nanoseconds())/votes, "ns/vote-off")
	b.ReportMetric(float64(onTime.Nanoseconds())/votes, "ns/vote-on")
	b.ReportMetric(onTime.Seconds()/offTime.Seconds(), "on/off")
	b.ReportMetric(0, "ns/op")
}

// casesDB is a store holding n cases spread over every stage.
func casesDB(b *testing.B, n int) (*sqlite.Store, string) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "helpdesk.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	err = store.Update(ctx, func(tx bot.Tx) error {
		for i := range n {
			at := time.Unix(1.7e9+int64(i)*3600, 0)
			c := &bot.Case{Platform: "discord", Type: bot.MediaUpload, Title: fmt.Sprintf("Case %d: 300 scans from the city archive", i),
				Description: "Glass plates, 1890–1910, public domain; the archive would like them on Commons with metadata on Wikidata.",
				Requester:   bot.UserID(fmt.Sprintf("discord:%d", 1000+i%700)), Lang: "de", Stage: bot.Stages[i%len(bot.Stages)],
				CreatedAt: at, UpdatedAt: at}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return store, path
}

// BenchmarkScrape10000Cases measures a scrape of /metrics on a helpdesk of
// 10,000 cases against a bare SELECT count(*) on its cases table (through
// a read-only connection), alternately in one run. Reported:
//   - ns/count, the baseline;
//   - ns/figures and figures/count: the database work of a scrape, which
//     the issue bounds at 2× the count;
//   - ns/scrape, the whole scrape (every family rendered in the text
//     format, Go's and the process's collectors included), scrape/count,
//     and scrape/scrape-100: the same scrape on a helpdesk of 100 cases,
//     which shows that a scrape does not grow with the cases.
func BenchmarkScrape10000Cases(b *testing.B) {
	ctx := context.Background()
	store, path := casesDB(b, 10000)
	small, _ := casesDB(b, 100)
	handler := func(src *sqlite.Store) http.Handler {
		m := metrics.New()
		m.Platform("discord")
		m.Platform("mattermost")
		m.Watch(bot.New(src, wall{}, nil, bot.Config{}))
		return m.Handler()
	}
	big, little := handler(store), handler(small)

	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	count := func() {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil || n != 10000 {
			b.Fatalf("count: %d, %v", n, err)
		}
	}
	core := bot.New(store, wall{}, nil, bot.Config{})
	figures := func() {
		f, err := core.Figures(ctx)
		if err != nil || f.Stages[bot.InitialReview] == 0 {
			b.Fatalf("figures: %+v, %v", f, err)
		}
	}
	scrape := func(h http.Handler) {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", "text/plain; version=0.0.4")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			b.Fatalf("scrape: %d", rec.Code)
		}
	}
	count()
	figures()
	scrape(big)
	scrape(little)
	b.ResetTimer()
	var countTime, figuresTime, bigTime, littleTime time.Duration
	timed := func(into *time.Duration, f func()) {
		t := time.Now()
		f()
		*into += time.Since(t)
	}
	for range b.N {
		timed(&countTime, count)
		timed(&figuresTime, figures)
		timed(&bigTime, func() { scrape(big) })
		timed(&littleTime, func() { scrape(little) })
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(countTime.Nanoseconds())/n, "ns/count")
	b.ReportMetric(float64(figuresTime.Nanoseconds())/n, "ns/figures")
	b.ReportMetric(float64(bigTime.Nanoseconds())/n, "ns/scrape")
	b.ReportMetric(figuresTime.Seconds()/countTime.Seconds(), "figures/count")
	b.ReportMetric(bigTime.Seconds()/countTime.Seconds(), "scrape/count")
	b.ReportMetric(bigTime.Seconds()/littleTime.Seconds(), "scrape/scrape-100")
	b.ReportMetric(0, "ns/op")
}
