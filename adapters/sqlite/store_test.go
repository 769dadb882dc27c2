package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// t0 is the tests' "now"; every time is a whole offset from it.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// MustOpen opens a store on a new file in tb's temp dir and closes it at
// the end of the test.
func MustOpen(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "helpdesk.db")
	return MustOpenPath(tb, path, sqlite.Options{}), path
}

// MustOpenPath opens a store on path with opt.
func MustOpenPath(tb testing.TB, path string, opt sqlite.Options) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.OpenWith(context.Background(), path, opt)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return s
}

// MustUpdate runs fn in an Update and fails the test on error.
func MustUpdate(tb testing.TB, s *sqlite.Store, fn func(bot.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("update: %v", err)
	}
}

// MustView runs fn in a View and fails the test on error.
func MustView(tb testing.TB, s *sqlite.Store, fn func(bot.Tx) error) {
	tb.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		tb.Fatalf("view: %v", err)
	}
}

func newCase(requester bot.UserID, stage bot.Stage) *bot.Case {
	return &bot.Case{
		Platform:     "shell",
		Type:         bot.MediaUpload,
		Title:        "300 scans from the city archive",
		Description:  "Glass plates, 1890–1910, public domain.",
		Organisation: "Stadtarchiv",
		Links:        "https://example.org/scans",
		Timeline:     "spring",
		Requester:    requester,
		Lang:         "de",
		Stage:        stage,
		CreatedAt:    t0,
		UpdatedAt:    t0,
	}
}

// MustCase creates a case in its own transaction and returns it.
func MustCase(tb testing.TB, s *sqlite.Store, requester bot.UserID, stage bot.Stage) bot.Case {
	tb.Helper()
	c := newCase(requester, stage)
	MustUpdate(tb, s, func(tx bot.Tx) error { return tx.CreateCase(c) })
	return *c
}

func diff[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func TestOpenAppliesMigrationsOnceAndKeepsData(t *testing.T) {
	s, path := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)

	// A second store on the same file at the same time, then a reopen
	// after closing both.
	s2 := MustOpenPath(t, path, sqlite.Options{})
	MustView(t, s2, func(tx bot.Tx) error {
		got, err := tx.Case(c.ID)
		diff(t, "case seen by a second store", got, c)
		return err
	})
	s2.Close()
	s.Close()
	s3 := MustOpenPath(t, path, sqlite.Options{})
	MustView(t, s3, func(tx bot.Tx) error {
		got, err := tx.Case(c.ID)
		diff(t, "case after reopening", got, c)
		return err
	})

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	diff(t, "applied migrations", names, []string{"migrations/0001_init.sql", "migrations/0002_carried_reactions.sql", "migrations/0003_installation.sql", "migrations/0004_unreachable.sql", "migrations/0005_stage_counts.sql", "migrations/0006_dashboard.sql", "migrations/0007_backups.sql", "migrations/0008_notices.sql", "migrations/0009_waits.sql", "migrations/0010_stage_stays.sql", "migrations/0011_letters.sql", "migrations/0012_attachments.sql", "migrations/0013_privacy.sql", "migrations/0014_identities.sql", "migrations/0015_placement.sql"})
}

// TestInstallationIsTheDatabases: each database has its own installation
// id, made with it and kept across reopening; the idempotency keys are made
// of it.
func TestInstallationIsTheDatabases(t *testing.T) {
	read := func(s *sqlite.Store) string {
		var id string
		MustView(t, s, func(tx bot.Tx) error {
			var err error
			id, err = tx.Installation()
			return err
		})
		return id
	}
	a, pathA := MustOpen(t)
	b, _ := MustOpen(t)
	idA, idB := read(a), read(b)
	if len(idA) != 20 || strings.Trim(idA, "0123456789abcdef") != "" {
		t.Errorf("installation id %q: want 20 hex digits", idA)
	}
	if idA == idB {
		t.Errorf("two databases share the installation id %q", idA)
	}
	again := MustOpenPath(t, pathA, sqlite.Options{})
	if got := read(again); got != idA {
		t.Errorf("reopened: installation id %q, want %q", got, idA)
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_pragma=foreign_keys(0)"} {
		if s, err := sqlite.Open(context.Background(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

func TestPragmas(t *testing.T) {
	s, _ := MustOpen(t)
	w, r := sqlite.Pools(s)
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
			t.Fatalf("pragma %s: %v", name, err)
		}
		return v
	}
	for _, tc := range []struct {
		pool string
		db   *sql.DB
		name string
		want string
	}{
		{"writer", w, "journal_mode", "wal"},
		{"writer", w, "foreign_keys", "1"},
		{"writer", w, "synchronous", "2"}, // FULL
		{"writer", w, "busy_timeout", "5000"},
		{"writer", w, "query_only", "0"},
		{"reader", r, "journal_mode", "wal"},
		{"reader", r, "foreign_keys", "1"},
		{"reader", r, "busy_timeout", "5000"},
		{"reader", r, "query_only", "1"},
	} {
		if got := pragma(tc.db, tc.name); got != tc.want {
			t.Errorf("%s: pragma %s = %s, want %s", tc.pool, tc.name, got, tc.want)
		}
	}
	if got := w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool has %d connections, want 1", got)
	}
}

func TestViewIsReadOnly(t *testing.T) {
	s, _ := MustOpen(t)
	err := s.View(context.Background(), func(tx bot.Tx) error {
		return tx.CreateCase(newCase("shell:ana", bot.InitialReview))
	})
	if err == nil {
		t.Fatal("CreateCase in View succeeded")
	}
}

func TestCaseRoundTrip(t *testing.T) {
	s, _ := MustOpen(t)
	berlin := time.FixedZone("CET", 3600)
	c := newCase("shell:ana", bot.InitialReview)
	c.CreatedAt = t0.In(berlin)
	c.UpdatedAt = t0.Add(time.Second).In(berlin)
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.CreateCase(c) })
	if c.ID == 0 {
		t.Fatal("CreateCase left ID 0")
	}
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Case(c.ID)
		want := *c
		want.CreatedAt, want.UpdatedAt = t0, t0.Add(time.Second) // read back as UTC
		diff(t, "case", got, want)
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt in %v, want UTC", got.CreatedAt.Location())
		}
		return err
	})
	err := s.View(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Case(c.ID + 1)
		return err
	})
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("missing case: %v, want ErrNotFound", err)
	}
}

