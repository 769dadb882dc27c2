package mattermost_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Cases through their waits on Mattermost: sofia (locale sv) files #1,
// rita files #2, which the committee accepts and sends to support by
// reactions. /helpdesk todo tells carl, who has not voted on #1, to vote,
// and sam (staff) to take #2; sam takes it, and it is his. bea asks sofia
// a question, which sofia leaves unanswered: five days on she is reminded
// once, privately and in Swedish, and not again after a restart on the
// same database. At #1's deadline, without a quorum, the decision goes to
// bea, the chair, whose list then says to decide; sam, idle on #2 for a
// week, is reminded of it once.
func TestMattermostTodoAndQuestionReminder(t *testing.T) {
	h := MustStart(t)
	ctx := context.Background()
	st := locales.Style{Escape: mattermost.Escape}
	en := func(t bot.Text) string { return h.cat.Text("en", t, st) }
	sv := func(t bot.Text) string { return h.cat.Text("sv", t, st) }

	// sofia files #1, rita #2.
	vals := scans()
	vals["title"] = "Brev"
	if sub := h.request("sofia", "media-upload", vals); sub.Status != 200 || sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("sofia's request answered %d %+v", sub.Status, sub.Response)
	}
	card1 := h.card(1)
	vals["title"] = "Kartor"
	if sub := h.request("rita", "guidance", vals); sub.Status != 200 || sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("rita's request answered %d %+v", sub.Status, sub.Response)
	}
	card2 := h.card(2)

	// The committee accepts #2, needs no working group, and gives the
	// final go: #2 waits for support.
	for _, who := range []string{"bea", "carl", "dan"} {
		h.react(who, card2.Id, "white_check_mark")
	}
	routing := h.reply(card2.Id, "which working groups")
	h.react("bea", routing.Id, "fast_forward")
	final := h.reply(card2.Id, "final go, round 2")
	for _, who := range []string{"bea", "carl", "dan"} {
		h.react(who, final.Id, "white_check_mark")
	}
	h.message(card2.Id, h.say("en", "stage.support"))
	// bea votes on #1; carl and dan have not.
	h.react("bea", card1.Id, "white_check_mark")
	h.message(card1.Id, "1 of 3 members")

	staff := bot.Viewer{Member: bot.Member{ID: bot.UserID(mattermost.Platform + ":" + h.users["sam"]), Roles: bot.Roles{Staff: true}}, Lang: "en"}
	view := func(id int64) bot.CaseView {
		t.Helper()
		cv, err := h.svc.CaseView(ctx, staff, id)
		if err != nil {
			t.Fatal(err)
		}
		return cv
	}
	cv1, cv2 := view(1), view(2)
	if len(cv1.Rounds) != 1 || cv2.Case.Stage != bot.Support {
		t.Fatalf("#1 rounds %+v; #2 in %s", cv1.Rounds, cv2.Case.Stage)
	}
	deadline := cv1.Rounds[0].Deadline

	// /helpdesk todo, answered privately.
	todo := func(name string) string {
		t.Helper()
		res := h.command(name, "todo")
		if res.Response.ResponseType != "ephemeral" {
			t.Errorf("/helpdesk todo of %s answered %+v, want an ephemeral answer", name, res.Response)
		}
		return res.Response.Text
	}
	has := func(who, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s's to-do list lacks %q:\n%s", who, w, got)
			}
		}
	}
	got := todo("carl")
	has("carl", got, en(bot.T("todo.title").Plural(1)),
		en(bot.T("todo.vote", "id", bot.C("#1"), "title", bot.S("Brev"), "kind", bot.X(bot.T("round.initial")), "at", bot.At(deadline))))
	got = todo("sam")
	has("sam", got, en(bot.T("todo.title").Plural(1)),
		en(bot.T("todo.take", "id", bot.C("#2"), "title", bot.S("Kartor"), "since", bot.At(cv2.Case.UpdatedAt), "cmd", bot.C("/helpdesk take #2"))))
	if got, want := todo("bea"), en(bot.T("todo.none")); got != want {
		t.Errorf("bea's to-do list %q, want %q", got, want)
	}

	// sam takes #2: it is his now, no longer to take.
	if res := h.command("sam", "take #2"); !strings.Contains(res.Response.Text, "#2") {
		t.Fatalf("take: %+v", res.Response)
	}
	cv2 = view(2)
	if cv2.Case.Owner != staff.ID {
		t.Fatalf("#2 owned by %q", cv2.Case.Owner)
	}
	got = todo("sam")
	has("sam", got, en(bot.T("todo.owned", "id", bot.C("#2"), "title", bot.S("Kartor"), "stage", bot.X(cv2.Status))))
	if take := en(bot.T("todo.take", "id", bot.C("#2"), "title", bot.S("Kartor"), "since", bot.At(cv2.Case.UpdatedAt), "cmd", bot.C("/helpdesk take #2"))); strings.Contains(got, take) {
		t.Errorf("sam still has #2 to take:\n%s", got)
	}
	var taken time.Time
	for _, e := range cv2.Timeline {
		if e.At.After(taken) {
			taken = e.At // the latest: the take
		}
	}

	// bea asks sofia a question, told to sofia in Swedish.
	if res := h.command("bea", "ask #1 Vilka år?"); !strings.Contains(res.Response.Text, "#1") {
		t.Fatalf("ask: %+v", res.Response)
	}
	h.dm("sofia", sv(bot.T("dm.question.how", "cmd", bot.C("/helpdesk answer #1 …"))))
	var asked time.Time
	for _, e := range view(1).Timeline {
		if e.Text == "Vilka år?" {
			asked = e.At
		}
	}
	if asked.IsZero() {
		t.Fatalf("no question in the timeline: %+v", view(1).Timeline)
	}

	// Five days on, sofia is reminded, in Swedish, and nobody else is.
	reminder := sv(bot.T("dm.question.reminder", "id", bot.C("#1"), "title", bot.S("Brev"), "since", bot.At(asked), "cmd", bot.C("/helpdesk answer #1 …")))
	if slices.Contains(h.cat.Missing("sv"), "dm.question.reminder") {
		t.Logf("note: dm.question.reminder is not in Swedish yet; the reminder is checked in Swedish as the catalog renders it now (English words, a Swedish date)")
	}
	if h.cat.Date("sv", asked) == h.cat.Date("en", asked) {
		t.Fatalf("a Swedish date reads as an English one: %q", h.cat.Date("sv", asked))
	}
	dms := func(name string) []string {
		var out []string
		for _, p := range h.fake.Posts(mmtest.DirectChannel(h.fake.BotID, h.users[name])) {
			out = append(out, p.Message)
		}
		return out
	}
	count := func(name, what string) int {
		n := 0
		for _, m := range dms(name) {
			if strings.Contains(m, what) {
				n++
			}
		}
		return n
	}
	reminders := func(name string) int {
		n := 0
		for _, m := range dms(name) {
			if strings.Contains(m, "/helpdesk answer #1") && !strings.Contains(m, "Vilka år?") {
				n++
				if !strings.Contains(m, reminder) {
					t.Errorf("the reminder to %s reads %q, want it to contain %q", name, m, reminder)
				}
			}
		}
		return n
	}
	h.clock.Advance(5*24*time.Hour + time.Minute)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.eventually("the reminder to sofia", func() bool { return reminders("sofia") > 0 })

	// The helpdesk restarts on the same database and a day passes: no
	// second reminder. At #1's deadline a day later, the round goes to
	// the chair for want of a quorum, and sam has been idle on #2 for a
	// week: once both are told, everything due before is out too.
	h.restart()
	h.clock.Advance(24 * time.Hour)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(24 * time.Hour)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	escalated := en(bot.T("dm.escalated", "id", bot.C("#1"), "title", bot.S("Brev"), "reason", bot.X(bot.T("reason.no_quorum")), "cmd", bot.C("/helpdesk decide #1 …")))
	idle := en(bot.T("dm.idle", "id", bot.C("#2"), "title", bot.S("Kartor"), "since", bot.At(taken), "stage", bot.X(cv2.Status)))
	h.dm("bea", escalated)
	h.dm("sam", idle)
	if n := reminders("sofia"); n != 1 {
		t.Errorf("sofia reminded %d times, want once", n)
	}
	for _, name := range []string{"ana", "rita", "bea", "carl", "dan", "gus", "sam"} {
		if n := reminders(name); n != 0 {
			t.Errorf("%s got sofia's reminder %d times", name, n)
		}
	}
	if n := count("sam", idle); n != 1 {
		t.Errorf("sam reminded of #2 %d times, want once", n)
	}

	// bea's list now says to decide; carl has no vote left to give; sam
	// has #2 and the question overdue.
	has("bea", todo("bea"), en(bot.T("todo.decide", "id", bot.C("#1"), "title", bot.S("Brev"), "since", bot.At(deadline), "cmd", bot.C("/helpdesk decide #1 …"))))
	if got, want := todo("carl"), en(bot.T("todo.none")); got != want {
		t.Errorf("carl's to-do list after the deadline %q, want %q", got, want)
	}
	has("sam", todo("sam"),
		en(bot.T("todo.owned", "id", bot.C("#2"), "title", bot.S("Kartor"), "stage", bot.X(cv2.Status))),
		en(bot.T("todo.overdue", "id", bot.C("#1"), "title", bot.S("Brev"), "what", bot.X(bot.T("wait.question")), "since", bot.At(asked))))
}
