package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

const day = 24 * time.Hour

// card is the case card of case c as the platform shows it now: as posted,
// or as last edited.
func (h *harness) card(c int64) bot.Message {
	h.t.Helper()
	var ref string
	var msg bot.Message
	for _, s := range h.chat.sentSince(0) {
		switch {
		case s.Op == bot.OpPost && s.Msg.Title.ID == "card.title" && s.Msg.Title.Args["id"].Code == "#"+itoa(c):
			ref, msg = s.Ref, s.Msg
		case s.Op == bot.OpEdit && ref != "" && s.Ref == ref:
			msg = s.Msg
		}
	}
	if ref == "" {
		h.t.Fatalf("no card of case %d", c)
	}
	return msg
}

// todo is name's to-do list as message ids, one per item.
func (h *harness) todo(name string) []string {
	h.t.Helper()
	r := h.cmd(name, "todo")
	var out []string
	for _, l := range r.Reply.Lines {
		if strings.HasPrefix(l.ID, "todo.") && l.ID != "todo.title" && l.ID != "todo.none" {
			out = append(out, l.ID+" "+l.Args["id"].Code)
		}
	}
	return out
}

func (h *harness) wantTodo(name string, want ...string) {
	h.t.Helper()
	got := h.todo(name)
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		h.t.Fatalf("%s's to-do list: %q, want %q", name, got, want)
	}
}

// A question nobody answers: the requester is reminded once, then the
// committee is told once, then the case is closed as abandoned — across a
// restart, nothing twice; the requester may reopen it and answer.
func TestAnUnansweredQuestionRemindsTellsAndCloses(t *testing.T) {
	h := newHarness(t)
	h.langs["rita"] = "sv"
	c := h.request("rita", bot.DataUpload, "Herbarium sheets")
	h.wantReply(h.cmd("bo", "ask #1 Which licence do the scans have?"), "reply.asked")
	h.wantTodo("rita", "todo.answer #1")
	m := h.chat.mark()
	h.wait(5*day - time.Minute)
	h.wantNotPosted(m, "dm.question.reminder")
	h.wait(time.Minute)
	r := h.wantPosted(m, "dm.question.reminder", bot.InDirect, "rita")
	if r.Msg.Lang != "sv" || !has(r.Msg, "dm.question.closes") {
		t.Fatalf("reminder in %q, saying when it closes %v: %s", r.Msg.Lang, has(r.Msg, "dm.question.closes"), h.render(&r.Msg))
	}
	h.restart()
	h.wait(time.Hour)
	h.wait(5 * day)
	h.wantPosted(m, "dm.question.reminder", bot.InDirect, "rita")
	h.wantPosted(m, "thread.question.unanswered", bot.InThread, "")
	h.restart()
	h.wait(20 * day)
	h.wantPosted(m, "dm.question.reminder", bot.InDirect, "rita")
	h.wantPosted(m, "thread.question.unanswered", bot.InThread, "")
	h.wantPosted(m, "dm.abandoned", bot.InDirect, "rita")
	h.wantOutcome(c, bot.Abandoned)
	h.wantTodo("rita")
	h.wait(40 * day)
	if n := h.countEvents(c, bot.EvWaitReminded); n != 2 {
		t.Fatalf("%d reminders recorded, want 2", n)
	}

	// Within the time to reopen, the requester reopens it and answers.
	h.wantReply(h.cmd("rita", "reopen #1 Sorry, I was away."), "reopen.too_late")
	h2 := newHarness(t)
	h2.request("rita", bot.DataUpload, "Herbarium sheets")
	h2.cmd("bo", "ask #1 Which licence?")
	h2.wait(31 * day)
	h2.wantOutcome(1, bot.Abandoned)
	h2.wantReply(h2.cmd("rita", "reopen #1 Sorry, I was away."), "reply.reopened")
	h2.wantStage(1, bot.InitialReview) // where it was closed, with a new vote
	h2.wantTodo("rita", "todo.answer #1")
	h2.wantReply(h2.cmd("rita", "answer #1 CC0."), "reply.answered")
	h2.wantTodo("rita")
	m = h2.chat.mark()
	h2.wait(40 * day)
	h2.wantNotPosted(m, "dm.question.reminder")
}