func TestUpdateCaseGuardsTheStage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		missing bool
		from    bot.Stage
		want    error
		stage   bot.Stage // stored afterwards
	}{
		{name: "expected stage", from: bot.InitialReview, stage: bot.Routing},
		{name: "stale stage", from: bot.NeedsInfo, want: bot.ErrStale, stage: bot.InitialReview},
		{name: "no such case", missing: true, from: bot.InitialReview, want: bot.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := MustOpen(t)
			c := MustCase(t, s, "shell:ana", bot.InitialReview)
			if tc.missing {
				c.ID++
			}
			up := c
			up.Stage, up.Round, up.Rating, up.UpdatedAt = bot.Routing, 2, 4, at(time.Hour)
			err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.UpdateCase(up, tc.from) })
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("UpdateCase = %v, want %v", err, tc.want)
			}
			if tc.missing {
				return
			}
			MustView(t, s, func(tx bot.Tx) error {
				got, err := tx.Case(c.ID)
				want := c
				if tc.want == nil {
					want = up
				}
				diff(t, "stored case", got, want)
				return err
			})
		})
	}
}

func TestCasesFilter(t *testing.T) {
	s, _ := MustOpen(t)
	a1 := MustCase(t, s, "shell:ana", bot.InitialReview)
	b1 := MustCase(t, s, "shell:bea", bot.Routing)
	a2 := MustCase(t, s, "shell:ana", bot.Closed)
	a3 := MustCase(t, s, "shell:ana", bot.Routing)
	// a3 changed an hour later than the others.
	a3.UpdatedAt = at(time.Hour)
	a3.Stage = bot.Closed
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.UpdateCase(a3, bot.Routing) })
	a3.Stage = bot.Routing
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.UpdateCase(a3, bot.Closed) })
	for _, tc := range []struct {
		name string
		f    bot.CaseFilter
		want []bot.Case
	}{
		{"all", bot.CaseFilter{}, []bot.Case{a1, b1, a2, a3}},
		{"requester", bot.CaseFilter{Requester: "shell:ana"}, []bot.Case{a1, a2, a3}},
		{"stage", bot.CaseFilter{Stage: bot.Routing}, []bot.Case{b1, a3}},
		{"open", bot.CaseFilter{OpenOnly: true}, []bot.Case{a1, b1, a3}},
		{"open of requester", bot.CaseFilter{Requester: "shell:ana", OpenOnly: true}, []bot.Case{a1, a3}},
		{"requester and stage", bot.CaseFilter{Requester: "shell:ana", Stage: bot.Routing}, []bot.Case{a3}},
		{"nobody", bot.CaseFilter{Requester: "shell:zed"}, nil},
		{"updated since", bot.CaseFilter{UpdatedSince: at(time.Hour)}, []bot.Case{a3}},
		{"updated since, to the nanosecond", bot.CaseFilter{UpdatedSince: at(time.Hour + 1)}, nil},
		{"stage updated since", bot.CaseFilter{Stage: bot.Closed, UpdatedSince: at(-time.Hour)}, []bot.Case{a2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			MustView(t, s, func(tx bot.Tx) error {
				got, err := tx.Cases(tc.f)
				diff(t, "cases", got, tc.want)
				return err
			})
		})
	}
}

// refusal stands for the core's typed refusals, which Update must return
// as they are.
type refusal struct{ msgID string }

func (r *refusal) Error() string { return "refused: " + r.msgID }

func TestUpdateRollsBackWhenFnFails(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	no := &refusal{"case.not_yours"}
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		if err := tx.CreateCase(newCase("shell:bea", bot.InitialReview)); err != nil {
			return err
		}
		up := c
		up.Stage = bot.Routing
		if err := tx.UpdateCase(up, bot.InitialReview); err != nil {
			return err
		}
		if err := tx.AppendEvent(bot.Event{CaseID: c.ID, At: t0, Type: bot.EvRouted}); err != nil {
			return err
		}
		if _, err := tx.AddReaction("shell", "m1", "shell:bea", "✅"); err != nil {
			return err
		}
		if err := tx.Enqueue(&bot.Item{Platform: "shell", CaseID: c.ID, Op: bot.OpPost, Created: t0}); err != nil {
			return err
		}
		return no
	})
	if err != no {
		t.Fatalf("Update returned %v, want fn's error itself", err)
	}
	var r *refusal
	if !errors.As(err, &r) || r.msgID != "case.not_yours" {
		t.Fatalf("errors.As(%v) found no refusal", err)
	}
	assertOnly(t, s, c)
}

func TestUpdateRollsBackOnPanic(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic of fn", p)
			}
		}()
		s.Update(context.Background(), func(tx bot.Tx) error {
			if err := tx.CreateCase(newCase("shell:bea", bot.InitialReview)); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	// The single writer is free again: an Update that would wait for it
	// forever would fail here.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Update(ctx, func(tx bot.Tx) error { return nil }); err != nil {
		t.Fatalf("update after a panic: %v", err)
	}
	assertOnly(t, s, c)
}

