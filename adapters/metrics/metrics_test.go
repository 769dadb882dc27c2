package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/metrics/metricstest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// chat answers every call at once, as a platform that is well.
type chat struct{ n atomic.Int64 }

func (c *chat) Post(context.Context, bot.Place, bot.Message) (string, error) {
	return fmt.Sprintf("m%d", c.n.Add(1)), nil
}
func (c *chat) StartThread(_ context.Context, ref string, _ bot.Message) (string, error) {
	return "t" + ref, nil
}
func (c *chat) Edit(context.Context, string, bot.Message) error  { return nil }
func (c *chat) React(context.Context, string, string) error      { return nil }
func (c *chat) Invite(context.Context, string, bot.UserID) error { return nil }

// helpdesk is a service on a file database, metered by m.
type helpdesk struct {
	svc   *bot.Service
	store *sqlite.Store
	path  string
	m     *metrics.Metrics
}

func newHelpdesk(tb testing.TB, platforms ...string) *helpdesk {
	tb.Helper()
	return newHelpdeskOn(tb, wall{}, bot.Config{}, platforms...)
}

// newHelpdeskOn is newHelpdesk with a clock and a configuration.
func newHelpdeskOn(tb testing.TB, clock bot.Clock, cfg bot.Config, platforms ...string) *helpdesk {
	tb.Helper()
	ctx := context.Background()
	m := metrics.New()
	path := filepath.Join(tb.TempDir(), "helpdesk.db")
	store, err := sqlite.OpenWith(ctx, path, sqlite.Options{Observe: m.Transaction})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	cfg.Meter = m
	svc := bot.New(store, clock, nil, cfg)
	m.Watch(svc)
	for _, p := range platforms {
		m.Platform(p)
		svc.Attach(p, &chat{})
	}
	return &helpdesk{svc: svc, store: store, path: path, m: m}
}

type wall struct{}

func (wall) Now() time.Time { return time.Now() }

func member(id string) bot.Member {
	return bot.Member{ID: bot.UserID("discord:" + id), Name: id, Roles: bot.Roles{Committee: true}}
}