// A card nobody claims: the group is reminded in its channel, then the
// chair and staff are told; a claim ends that wait and starts the one for
// the recommendation, which an act of the claimer puts off.
func TestAnUnclaimedCardAndAMissingRecommendation(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantReply(h.cmd("bo", "route #1 communication"), "reply.routed")
	h.wantTodo("cora", "todo.claim #1")
	m := h.chat.mark()
	h.wait(3 * day)
	p := h.wantPosted(m, "group.unclaimed", bot.InGroup, "")
	if p.Place.Group != "communication" {
		t.Fatalf("reminder to %q", p.Place.Group)
	}
	h.wait(4 * day)
	var told []bot.UserID
	for _, p := range h.posted(m, "dm.unclaimed") {
		told = append(told, p.Place.User)
	}
	if !slices.Equal(told, []bot.UserID{id("ana"), id("sam")}) { // the chair and staff
		t.Fatalf("told %v, want the chair and staff", told)
	}
	h.wantTodo("sam", "todo.overdue #1")
	h.wantReply(h.cmd("cora", "claim #1"), "reply.claimed")
	h.wantTodo("cora", "todo.recommend #1")
	h.wantTodo("sam")
	m = h.chat.mark()
	h.wait(6 * day)
	h.wantReply(h.cmd("cora", "note #1 Waiting for the printer's answer."), "reply.noted")
	h.wait(2 * day)
	h.wantNotPosted(m, "dm.recommend.reminder") // the note put it off
	h.wait(5 * day)
	h.wantPosted(m, "dm.recommend.reminder", bot.InDirect, "cora")
	h.wantReply(h.cmd("cora", "recommend #1 A small set first."), "reply.recommended")
	m = h.chat.mark()
	h.wait(30 * day)
	h.wantNotPosted(m, "dm.recommend.reminder")
	h.wantNotPosted(m, "dm.recommend.late")
}

// Routing to a group nobody is in warns the one routing at once, by
// reply or privately, and staff.
func TestRoutingToAnEmptyGroupWarns(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	m := h.chat.mark()
	h.wantReply(h.cmd("bo", "route #1 evaluation"), "reply.routed.empty")
	h.wantPosted(m, "dm.group_empty.staff", bot.InDirect, "sam")
	c2 := h.request("rita", bot.MediaUpload, "Maps")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c2, who, "✅")
	}
	m = h.chat.mark()
	h.react(c2, "dina", "📚") // materials: nobody
	h.wantPosted(m, "notice.group_empty", bot.InDirect, "dina")
	h.wantPosted(m, "dm.group_empty.staff", bot.InDirect, "sam")
	m = h.chat.mark()
	h.react(c2, "dina", "🛠️") // implementation: ivan
	h.wantNotPosted(m, "notice.group_empty")
}

// supported takes a new case of rita's to support, with no group.
func supported(h *harness, title string) int64 {
	h.t.Helper()
	c := h.request("rita", bot.Guidance, title)
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("bo", "route #"+itoa(c)+" none")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantStage(c, bot.Support)
	return c
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Staff take a case or give it to a colleague: the requester learns who
// helps them; the owner, not all staff, is reminded when nothing happens.
func TestAnOwnerIsToldAndReminded(t *testing.T) {
	h := newHarness(t)
	if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id("tess"), Name: "Tess", Roles: bot.Roles{Staff: true}}); err != nil {
		t.Fatal(err)
	}
	h.langs["rita"] = "fr"
	c := supported(h, "Workshop")
	h.wantTodo("sam", "todo.take #1")
	m := h.chat.mark()
	h.wantReply(h.cmd("sam", "take #1"), "reply.taken")
	told := h.wantPosted(m, "dm.owner", bot.InDirect, "rita")
	if told.Msg.Lang != "fr" || !has(told.Msg, "dm.owner.next.support") || !strings.Contains(h.render(&told.Msg), "sam") {
		t.Fatalf("requester told: %s (%s)", h.render(&told.Msg), told.Msg.Lang)
	}
	h.wantTodo("sam", "todo.owned #1")
	h.wait(7 * day)
	h.wantNotPosted(m, "dm.support.reminder") // someone owns it
	h.wantPosted(m, "dm.idle", bot.InDirect, "sam")
	tess := bot.Viewer{Member: bot.Member{ID: id("tess"), Roles: bot.Roles{Staff: true}}}
	overdue := func() []bot.TodoKind {
		t.Helper()
		items, err := h.svc.Todo(h.ctx, tess)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []bot.TodoKind
		for _, it := range items {
			kinds = append(kinds, it.Kind)
		}
		return kinds
	}
	if got := overdue(); !slices.Equal(got, []bot.TodoKind{bot.TodoOverdue}) {
		t.Fatalf("another staff member's list after the idle reminder: %v", got)
	}
	h.wantTodo("sam", "todo.owned #1") // his own case, once
	h.wait(3 * day)
	h.wantReply(h.cmd("sam", "note #1 Called them, workshop in May."), "reply.noted")
	if got := overdue(); len(got) != 0 {
		t.Fatalf("still overdue after the owner acted: %v", got)
	}
	h.wait(5 * day) // 15 days: a second reminder was due at 14, but sam acted at 10
	if n := len(h.posted(m, "dm.idle")); n != 1 {
		t.Fatalf("%d idle reminders, want 1", n)
	}
	m = h.chat.mark()
	h.wantReply(h.cmd("sam", "assign #1 @tess"), "reply.assigned")
	h.wantPosted(m, "dm.assigned", bot.InDirect, "tess")
	h.wantPosted(m, "dm.owner", bot.InDirect, "rita")
	h.wait(7 * day)
	h.wantPosted(m, "dm.idle", bot.InDirect, "tess")
	h.wantReply(h.cmd("sam", "assign #1 nobody"), "assign.unknown")
	h.wantReply(h.cmd("ivan", "take #1"), "error.not_yours")
	h.wantReply(h.cmd("sam", "resolve #1 Workshop held."), "reply.resolved")
	m = h.chat.mark()
	h.wait(30 * day)
	h.wantNotPosted(m, "dm.idle")
	_ = c
}