// assertOnly checks that the store holds case c and nothing written after
// it.
func assertOnly(t *testing.T, s *sqlite.Store, c bot.Case) {
	t.Helper()
	MustView(t, s, func(tx bot.Tx) error {
		cases, err := tx.Cases(bot.CaseFilter{})
		if err != nil {
			return err
		}
		diff(t, "cases", cases, []bot.Case{c})
		events, err := tx.Events(0)
		if err != nil {
			return err
		}
		diff(t, "events", len(events), 0)
		rs, err := tx.Reactions("shell", "m1")
		if err != nil {
			return err
		}
		diff(t, "reactions", len(rs), 0)
		items, err := tx.Pending("shell", at(time.Hour), 0)
		if err != nil {
			return err
		}
		diff(t, "pending items", len(items), 0)
		return nil
	})
}

func TestEvents(t *testing.T) {
	s, _ := MustOpen(t)
	c1 := MustCase(t, s, "shell:ana", bot.InitialReview)
	c2 := MustCase(t, s, "shell:bea", bot.InitialReview)
	evs := []bot.Event{
		{CaseID: c1.ID, At: at(1), Actor: "shell:ana", Type: bot.EvOpened},
		{CaseID: c2.ID, At: at(2), Actor: "shell:bea", Type: bot.EvOpened},
		{CaseID: c1.ID, At: at(3), Actor: "shell:carl", Type: bot.EvVoteCast,
			Detail: map[string]string{"choice": "accept", "emoji": "✅", "quote": `"<@everyone>"`}},
		{CaseID: c1.ID, At: at(4), Type: bot.EvRoundDecided, Detail: map[string]string{"result": "accept"}},
		{At: at(5), Type: bot.EvDeliveryLost, Detail: map[string]string{"op": "post"}}, // no case
	}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, e := range evs {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range evs {
		evs[i].ID = int64(i + 1)
	}
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Events(c1.ID)
		if err != nil {
			return err
		}
		diff(t, "events of case 1", got, []bot.Event{evs[0], evs[2], evs[3]})
		got, err = tx.Events(0)
		diff(t, "every event", got, evs)
		return err
	})
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return tx.AppendEvent(bot.Event{CaseID: 99, At: t0, Type: bot.EvOpened})
	})
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("event of a missing case: %v, want ErrNotFound", err)
	}
}

func TestMembers(t *testing.T) {
	s, _ := MustOpen(t)
	ana := bot.Member{ID: "shell:ana", Name: "Ana", Locale: "pt-BR",
		Roles: bot.Roles{Committee: true, Chair: true, Groups: []string{"planning", "implementation"}}}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, err := range []error{
			tx.PutMember(ana),
			tx.SetLang("shell:ana", "pt"),
			tx.SetLang("shell:bea", "de"), // not seen before
			tx.PutMember(bot.Member{ID: "discord:1", Name: "Carl", Lang: "fr", Roles: bot.Roles{Staff: true}}),
			tx.PutMember(bot.Member{ID: "shellfish:1", Name: "Not on shell"}),
		} {
			if err != nil {
				return err
			}
		}
		// Seen again with new roles: the chosen language stays.
		ana.Name, ana.Roles = "Ana M.", bot.Roles{Committee: true}
		return tx.PutMember(ana)
	})
	ana.Lang = "pt"
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Member("shell:ana")
		if err != nil {
			return err
		}
		diff(t, "ana", got, ana)
		carl, err := tx.Member("discord:1")
		if err != nil {
			return err
		}
		diff(t, "carl", carl, bot.Member{ID: "discord:1", Name: "Carl", Roles: bot.Roles{Staff: true}})
		all, err := tx.Members("shell")
		diff(t, "shell members", all, []bot.Member{ana, {ID: "shell:bea", Lang: "de"}})
		if _, err := tx.Member("shell:zed"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("missing member: %v, want ErrNotFound", err)
		}
		return err
	})
}

func TestRoundsAndVotes(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	r := bot.Round{CaseID: c.ID, N: 1, Kind: bot.InitialRound, Post: "card", OpenedAt: t0, Deadline: at(72 * time.Hour)}
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.OpenRound(r); err != nil {
			return err
		}
		if err := tx.OpenRound(bot.Round{CaseID: c.ID, N: 2, Kind: bot.FinalRound, OpenedAt: t0, Deadline: t0}); err != nil {
			return err
		}
		r.Closed, r.Result, r.Escalated = true, bot.Accept, true
		if err := tx.UpdateRound(r); err != nil {
			return err
		}
		return tx.SaveVotes([]bot.Vote{
			{CaseID: c.ID, Round: 2, Voter: "shell:bea", Choice: bot.Go},
			{CaseID: c.ID, Round: 1, Voter: "shell:carl", Choice: bot.Decline},
			{CaseID: c.ID, Round: 1, Voter: "shell:bea", Choice: bot.Accept},
			{CaseID: c.ID, Round: 1, Voter: "shell:carl", Choice: bot.Accept}, // replaces
		})
	})
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Round(c.ID, 1)
		if err != nil {
			return err
		}
		diff(t, "round", got, r)
		votes, err := tx.Votes(c.ID)
		diff(t, "votes", votes, []bot.Vote{
			{CaseID: c.ID, Round: 1, Voter: "shell:carl", Choice: bot.Accept},
			{CaseID: c.ID, Round: 1, Voter: "shell:bea", Choice: bot.Accept},
			{CaseID: c.ID, Round: 2, Voter: "shell:bea", Choice: bot.Go},
		})
		if _, err := tx.Round(c.ID, 3); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("missing round: %v, want ErrNotFound", err)
		}
		return err
	})
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return tx.UpdateRound(bot.Round{CaseID: c.ID, N: 3})
	})
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("update of a missing round: %v, want ErrNotFound", err)
	}
}

