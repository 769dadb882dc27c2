package discord

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
)

// A case through its waits on Discord: rita files it in Swedish, two of
// the five committee members vote by reaction, and /helpdesk todo tells
// chen, who has not voted, to vote; ana asks rita a question, which rita
// leaves unanswered: five days on rita is reminded once, privately and in
// Swedish, and not again after a restart on the same database; at the
// deadline, without a quorum, the decision goes to ana, the chair, whose
// list then says to decide, and staff's list has the question overdue.
func TestDiscordTodoAndQuestionReminder(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	ctx := context.Background()
	sv := func(t bot.Text) string { return h.cat.Text("sv", t, h.a.style(nil)) }

	// rita files the case from a Swedish client.
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "sv-SE", "helpdesk:request:media-upload", map[string]string{
		"title": "Brev", "description": "300 brev från stadsarkivet.", "organisation": "Stadsarkivet",
	})
	if got, want := h.reply(token), sv(bot.T("reply.opened", "id", bot.C("#1"), "title", bot.S("Brev"))); got != want {
		t.Fatalf("reply to the form %q, want %q", got, want)
	}
	var card string
	h.eventually("the card with its reactions", func() bool {
		ms := f.MessagesIn(committeeCh)
		if len(ms) == 0 {
			return false
		}
		card = ms[0].ID
		return len(ms[0].Reactions) == 3 && f.Channel(card).ID != ""
	})
	h.vote(card, "✅", ana)
	h.vote(card, "❌", bo)
	h.eventually("two votes", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 1, 0, 2, 5)) })

	chair := bot.Viewer{Member: bot.Member{ID: userID(ana), Roles: bot.Roles{Committee: true, Chair: true}}, Lang: "en"}
	view := func() bot.CaseView {
		t.Helper()
		cv, err := h.svc.CaseView(ctx, chair, 1)
		if err != nil {
			t.Fatal(err)
		}
		return cv
	}
	cv := view()
	if len(cv.Rounds) != 1 {
		t.Fatalf("rounds %+v", cv.Rounds)
	}
	deadline := cv.Rounds[0].Deadline

	// /helpdesk todo, answered privately: chen has a vote to give, ana
	// (who voted) has nothing to do.
	todo := func(user string) string {
		t.Helper()
		id, tok := f.Command(user, lobbyCh, "todo")
		r := h.response(id)
		var data struct {
			Flags int `json:"flags"`
		}
		b, _ := json.Marshal(r["data"])
		_ = json.Unmarshal(b, &data)
		if r["type"].(float64) != 5 || data.Flags&64 == 0 {
			t.Errorf("/helpdesk todo of %s acknowledged with %v, want a deferred ephemeral answer", user, r)
		}
		return words(h.reply(tok))
	}
	got := todo(chen)
	for _, want := range []string{
		h.en(bot.T("todo.title").Plural(1)),
		h.en(bot.T("todo.vote", "id", bot.C("#1"), "title", bot.S("Brev"), "kind", bot.X(bot.T("round.initial")), "at", bot.At(deadline))),
	} {
		if !strings.Contains(got, words(want)) {
			t.Errorf("chen's to-do list lacks %q:\n%s", words(want), got)
		}
	}
	if got, want := todo(ana), h.en(bot.T("todo.none")); got != words(want) {
		t.Errorf("ana's to-do list %q, want %q", got, want)
	}

	// ana asks rita a question, told to rita in Swedish.
	_, tok := f.Command(ana, lobbyCh, "ask", "case", 1, "question", "Vilka år?")
	if r := h.reply(tok); !strings.Contains(r, "#1") {
		t.Fatalf("ask: %q", r)
	}
	dmOf := func(user string) []discordtest.Message {
		if ch := f.DMChannel(user); ch != "" {
			return f.MessagesIn(ch)
		}
		return nil
	}
	how := sv(bot.T("dm.question.how", "cmd", bot.Cmd("answer #1 …")))
	h.eventually("the question to rita, in Swedish", func() bool {
		return slices.ContainsFunc(dmOf(rita), func(m discordtest.Message) bool {
			return strings.Contains(m.Content, "Vilka år?") && strings.Contains(m.Content, how)
		})
	})
	var asked time.Time
	for _, e := range view().Timeline {
		if e.Text == "Vilka år?" {
			asked = e.At
		}
	}
	if asked.IsZero() {
		t.Fatalf("no question in the timeline: %+v", view().Timeline)
	}

	// Five days on, rita is reminded, in Swedish, and nobody else is.
	reminder := sv(bot.T("dm.question.reminder", "id", bot.C("#1"), "title", bot.S("Brev"), "since", bot.At(asked), "cmd", bot.Cmd("answer #1 …")))
	if slices.Contains(h.cat.Missing("sv"), "dm.question.reminder") {
		t.Logf("note: dm.question.reminder is not in Swedish yet; the reminder is checked in Swedish as the catalog renders it now (English words, a Swedish date)")
	}
	if h.cat.Date("sv", asked) == h.cat.Date("en", asked) {
		t.Fatalf("a Swedish date reads as an English one: %q", h.cat.Date("sv", asked))
	}
	reminders := func(user string) int {
		n := 0
		for _, m := range dmOf(user) {
			if strings.Contains(m.Content, "/helpdesk answer #1") && !strings.Contains(m.Content, "Vilka år?") {
				n++
				if !strings.Contains(m.Content, reminder) {
					t.Errorf("the reminder to %s reads %q, want it to contain %q", user, m.Content, reminder)
				}
			}
		}
		return n
	}
	h.clock.Advance(5*24*time.Hour + time.Minute)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.eventually("the reminder to rita", func() bool { return reminders(rita) > 0 })

	// The helpdesk restarts on the same database and a day passes: no
	// second reminder. At the deadline, two days later, the round goes
	// to the chair for want of a quorum: once ana is told, everything
	// due before is out too.
	h.stop()
	h.start()
	h.clock.Advance(24 * time.Hour)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(24 * time.Hour)
	if err := h.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	escalated := h.en(bot.T("dm.escalated", "id", bot.C("#1"), "title", bot.S("Brev"), "reason", bot.X(bot.T("reason.no_quorum")),
		"cmd", bot.Cmd("decide #1 …")))
	h.eventually("ana told to decide", func() bool {
		return slices.ContainsFunc(dmOf(ana), func(m discordtest.Message) bool { return strings.Contains(words(m.Content), words(escalated)) })
	})
	if n := reminders(rita); n != 1 {
		t.Errorf("rita reminded %d times, want once", n)
	}
	for _, u := range []string{ana, bo, chen, dina, eli, ivan, sam} {
		if n := reminders(u); n != 0 {
			t.Errorf("%s got rita's reminder %d times", u, n)
		}
	}

	// ana's list now says to decide; chen has no vote left to give;
	// staff see the question overdue.
	got = todo(ana)
	if want := words(h.en(bot.T("todo.decide", "id", bot.C("#1"), "title", bot.S("Brev"), "since", bot.At(deadline), "cmd", bot.Cmd("decide #1 …")))); !strings.Contains(got, want) {
		t.Errorf("ana's to-do list lacks %q:\n%s", want, got)
	}
	if got, want := todo(chen), h.en(bot.T("todo.none")); got != words(want) {
		t.Errorf("chen's to-do list after the deadline %q, want %q", got, want)
	}
	got = todo(sam)
	if want := words(h.en(bot.T("todo.overdue", "id", bot.C("#1"), "title", bot.S("Brev"), "what", bot.X(bot.T("wait.question")), "since", bot.At(asked)))); !strings.Contains(got, want) {
		t.Errorf("sam's to-do list lacks %q:\n%s", want, got)
	}
}