// A round past its deadline without a quorum is the chair's to decide: it
// is on her to-do list even after she voted, its card says so, and a late
// vote that makes a plurality with a quorum decides it.
func TestALateVoteDecidesAnEscalatedRound(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.wantTodo("chen", "todo.vote #1")
	h.wantTodo("ana")
	h.wait(7 * day)
	h.wantTodo("ana", "todo.decide #1")
	h.wantTodo("chen")
	card := h.card(c)
	if !has(card, "vote.closed_at") || !has(card, "vote.decides_now") || has(card, "vote.deadline") || has(card, "vote.how.initial") {
		t.Fatalf("the card of an escalated round: %s", h.render(&card))
	}
	h.react(c, "chen", "❌")
	h.wantStage(c, bot.Routing)
	h.wantTodo("ana")
}

// A decline reaches the requester with the committee's reason: given with
// the chair's decision, or afterwards when reactions decided it, once.
func TestDeclinesCarryTheirReason(t *testing.T) {
	h := newHarness(t)
	h.langs["rita"] = "es"
	c := h.request("rita", bot.Funding, "Scanner")
	h.wait(7 * day)
	m := h.chat.mark()
	h.wantReply(h.cmd("ana", "decide #1 decline We do not fund equipment."), "reply.decided")
	d := h.wantPosted(m, "dm.declined", bot.InDirect, "rita")
	if !has(d.Msg, "dm.declined.reason") || !strings.Contains(h.render(&d.Msg), "We do not fund equipment.") || d.Msg.Lang != "es" {
		t.Fatalf("decline: %s", h.render(&d.Msg))
	}
	h.wantNotPosted(m, "thread.reason.ask")
	h.wantReply(h.cmd("bo", "reason #1 Again."), "reason.given")

	c2 := h.request("rita", bot.Funding, "Camera")
	m = h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c2, who, "❌")
	}
	h.wantPosted(m, "thread.reason.ask", bot.InThread, "")
	h.wantReply(h.cmd("rita", "reason #2 Mine."), "error.committee_or_staff")
	h.wantReply(h.cmd("bo", "reason #2 Cameras are for the chapters to lend."), "reply.reason")
	r := h.wantPosted(m, "dm.reason", bot.InDirect, "rita")
	if !strings.Contains(h.render(&r.Msg), "Cameras are for the chapters to lend.") {
		t.Fatalf("reason: %s", h.render(&r.Msg))
	}
	h.wantReply(h.cmd("chen", "reason #2 Twice."), "reason.given")
	_ = c
}