func TestReactionsAreASet(t *testing.T) {
	s, _ := MustOpen(t)
	type step struct {
		remove bool
		user   bot.UserID
		emoji  string
		want   bool
	}
	steps := []step{
		{user: "shell:bea", emoji: "✅", want: true},
		{user: "shell:bea", emoji: "✅", want: false}, // replayed event
		{user: "shell:carl", emoji: "❌", want: true},
		{user: "shell:bea", emoji: "❓", want: true},
		{remove: true, user: "shell:bea", emoji: "✅", want: true},
		{remove: true, user: "shell:bea", emoji: "✅", want: false},
		{user: "shell:bea", emoji: "✅", want: true}, // back, after ❓
	}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for i, st := range steps {
			var got bool
			var err error
			if st.remove {
				got, err = tx.RemoveReaction("shell", "card-1", st.user, st.emoji)
			} else {
				got, err = tx.AddReaction("shell", "card-1", st.user, st.emoji)
			}
			if err != nil {
				return err
			}
			if got != st.want {
				t.Errorf("step %d %+v: got %v", i, st, got)
			}
		}
		// The same reaction on another post, or platform, is another one.
		if ok, err := tx.AddReaction("shell", "card-2", "shell:bea", "✅"); !ok || err != nil {
			t.Errorf("reaction on another post: %v, %v", ok, err)
		}
		if ok, err := tx.AddReaction("discord", "card-1", "shell:bea", "✅"); !ok || err != nil {
			t.Errorf("reaction on another platform: %v, %v", ok, err)
		}
		return nil
	})
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Reactions("shell", "card-1")
		if err != nil {
			return err
		}
		var held []string
		for i, r := range got {
			held = append(held, string(r.User)+" "+r.Emoji)
			if i > 0 && r.Seq <= got[i-1].Seq {
				t.Errorf("Seq not increasing: %+v", got)
			}
		}
		diff(t, "held reactions", held, []string{"shell:carl ❌", "shell:bea ❓", "shell:bea ✅"})
		return nil
	})
}

func TestReAddedReactionOutranksRemovedOne(t *testing.T) {
	// The reaction removed is the newest: without AUTOINCREMENT SQLite
	// would hand its rowid out again.
	s, _ := MustOpen(t)
	var first, second int64
	MustUpdate(t, s, func(tx bot.Tx) error {
		if _, err := tx.AddReaction("shell", "p", "shell:bea", "✅"); err != nil {
			return err
		}
		rs, err := tx.Reactions("shell", "p")
		if err != nil {
			return err
		}
		first = rs[0].Seq
		_, err = tx.RemoveReaction("shell", "p", "shell:bea", "✅")
		return err
	})
	MustUpdate(t, s, func(tx bot.Tx) error {
		if _, err := tx.AddReaction("shell", "p", "shell:bea", "✅"); err != nil {
			return err
		}
		rs, err := tx.Reactions("shell", "p")
		second = rs[0].Seq
		return err
	})
	if second <= first {
		t.Errorf("re-added reaction has Seq %d, the removed one had %d", second, first)
	}
}

func TestPosts(t *testing.T) {
	s, _ := MustOpen(t)
	c1 := MustCase(t, s, "shell:ana", bot.InitialReview)
	c2 := MustCase(t, s, "shell:bea", bot.InitialReview)
	card := bot.Post{CaseID: c1.ID, Name: "card", Platform: "discord", Ref: "111"}
	// The thread started on the card has the card's id, as on Discord.
	thread := bot.Post{CaseID: c1.ID, Name: "thread", Platform: "discord", Ref: "111"}
	vote := bot.Post{CaseID: c1.ID, Name: "vote/2", Platform: "discord", Ref: "222"}
	other := bot.Post{CaseID: c2.ID, Name: "thread", Platform: "discord", Ref: "333"}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, p := range []bot.Post{card, thread, {CaseID: c1.ID, Name: "vote/2", Platform: "discord", Ref: "old"}, vote, other} {
			if err := tx.PutPost(p); err != nil {
				return err
			}
		}
		return nil
	})
	MustView(t, s, func(tx bot.Tx) error {
		for _, tc := range []struct {
			name string
			get  func() (bot.Post, error)
			want bot.Post
		}{
			{"card by name", func() (bot.Post, error) { return tx.Post(c1.ID, "card") }, card},
			{"replaced post", func() (bot.Post, error) { return tx.Post(c1.ID, "vote/2") }, vote},
			{"card by ref", func() (bot.Post, error) { p, _, err := tx.PostByRef("discord", "111"); return p, err }, card},
			{"vote by ref", func() (bot.Post, error) { p, _, err := tx.PostByRef("discord", "222"); return p, err }, vote},
			{"thread by ref", func() (bot.Post, error) { p, _, err := tx.PostByRef("discord", "333"); return p, err }, other},
		} {
			got, err := tc.get()
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			diff(t, tc.name, got, tc.want)
		}
		got, err := tx.CaseByThread("discord", "111")
		if err != nil {
			return err
		}
		diff(t, "case by thread", got, c1)
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"old ref", func() error { _, _, err := tx.PostByRef("discord", "old"); return err }()},
			{"other platform", func() error { _, _, err := tx.PostByRef("shell", "111"); return err }()},
			{"missing name", func() error { _, err := tx.Post(c1.ID, "routing"); return err }()},
			{"not a thread", func() error { _, err := tx.CaseByThread("discord", "222"); return err }()},
		} {
			if !errors.Is(tc.err, bot.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", tc.name, tc.err)
			}
		}
		return nil
	})
}