func TestAScrapeShowsWhatTheHelpdeskDid(t *testing.T) {
	ctx := context.Background()
	h := newHelpdesk(t, "discord")
	for _, id := range []string{"ana", "ben", "chloe"} {
		if err := h.svc.MemberSeen(ctx, member(id)); err != nil {
			t.Fatal(err)
		}
	}
	submit := func(who string) {
		r := h.svc.Submit(ctx, bot.Invocation{User: bot.UserID("discord:" + who), Name: who},
			bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "Scans", "description": "300 glass plates."}})
		if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
			t.Fatalf("case not opened: %+v", r.Reply)
		}
	}
	submit("dora")  // case 1
	submit("chloe") // case 2: chloe is on the committee
	if _, err := h.svc.Deliver(ctx, "discord"); err != nil {
		t.Fatal(err)
	}
	vote := func(id int64, who, emoji string) {
		t.Helper()
		ref, err := h.svc.ReactionTarget(ctx, id, "discord:ana", emoji)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.svc.ReactionAdded(ctx, bot.Reaction{Post: ref, User: bot.UserID("discord:" + who), Emoji: emoji}); err != nil {
			t.Fatal(err)
		}
	}
	vote(1, "dora", "✅")  // not on the committee
	vote(2, "chloe", "✅") // her own case
	vote(2, "ana", "✅")
	vote(1, "ana", "✅")
	vote(1, "ben", "✅") // two of three: case 1 goes on
	if _, err := h.svc.Deliver(ctx, "discord"); err != nil {
		t.Fatal(err)
	}

	fams := metricstest.Scrape(t, h.m.Handler())

	// The stages are the database's.
	db, err := sql.Open("sqlite", h.path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, st := range bot.Stages {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM cases WHERE stage = ?`, string(st)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got := fams.Value(t, "helpdesk_cases", "stage", string(st)); got != float64(n) {
			t.Errorf("helpdesk_cases{stage=%q} = %v, the database holds %d", st, got, n)
		}
	}
	if fams.Value(t, "helpdesk_cases", "stage", string(bot.InitialReview)) != 1 {
		t.Errorf("want one case still in initial review")
	}
	// Every event logged is counted once, by type.
	for _, typ := range bot.EventTypes {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM events WHERE type = ?`, string(typ)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got := fams.Value(t, "helpdesk_events_total", "type", string(typ)); got != float64(n) {
			t.Errorf("helpdesk_events_total{type=%q} = %v, the log holds %d", typ, got, n)
		}
	}
	if got := fams.Value(t, "helpdesk_votes_counted_total"); got != 3 {
		t.Errorf("votes counted = %v, want 3", got)
	}
	for reason, want := range map[bot.VoteResult]float64{bot.VoteNotCommittee: 1, bot.VoteRequester: 1, bot.VoteOldRound: 0} {
		if got := fams.Value(t, "helpdesk_votes_refused_total", "reason", string(reason)); got != want {
			t.Errorf("votes refused for %s = %v, want %v", reason, got, want)
		}
	}
	var posts int
	if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE platform = 'discord' AND op = 'post' AND state = 'done'`).Scan(&posts); err != nil {
		t.Fatal(err)
	}
	if got := fams.Value(t, "helpdesk_deliveries_total", "platform", "discord", "op", "post", "result", "done"); got != float64(posts) || posts == 0 {
		t.Errorf("posts delivered = %v, the outbox did %d", got, posts)
	}
	if got := fams.Value(t, "helpdesk_deliveries_total", "platform", "discord", "op", "edit", "result", "given_up"); got != 0 {
		t.Errorf("edits given up = %v", got)
	}
	if fams.Value(t, "helpdesk_outbox_due_items", "platform", "discord") != 0 {
		t.Error("work left in the outbox after delivering")
	}
	if fams.Value(t, "helpdesk_store_transaction_seconds", "kind", "write") == 0 || fams.Value(t, "helpdesk_store_transaction_seconds", "kind", "read") == 0 {
		t.Error("no transaction measured")
	}
	if fams.Value(t, "helpdesk_build_info") != 1 {
		t.Error("no build info")
	}
	if fams.Value(t, "go_goroutines") == 0 {
		t.Error("no Go runtime metrics")
	}

	// No label value is a person or a case: every value is one of the
	// short fixed lists.
	for name, f := range fams {
		if !strings.HasPrefix(name, "helpdesk_") {
			continue
		}
		for _, s := range f.Metric {
			for _, l := range s.Label {
				if v := l.GetValue(); strings.Contains(v, ":") && l.GetName() != "goversion" || strings.Contains(v, "dora") || strings.Contains(v, "Scans") {
					t.Errorf("%s has label %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
}

func TestAScrapeShowsTheOutboxBacklogAndAdapterFigures(t *testing.T) {
	ctx := context.Background()
	h := newHelpdesk(t, "discord", "mattermost")
	// A case filed, its card not delivered yet: the work is due.
	r := h.svc.Submit(ctx, bot.Invocation{User: "mattermost:dora", Name: "dora"},
		bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "Scans", "description": "300 glass plates."}})
	if r.Reply == nil {
		t.Fatal("no reply")
	}
	p := h.m.Platform("mattermost")
	p.RateLimited(1500 * time.Millisecond)
	p.RateLimited(500 * time.Millisecond)
	p.Acked(40 * time.Millisecond)
	p.Reconciled(2*time.Second, 17)
	h.m.Backup(false, time.Now())
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	h.m.Backup(true, at)

	fams := metricstest.Scrape(t, h.m.Handler())
	if got := fams.Value(t, "helpdesk_outbox_due_items", "platform", "mattermost"); got < 1 {
		t.Errorf("due items = %v, want the card's work", got)
	}
	if got := fams.Value(t, "helpdesk_outbox_oldest_due_age_seconds", "platform", "mattermost"); got < 0 || got > 60 {
		t.Errorf("oldest due age = %v s", got)
	}
	if got := fams.Value(t, "helpdesk_outbox_due_items", "platform", "discord"); got != 0 {
		t.Errorf("discord due items = %v, want 0", got)
	}
	want := map[string]float64{
		"helpdesk_rate_limited_total":            2,
		"helpdesk_rate_limit_wait_seconds_total": 2,
		"helpdesk_ack_seconds":                   1,
		"helpdesk_reconcile_seconds":             1,
		"helpdesk_reconcile_reactions_total":     17,
	}
	for name, w := range want {
		if got := fams.Value(t, name, "platform", "mattermost"); got != w {
			t.Errorf("%s{platform=mattermost} = %v, want %v", name, got, w)
		}
		if got := fams.Value(t, name, "platform", "discord"); got != 0 {
			t.Errorf("%s{platform=discord} = %v, want 0", name, got)
		}
	}
	if got := fams.Value(t, "helpdesk_backups_total", "result", "failed"); got != 1 {
		t.Errorf("failed backups = %v", got)
	}
	if got := fams.Value(t, "helpdesk_backup_last_success_timestamp_seconds"); got != float64(at.Unix()) {
		t.Errorf("last backup = %v, want %d", got, at.Unix())
	}
}

// A nil Metrics and a nil Platform count nothing and do not fail: the bot
// runs with metrics off.
func TestMetricsOff(t *testing.T) {
	var m *metrics.Metrics
	m.Event(bot.EvOpened)
	m.Vote(bot.VoteCounted)
	m.Delivery("discord", bot.OpPost, bot.Delivered)
	m.Transaction(true, time.Millisecond, true)
	m.Backup(true, time.Now())
	m.Watch(nil)
	p := m.Platform("discord")
	if p != nil {
		t.Fatal("a platform of no metrics")
	}
	p.Acked(time.Second)
	p.RateLimited(time.Second)
	p.Reconciled(time.Second, 3)
}

// clock is a time moved by hand.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }
func newClock(t time.Time) *clock        { c := &clock{}; c.now.Store(t.UnixNano()); return c }

// The overdue gauges count the open cases whose wait went past its first
// reminder, by kind, and the votes waiting for the chair; a wait that
// ends leaves the gauge.
func TestOverdueGaugesFollowTheWaits(t *testing.T) {
	ctx := context.Background()
	clk := newClock(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	h := newHelpdeskOn(t, clk, bot.Config{}, "discord")
	for _, id := range []string{"ana", "ben", "chloe"} {
		if err := h.svc.MemberSeen(ctx, member(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, title := range []string{"Scans", "Maps"} {
		r := h.svc.Submit(ctx, bot.Invocation{User: "discord:dora", Name: "dora"},
			bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": title, "description": "300 glass plates."}})
		if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
			t.Fatalf("case not opened: %+v", r.Reply)
		}
	}
	if r := h.svc.Command(ctx, bot.Invocation{User: "discord:ana", Name: "ana"}, "ask #1 Which licence?"); r.Reply.Lines[0].ID != "reply.asked" {
		t.Fatalf("ask: %+v", r.Reply)
	}
	gauge := func(kind string) float64 {
		return metricstest.Scrape(t, h.m.Handler()).Value(t, "helpdesk_overdue_cases", "wait", kind)
	}
	if gauge("question") != 0 || gauge("decision") != 0 {
		t.Fatal("overdue before any deadline")
	}
	clk.Advance(bot.DefaultWaits.QuestionRemind)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gauge("question"); got != 1 {
		t.Fatalf("helpdesk_overdue_cases{wait=question} = %v after the reminder, want 1", got)
	}
	clk.Advance(bot.DefaultRule.Deadline) // both votes pass their deadline with no vote
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := gauge("decision"); got != 2 {
		t.Fatalf("helpdesk_overdue_cases{wait=decision} = %v, want 2", got)
	}
	if r := h.svc.Command(ctx, bot.Invocation{User: "discord:dora", Name: "dora"}, "answer #1 CC0"); r.Reply.Lines[0].ID != "reply.answered" {
		t.Fatalf("answer: %+v", r.Reply)
	}
	if got := gauge("question"); got != 0 {
		t.Fatalf("helpdesk_overdue_cases{wait=question} = %v once answered, want 0", got)
	}
}