// Internal notes are for the helpdesk: the requester's history and case
// page leave them out, the committee's show them with their text.
func TestNotesAreNotForTheRequester(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.wantReply(h.cmd("bo", "note #1 The museum is a member of our chapter."), "reply.noted")
	h.wantReply(h.cmd("rita", "note #1 Hello."), "error.note_requester")
	h.wantReply(h.cmd("ivan", "note #1 Hello."), "error.not_yours")
	mine := h.cmd("rita", "history #1")
	for _, l := range mine.Reply.Lines {
		if l.ID == "history.line" && l.Args["what"].Text.ID == "event.case.note" {
			t.Fatal("the requester's history shows an internal note")
		}
	}
	for who, want := range map[string]bool{"rita": false, "bo": true, "sam": true} {
		m := bot.Member{ID: id(who), Roles: roster[who]}
		cv, err := h.svc.CaseView(h.ctx, bot.Viewer{Member: m, Lang: "en"}, c)
		if err != nil {
			t.Fatal(err)
		}
		seen := slices.ContainsFunc(cv.Timeline, func(e bot.Entry) bool {
			return e.Internal && e.Text == "The museum is a member of our chapter."
		})
		if seen != want {
			t.Fatalf("%s sees the note: %v, want %v", who, seen, want)
		}
	}
}

// The daily digest comes at its hour of the helpdesk's time zone, with
// the to-do list, and stops when asked.
func TestTheDigestComesAtItsHour(t *testing.T) {
	h := newHarness(t)
	h.request("rita", bot.MediaUpload, "Postcards")
	h.wantReply(h.cmd("bo", "digest on 7"), "digest.on")
	m := h.chat.mark()
	h.wait(21 * time.Hour) // the clock starts at 09:00 UTC
	h.wantNotPosted(m, "digest.title")
	h.wait(time.Hour)
	d := h.wantPosted(m, "digest.title", bot.InDirect, "bo")
	if !has(d.Msg, "todo.vote") {
		t.Fatalf("digest: %s", h.render(&d.Msg))
	}
	h.restart()
	h.wait(day)
	if n := len(h.posted(m, "digest.title")); n != 2 {
		t.Fatalf("%d digests in two days, want 2", n)
	}
	h.wantReply(h.cmd("bo", "digest off"), "digest.off")
	m = h.chat.mark()
	h.wait(3 * day)
	h.wantNotPosted(m, "digest.title")
	h.wantReply(h.cmd("bo", "digest on 25"), "digest.hour")
}

// A reopened case goes back to the stage it was closed in, with what that
// stage needs: a declined final go to a new final vote, a resolved case to
// support (its owner reminded again), a withdrawn request to the vote it
// left; the requester is told when staff reopened it.
func TestReopenReturnsToItsStage(t *testing.T) {
	h := newHarness(t)
	c := supported(h, "Workshop")
	h.wantReply(h.cmd("sam", "take #1"), "reply.taken")
	h.wantReply(h.cmd("sam", "resolve #1 Done."), "reply.resolved")
	h.wantReply(h.cmd("bo", "reopen #1 Not done."), "error.reopen_only")
	m := h.chat.mark()
	h.wantReply(h.cmd("sam", "reopen #1 The uploads failed; we go on."), "reply.reopened")
	h.wantStage(c, bot.Support)
	h.wantPosted(m, "dm.reopened", bot.InDirect, "rita")
	h.wantTodo("sam", "todo.owned #1")
	h.wait(7 * day)
	h.wantPosted(m, "dm.idle", bot.InDirect, "sam")
	h.wantReply(h.cmd("sam", "reopen #1 Again."), "reopen.open")

	c2 := h.request("rita", bot.Guidance, "Metadata")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c2, who, "✅")
	}
	h.cmd("bo", "route #2 none")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c2, who, "❌")
	}
	h.wantOutcome(c2, bot.Declined)
	m = h.chat.mark()
	h.wantReply(h.cmd("rita", "reopen #2 We have changed the plan."), "reply.reopened")
	h.wantStage(c2, bot.FinalReview)
	h.wantNotPosted(m, "dm.reopened") // she did it herself
	h.wantTodo("dina", "todo.vote #2")

	c3 := h.request("rita", bot.Guidance, "Maps")
	h.wantReply(h.cmd("rita", "withdraw #3 confirm"), "reply.withdrawn")
	h.wantReply(h.cmd("rita", "reopen #3 Sorry, I still need it."), "reply.reopened")
	h.wantStage(c3, bot.InitialReview)
	if got := h.record(c3).Case.ClosedAt; !got.IsZero() {
		t.Fatalf("a reopened case keeps its closing time %v", got)
	}
}