// fullMessage uses every kind of Arg, fields and pings.
func fullMessage(key string) bot.Message {
	when := at(48 * time.Hour)
	return bot.Message{
		Key:  key,
		Lang: "de",
		Title: bot.T("case.card.title", "id", bot.N(42), "title",
			bot.S(`<script>alert("x")</script> @everyone`)),
		Lines: []bot.Text{
			bot.T("vote.tally", "yes", bot.N(3), "no", bot.N(int64(-1))).Plural(3),
			bot.T("vote.deadline", "at", bot.At(when), "emoji", bot.C("✅"),
				"who", bot.P(bot.Person{ID: "shell:bea", Name: "Bea"})),
			bot.T("case.groups", "list", bot.L([]bot.Text{bot.T("group.planning"), bot.Quoted("Ünïcode ✓")}),
				"nested", bot.X(bot.T("case.stage", "stage", bot.C("routing")))),
			bot.Quoted("a person's own words\nwith a newline"),
		},
		Fields: []bot.Field{
			{Label: bot.T("field.org"), Value: bot.Quoted("Stadtarchiv")},
			{Label: bot.T("field.type"), Value: bot.T("type.media-upload")},
		},
		Ping: []bot.UserID{"shell:ana", "shell:bea"},
	}
}

func TestOutboxCollapseKeepsOnePendingRefresh(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	place := bot.Place{Kind: bot.InGroup, Group: "planning", Thread: "th-1", User: "shell:bea"}
	edit := func(key string, d time.Duration) *bot.Item {
		return &bot.Item{Platform: "shell", CaseID: c.ID, Op: bot.OpEdit, Name: "card", Place: place,
			Message: fullMessage(key), Collapse: "edit:card:1", Created: at(d)}
	}
	first, second := edit("v1", 0), edit("v2", time.Second)
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.Enqueue(first) })
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.Enqueue(second) })
	if first.ID == 0 || second.ID != first.ID {
		t.Fatalf("ids %d, %d: the second refresh should stand in the first's place", first.ID, second.ID)
	}
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Pending("shell", at(time.Minute), 10)
		diff(t, "pending after two refreshes", got, []bot.Item{*first})
		return err
	})

	// A refresh already tried does not stand for a new one: its attempt
	// may be under way with the old state.
	third := edit("v3", 2*time.Second)
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.Retry(first.ID, at(time.Second), "timeout"); err != nil {
			return err
		}
		return tx.Enqueue(third)
	})
	if third.ID <= first.ID {
		t.Fatalf("a refresh during an attempt got id %d", third.ID)
	}
	first.Attempts = 1
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Pending("shell", at(time.Minute), 10)
		diff(t, "pending after a refresh during an attempt", got, []bot.Item{*first, *third})
		return err
	})
}

func TestAHeldBackEditDoesNotHoldUpTheCase(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	edit := &bot.Item{Platform: "shell", CaseID: c.ID, Op: bot.OpEdit, Name: "card", Collapse: "1/card",
		Created: at(0), Due: at(time.Second)}
	post := &bot.Item{Platform: "shell", CaseID: c.ID, Op: bot.OpPost, Name: "note",
		Place: bot.Place{Kind: bot.InThread}, Message: bot.Message{Lang: "en"}, Created: at(0)}
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.Enqueue(edit); err != nil {
			return err
		}
		return tx.Enqueue(post)
	})
	names := func(now time.Time) []string {
		var out []string
		MustView(t, s, func(tx bot.Tx) error {
			items, err := tx.Pending("shell", now, 10)
			for _, it := range items {
				out = append(out, string(it.Name))
			}
			return err
		})
		return out
	}
	diff(t, "before the edit is due", names(at(0)), []string{"note"})
	diff(t, "once it is due", names(at(time.Second)), []string{"card", "note"})
}

func TestPendingOrderAndBlocking(t *testing.T) {
	s, _ := MustOpen(t)
	c1 := MustCase(t, s, "shell:ana", bot.InitialReview)
	c2 := MustCase(t, s, "shell:bea", bot.InitialReview)
	item := func(platform string, caseID int64, name string, created time.Duration) *bot.Item {
		return &bot.Item{Platform: platform, CaseID: caseID, Op: bot.OpPost, Name: bot.PostName(name),
			Place: bot.Place{Kind: bot.InThread}, Message: bot.Message{Lang: "en", Title: bot.T(name)},
			Created: at(created)}
	}
	a1 := item("shell", c1.ID, "a1", 0)
	b1 := item("shell", c2.ID, "b1", 0)
	a2 := item("shell", c1.ID, "a2", 0)
	x := item("shell", 0, "x", 0) // no case: never blocked, never blocks
	d1 := item("discord", c2.ID, "d1", 0)
	later := item("shell", c2.ID, "later", time.Hour) // not due before t0+1h
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, it := range []*bot.Item{a1, b1, a2, x, d1, later} {
			if err := tx.Enqueue(it); err != nil {
				return err
			}
		}
		return nil
	})
	names := func(now time.Time, limit int) []string {
		t.Helper()
		var out []string
		MustView(t, s, func(tx bot.Tx) error {
			items, err := tx.Pending("shell", now, limit)
			for _, it := range items {
				out = append(out, fmt.Sprintf("%s/%d", it.Name, it.Attempts))
			}
			return err
		})
		return out
	}
	diff(t, "all due, in order", names(t0, 10), []string{"a1/0", "b1/0", "a2/0", "x/0"})
	diff(t, "limit", names(t0, 2), []string{"a1/0", "b1/0"})
	diff(t, "nothing due yet", names(at(-time.Second), 10), []string(nil))

	// a1 fails and is put off: a2, behind it, waits; other work goes on.
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.Retry(a1.ID, at(10*time.Minute), "503") })
	diff(t, "a1 put off", names(at(time.Minute), 10), []string{"b1/0", "x/0"})
	diff(t, "a1 due again", names(at(10*time.Minute), 10), []string{"a1/1", "b1/0", "a2/0", "x/0"})

	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, err := range []error{tx.Done(a1.ID), tx.Fail(b1.ID, "gone"), tx.Done(x.ID)} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	// A later item of a case waits only for older items that are pending.
	diff(t, "done and failed leave", names(at(2*time.Hour), 10), []string{"a2/0", "later/0"})

	err := s.Update(context.Background(), func(tx bot.Tx) error { return tx.Done(9999) })
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Done of a missing item: %v, want ErrNotFound", err)
	}
}

func TestTimersFireOnce(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.InitialReview)
	timers := []bot.Timer{
		{CaseID: c.ID, Round: 1, Kind: bot.TimerDeadline, Due: at(72 * time.Hour)},
		{CaseID: c.ID, Round: 1, Kind: bot.TimerReminder, Due: at(48 * time.Hour)},
		{CaseID: c.ID, Round: 2, Kind: bot.TimerReminder, Due: at(48 * time.Hour)},
		{CaseID: c.ID, Round: 2, Kind: bot.TimerDeadline, Due: at(72 * time.Hour)},
	}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, tm := range timers {
			if err := tx.AddTimer(tm); err != nil {
				return err
			}
		}
		return nil
	})
	for i := range timers {
		timers[i].ID = int64(i + 1)
	}
	due := func(now time.Time) []bot.Timer {
		t.Helper()
		var got []bot.Timer
		MustView(t, s, func(tx bot.Tx) (err error) {
			got, err = tx.DueTimers(now)
			return err
		})
		return got
	}
	diff(t, "none due", due(at(time.Hour)), []bot.Timer(nil))
	diff(t, "due, earliest first", due(at(100*time.Hour)), []bot.Timer{timers[1], timers[2], timers[0], timers[3]})

	fire := func(id int64) bool {
		t.Helper()
		var fired bool
		MustUpdate(t, s, func(tx bot.Tx) (err error) {
			fired, err = tx.FireTimer(id)
			return err
		})
		return fired
	}
	if !fire(timers[1].ID) {
		t.Error("first FireTimer reported false")
	}
	if fire(timers[1].ID) {
		t.Error("second FireTimer reported true")
	}
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.CancelTimers(c.ID, 2) })
	if fire(timers[2].ID) {
		t.Error("FireTimer of a cancelled timer reported true")
	}
	diff(t, "after firing and cancelling", due(at(100*time.Hour)), []bot.Timer{timers[0]})

	err := s.Update(context.Background(), func(tx bot.Tx) error { _, err := tx.FireTimer(99); return err })
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("FireTimer of a missing timer: %v, want ErrNotFound", err)
	}
}

func TestAssignments(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.Routing)
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, tc := range []struct {
			group string
			want  bool
		}{{"planning", true}, {"communication", true}, {"planning", false}} {
			ok, err := tx.Assign(bot.Assignment{CaseID: c.ID, Group: tc.group, RoutedBy: "shell:chair", RoutedAt: t0})
			if err != nil {
				return err
			}
			if ok != tc.want {
				t.Errorf("Assign %s = %v, want %v", tc.group, ok, tc.want)
			}
		}
		for _, tc := range []struct {
			group string
			user  bot.UserID
			want  bool
		}{
			{"communication", "shell:dan", true},
			{"planning", "shell:eve", true},
			{"communication", "shell:bea", true},
			{"communication", "shell:dan", false},
		} {
			ok, err := tx.Claim(c.ID, tc.group, tc.user, at(time.Minute))
			if err != nil {
				return err
			}
			if ok != tc.want {
				t.Errorf("Claim %s by %s = %v, want %v", tc.group, tc.user, ok, tc.want)
			}
		}
		if _, err := tx.Claim(c.ID, "evaluation", "shell:dan", t0); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("claim for an unrouted group: %v, want ErrNotFound", err)
		}
		if err := tx.Recommend(c.ID, "evaluation", "shell:dan", "x", t0); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("recommendation of an unrouted group: %v, want ErrNotFound", err)
		}
		return tx.Recommend(c.ID, "communication", "shell:bea", "Write a blog post first.", at(time.Hour))
	})
	planning := bot.Assignment{CaseID: c.ID, Group: "planning", RoutedBy: "shell:chair", RoutedAt: t0,
		Claimers: []bot.UserID{"shell:eve"}}
	comm := bot.Assignment{CaseID: c.ID, Group: "communication", RoutedBy: "shell:chair", RoutedAt: t0,
		Claimers:       []bot.UserID{"shell:dan", "shell:bea"},
		Recommendation: "Write a blog post first.", RecommendedBy: "shell:bea"}
	assignments := func() []bot.Assignment {
		var got []bot.Assignment
		MustView(t, s, func(tx bot.Tx) (err error) {
			got, err = tx.Assignments(c.ID)
			return err
		})
		return got
	}
	diff(t, "assignments", assignments(), []bot.Assignment{planning, comm})

	MustUpdate(t, s, func(tx bot.Tx) error { return tx.ClearRecommendations(c.ID) })
	comm.Recommendation, comm.RecommendedBy = "", ""
	diff(t, "after clearing", assignments(), []bot.Assignment{planning, comm})
}

func TestVolunteersAndNotices(t *testing.T) {
	s, _ := MustOpen(t)
	zoe := bot.Volunteer{User: "shell:zoe", Languages: "en, es", Skills: "OpenRefine", Groups: "implementation", At: t0}
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, v := range []bot.Volunteer{
			{User: "shell:zoe", Languages: "en", At: t0},
			{User: "shell:abe", Languages: "fr", At: t0},
			zoe, // signs up again
		} {
			if err := tx.PutVolunteer(v); err != nil {
				return err
			}
		}
		for _, tc := range []struct {
			user bot.UserID
			key  string
			want bool
		}{
			{"shell:zoe", "welcome", true},
			{"shell:zoe", "welcome", false},
			{"shell:zoe", "dm.unreachable", true},
			{"shell:abe", "welcome", true},
		} {
			ok, err := tx.FirstNotice(tc.user, tc.key, t0, 0)
			if err != nil {
				return err
			}
			if ok != tc.want {
				t.Errorf("FirstNotice(%s, %s) = %v, want %v", tc.user, tc.key, ok, tc.want)
			}
		}
		return nil
	})
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Volunteers()
		diff(t, "volunteers", got, []bot.Volunteer{{User: "shell:abe", Languages: "fr", At: t0}, zoe})
		return err
	})
}

func TestConcurrentUpdatesNeverBusy(t *testing.T) {
	s, _ := MustOpen(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			user := bot.UserID(fmt.Sprintf("shell:w%d", w))
			for i := range each {
				errs <- s.Update(context.Background(), func(tx bot.Tx) error {
					c := newCase(user, bot.InitialReview)
					if err := tx.CreateCase(c); err != nil {
						return err
					}
					if _, err := tx.AddReaction("shell", "card", user, fmt.Sprint(i)); err != nil {
						return err
					}
					return tx.AppendEvent(bot.Event{CaseID: c.ID, At: t0, Actor: user, Type: bot.EvOpened})
				})
				errs <- s.View(context.Background(), func(tx bot.Tx) error {
					_, err := tx.Cases(bot.CaseFilter{Requester: user})
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent call: %v", err)
		}
	}
	MustView(t, s, func(tx bot.Tx) error {
		cases, err := tx.Cases(bot.CaseFilter{})
		if err != nil {
			return err
		}
		rs, err := tx.Reactions("shell", "card")
		if len(cases) != workers*each || len(rs) != workers*each {
			t.Errorf("%d cases and %d reactions, want %d of each", len(cases), len(rs), workers*each)
		}
		return err
	})
}

// holdWriteLock plays another process writing to path: its own
// connection, holding the write lock until the test ends or release runs.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
				t.Error(err)
			}
			conn.Close()
			other.Close()
		})
	}
	t.Cleanup(release)
	return release
}

func TestAnotherProcessHoldingTheLockIsBusy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		busy    time.Duration // the store's busy timeout
		ctxWait time.Duration // the caller's deadline, if any
	}{
		{name: "busy timeout", busy: 100 * time.Millisecond},
		{name: "context deadline", ctxWait: 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "helpdesk.db")
			s := MustOpenPath(t, path, sqlite.Options{BusyTimeout: tc.busy})
			release := holdWriteLock(t, path)

			start := time.Now() // before the deadline is set: it counts from its making
			ctx := context.Background()
			if tc.ctxWait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxWait)
				defer cancel()
			}
			err := s.Update(ctx, func(tx bot.Tx) error {
				return tx.CreateCase(newCase("shell:ana", bot.InitialReview))
			})
			if !errors.Is(err, bot.ErrBusy) {
				t.Fatalf("Update while another process writes: %v, want ErrBusy", err)
			}
			if waited := time.Since(start); waited < 100*time.Millisecond || waited > 3*time.Second {
				t.Errorf("gave up after %v, want about 100ms", waited)
			}

			// Readers are not blocked by a writer in WAL mode, nor is
			// opening a store whose schema is up to date.
			MustView(t, s, func(tx bot.Tx) error { _, err := tx.Cases(bot.CaseFilter{}); return err })
			MustOpenPath(t, path, sqlite.Options{BusyTimeout: 10 * time.Millisecond})

			release()
			MustUpdate(t, s, func(tx bot.Tx) error {
				return tx.CreateCase(newCase("shell:ana", bot.InitialReview))
			})
		})
	}
}

func TestWaitingForTheWriterIsNotBusy(t *testing.T) {
	s, _ := MustOpen(t)
	inside, leave := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Update(context.Background(), func(tx bot.Tx) error {
			close(inside)
			<-leave
			return nil
		})
	}()
	<-inside
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Update(ctx, func(tx bot.Tx) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, bot.ErrBusy) {
		t.Errorf("Update queued behind another: %v, want the deadline and not ErrBusy", err)
	}
	close(leave)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestReactionsMoveToAPostedAgainPostAsCarried(t *testing.T) {
	s, _ := MustOpen(t)
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, r := range []struct{ ref, user, emoji string }{
			{"old", "shell:ana", "✅"}, {"old", "shell:bo", "❌"}, {"new", "shell:bo", "❌"},
		} {
			if _, err := tx.AddReaction("shell", r.ref, bot.UserID(r.user), r.emoji); err != nil {
				return err
			}
		}
		return tx.MoveReactions("shell", "old", "new")
	})
	MustView(t, s, func(tx bot.Tx) error {
		old, err := tx.Reactions("shell", "old")
		if err != nil || len(old) != 0 {
			t.Errorf("left on the old post: %+v (%v)", old, err)
		}
		got, err := tx.Reactions("shell", "new")
		var desc []string
		for _, h := range got {
			desc = append(desc, fmt.Sprintf("%s %s carried=%v", h.User, h.Emoji, h.Carried))
		}
		diff(t, "on the new post", desc, []string{"shell:ana ✅ carried=true", "shell:bo ❌ carried=false"})
		return err
	})
	// ana reacts on the new post: the platform shows it again, nothing else changes.
	MustUpdate(t, s, func(tx bot.Tx) error {
		added, err := tx.AddReaction("shell", "new", "shell:ana", "✅")
		if added {
			t.Error("a carried reaction added again counted as new")
		}
		return err
	})
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Reactions("shell", "new")
		for _, h := range got {
			if h.Carried {
				t.Errorf("%s %s still carried", h.User, h.Emoji)
			}
		}
		return err
	})
}

// A new database is readable by its owner only: it holds people's
// requests, names and votes.
func TestNewDatabaseIsPrivate(t *testing.T) {
	_, path := MustOpen(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o600 {
		t.Errorf("database created %o, want 600", perm)
	}
}

// Start-up refuses, with a message saying what to do, a database it cannot
// run on: one from a newer release, a damaged one, another kind of file,
// a read-only one.
func TestOpenRefusesADatabaseItCannotRunOn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	newer := filepath.Join(dir, "newer.db")
	s := MustOpenPath(t, newer, sqlite.Options{})
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('migrations/9999_future.sql', '2030-01-01 00:00:00.000000000Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_ = s

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 500), 0o600); err != nil {
		t.Fatal(err)
	}

	damaged := filepath.Join(dir, "damaged.db")
	d := MustOpenPath(t, damaged, sqlite.Options{})
	for i := range 200 {
		MustUpdate(t, d, func(tx bot.Tx) error {
			return tx.CreateCase(&bot.Case{Platform: "shell", Type: bot.Guidance, Title: fmt.Sprintf("case %d %s", i, strings.Repeat("x", 200)), Requester: "shell:a", Stage: bot.InitialReview})
		})
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := 3 * 4096; i < 6*4096 && i < len(raw); i++ { // pages of the cases table
		raw[i] = 0xA5
	}
	if err := os.WriteFile(damaged, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	readOnly := filepath.Join(dir, "readonly.db")
	MustOpenPath(t, readOnly, sqlite.Options{})
	if err := os.Chmod(readOnly, 0o400); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ path, want string }{
		{newer, "newer release"},
		{garbage, "not a helpdesk database"},
		{damaged, "damaged"},
		{readOnly, "read-only"},
	} {
		s, err := sqlite.Open(ctx, tc.path)
		if err == nil {
			s.Close()
			t.Errorf("%s opened", filepath.Base(tc.path))
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", filepath.Base(tc.path), err, tc.want)
		}
	}
}

// A backup taken in the middle of a vote storm restores: the copy opens,
// passes the integrity check, holds every case and reaction committed
// before the backup began, and has an installation id of its own.
func TestBackupDuringAVoteStormRestores(t *testing.T) {
	ctx := context.Background()
	s, path := MustOpen(t)
	for i := range 50 {
		MustUpdate(t, s, func(tx bot.Tx) error {
			return tx.CreateCase(&bot.Case{Platform: "shell", Type: bot.Guidance, Title: fmt.Sprintf("case %d", i), Requester: "shell:a", Stage: bot.InitialReview})
		})
	}
	var committed atomic.Int64 // reactions committed so far
	stop := make(chan struct{})
	storm := make(chan error, 1)
	go func() {
		for n := int64(0); ; n++ {
			select {
			case <-stop:
				storm <- nil
				return
			default:
			}
			err := s.Update(ctx, func(tx bot.Tx) error {
				_, err := tx.AddReaction("shell", fmt.Sprintf("m%d", n%50), bot.UserID(fmt.Sprintf("shell:u%d", n)), "✅")
				return err
			})
			if err != nil {
				storm <- err
				return
			}
			committed.Store(n + 1)
		}
	}()
	for committed.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	before := committed.Load()
	to := filepath.Join(t.TempDir(), "backup.db")
	info, err := s.Backup(ctx, to)
	close(stop)
	if err := <-storm; err != nil {
		t.Fatalf("the storm failed during the backup: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if info.Cases != 50 || info.Bytes == 0 {
		t.Fatalf("backup %+v", info)
	}
	restored := MustOpenPath(t, to, sqlite.Options{})
	var reactions int64
	var inst string
	MustView(t, restored, func(tx bot.Tx) error {
		for i := range 50 {
			rs, err := tx.Reactions("shell", fmt.Sprintf("m%d", i))
			if err != nil {
				return err
			}
			reactions += int64(len(rs))
		}
		inst, err = tx.Installation()
		return err
	})
	if reactions < before {
		t.Fatalf("the backup holds %d reactions, but %d were committed before it began", reactions, before)
	}
	var orig string
	MustView(t, s, func(tx bot.Tx) error { orig, err = tx.Installation(); return err })
	if inst == orig || inst != info.Installation {
		t.Fatalf("the backup's installation id %q (said %q) is the original's %q", inst, info.Installation, orig)
	}
	if st, err := os.Stat(to); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file %v %v", st.Mode(), err)
	}
	if _, err := s.Backup(ctx, to); err == nil {
		t.Fatal("a backup over an existing file")
	}
	_ = path
}
