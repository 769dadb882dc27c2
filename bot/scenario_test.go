package bot_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func TestMediaUploadGoesFromRequestToRating(t *testing.T) {
	h := newHarness(t)
	m := h.chat.mark()
	c := h.request("rita", bot.MediaUpload, "300 scans from the city archive")

	card := h.wantPosted(m, "card.title", bot.InCommittee, "")
	if card.Msg.Lang != "en" || !has(card.Msg, "vote.how.initial") {
		t.Fatalf("card: %s", h.render(&card.Msg))
	}
	h.wantPosted(m, "dm.opened", bot.InDirect, "rita")
	var reactions []string
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpReact && s.Ref == card.Ref {
			reactions = append(reactions, s.Emoji)
		}
	}
	if !slices.Equal(reactions, []string{"✅", "❌", "❓"}) {
		t.Fatalf("vote reactions on the card: %q", reactions)
	}

	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.wantStage(c, bot.InitialReview) // 2 of 5 is no majority yet
	m = h.chat.mark()
	h.react(c, "chen", "✅")
	h.wantStage(c, bot.Routing)
	h.wantPosted(m, "thread.decided", bot.InThread, "")
	h.wantPosted(m, "routing.title", bot.InThread, "")
	h.wantPosted(m, "dm.accepted", bot.InDirect, "rita")

	m = h.chat.mark()
	h.react(c, "dina", "🛠️") // the implementation group's emoji
	h.wantStage(c, bot.WorkingGroup)
	gc := h.wantPosted(m, "groupcard.title", bot.InGroup, "")
	if gc.Place.Group != "implementation" || !gc.Msg.LinkThread || gc.Msg.Thread == "" {
		t.Fatalf("group card went to %+v, link %v %q", gc.Place, gc.Msg.LinkThread, gc.Msg.Thread)
	}

	m = h.chat.mark()
	h.react(c, "ivan", "🙋")
	invited := false
	for _, s := range h.chat.sentSince(m) {
		invited = invited || s.Op == bot.OpInvite && s.User == id("ivan")
	}
	if !invited {
		t.Fatal("ivan claimed but was not added to the thread")
	}
	h.wantReply(h.cmd("ivan", "recommend #1 Use Pattypan; the metadata is ready."), "reply.recommended")
	h.wantStage(c, bot.FinalReview)
	for _, who := range []string{"ana", "bo", "eli"} {
		h.react(c, who, "✅")
	}
	h.wantStage(c, bot.Support)

	m = h.chat.mark()
	h.wantReply(h.cmd("sam", "resolve #1 Uploaded 300 files with Pattypan."), "reply.resolved")
	h.wantOutcome(c, bot.Resolved)
	h.wantPosted(m, "dm.resolved", bot.InDirect, "rita")
	h.react(c, "rita", "4️⃣")

	rec := h.record(c)
	if rec.Case.Rating != 4 {
		t.Fatalf("rating %d, want 4", rec.Case.Rating)
	}
	if len(rec.Groups) != 1 || rec.Groups[0].Group != "implementation" || rec.Groups[0].Recommendation == "" {
		t.Fatalf("groups: %+v", rec.Groups)
	}
	if len(rec.Votes) != 6 {
		t.Fatalf("%d votes recorded, want 3 + 3: %+v", len(rec.Votes), rec.Votes)
	}
	for _, want := range []bot.EventType{bot.EvOpened, bot.EvVoteCast, bot.EvRoundDecided, bot.EvRouted, bot.EvClaimed, bot.EvRecommended, bot.EvResolved, bot.EvRated} {
		if h.countEvents(c, want) == 0 {
			t.Errorf("no %s event in %v", want, h.events(c))
		}
	}
}

func TestDeclinedCaseIsClosedAndTheRequesterTold(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Funding, "A grant for our scanner")
	m := h.chat.mark()
	for _, who := range []string{"bo", "chen", "dina"} {
		h.react(c, who, "❌")
	}
	h.wantOutcome(c, bot.Declined)
	h.wantPosted(m, "dm.declined", bot.InDirect, "rita")
	archived := false
	for _, s := range h.chat.sentSince(m) {
		archived = archived || s.Op == bot.OpArchive
	}
	if !archived {
		t.Fatal("the thread of a declined case was not archived")
	}
	h.wantReply(h.cmd("rita", "withdraw #1 confirm"), "error.closed")
}

func TestNeedsInformationAndBack(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.DataUpload, "Museum catalogue to Wikidata")
	m := h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "❓")
	}
	h.wantStage(c, bot.NeedsInfo)
	h.wantPosted(m, "dm.needs_info", bot.InDirect, "rita")

	h.wantReply(h.cmd("rita", "ask #1 Why?"), "error.committee_only")
	m = h.chat.mark()
	h.wantReply(h.cmd("bo", "ask #1 Under which licence is the catalogue?"), "reply.asked")
	q := h.wantPosted(m, "dm.question", bot.InDirect, "rita")
	if !slices.ContainsFunc(q.Msg.Lines, func(t bot.Text) bool { return t.Quote == "Under which licence is the catalogue?" }) {
		t.Fatalf("the question did not reach the requester: %s", h.render(&q.Msg))
	}

	h.wantReply(h.cmd("bo", "answer #1 CC0"), "error.requester_only")
	m = h.chat.mark()
	h.wantReply(h.cmd("rita", "answer #1 CC0, all of it."), "reply.answered")
	h.wantStage(c, bot.InitialReview)
	h.wantPosted(m, "thread.answered", bot.InThread, "")
	vote := h.wantPosted(m, "vote.title.initial", bot.InThread, "")
	if r := h.record(c).Case.Round; r != 2 {
		t.Fatalf("round %d, want 2", r)
	}
	// Reactions on the old card no longer count; the new vote message does.
	if h.target(c, "ana", "✅") != vote.Ref {
		t.Fatal("the current vote is not on the new vote message")
	}
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantStage(c, bot.Routing)
}

func TestFinalReviewSendsTheCaseBackToTheGroup(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "How to start a partnership")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantReply(h.cmd("ana", "route #1 implementation,communication"), "reply.routed")
	h.wantReply(h.cmd("ivan", "claim #1"), "reply.claimed")
	h.wantReply(h.cmd("cora", "claim #1"), "reply.claimed")
	h.cmd("ivan", "recommend #1 A workshop first.")
	h.wantStage(c, bot.WorkingGroup) // communication has not recommended yet
	h.cmd("cora", "recommend #1 A blog post after.")
	h.wantStage(c, bot.FinalReview)

	m := h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "↩️")
	}
	h.wantStage(c, bot.WorkingGroup)
	h.wantPosted(m, "thread.back", bot.InThread, "")
	if n := len(h.posted(m, "group.back")); n != 2 {
		t.Fatalf("%d group channels told, want 2", n)
	}
	for _, a := range h.record(c).Groups {
		if a.Recommendation != "" {
			t.Fatalf("%s still has its old recommendation", a.Group)
		}
	}
	h.cmd("ivan", "recommend #1 A workshop, then uploads.")
	h.cmd("cora", "recommend #1 Blog post.")
	h.wantStage(c, bot.FinalReview)
	if r := h.record(c).Case.Round; r != 3 {
		t.Fatalf("round %d, want 3", r)
	}
}

func TestRequesterWithdraws(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Contacts, "Who knows about map uploads?")
	h.react(c, "ana", "✅")
	h.wantReply(h.cmd("bo", "withdraw #1 confirm"), "error.requester_only")
	m := h.chat.mark()
	h.wantReply(h.cmd("rita", "withdraw #1 confirm"), "reply.withdrawn")
	h.wantOutcome(c, bot.Withdrawn)
	h.wantPosted(m, "thread.withdrawn", bot.InThread, "")
	// The round ended: its deadline no longer fires.
	m = h.chat.mark()
	h.wait(8 * 24 * time.Hour)
	h.wantNotPosted(m, "thread.escalated")
	h.wantNotPosted(m, "thread.decided")
}

func TestTieAtTheDeadlineIsBrokenByTheChair(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅") // the chair
	h.react(c, "bo", "✅")
	h.react(c, "chen", "❌")
	h.react(c, "dina", "❌")
	h.wantStage(c, bot.InitialReview)
	m := h.chat.mark()
	h.wait(7*24*time.Hour + time.Minute)
	h.wantStage(c, bot.Routing)
	d := h.wantPosted(m, "thread.decided", bot.InThread, "")
	if got := d.Msg.Lines[0].Args["reason"].Text.ID; got != "reason.chair_tie" {
		t.Fatalf("decided by %s, want the chair's tie-break", got)
	}
}

func TestTieWithoutTheChairGoesToTheChair(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "bo", "✅")
	h.react(c, "chen", "✅")
	h.react(c, "dina", "❌")
	h.react(c, "eli", "❌")
	m := h.chat.mark()
	h.wait(7*24*time.Hour + time.Minute)
	h.wantStage(c, bot.InitialReview)
	e := h.wantPosted(m, "thread.escalated", bot.InThread, "")
	if !slices.Equal(e.Msg.Ping, []bot.UserID{id("ana")}) {
		t.Fatalf("escalation pings %v, want the chair", e.Msg.Ping)
	}
	h.wantPosted(m, "dm.escalated", bot.InDirect, "ana")
	h.wantReply(h.cmd("bo", "decide #1 accept"), "error.chair_only")
	h.wantReply(h.cmd("ana", "decide #1 maybe"), "decide.which")
	h.wantReply(h.cmd("ana", "decide #1 accept"), "reply.decided")
	h.wantStage(c, bot.Routing)
}

func TestCommitteeMemberWhoFiledIsRecused(t *testing.T) {
	h := newHarness(t)
	c := h.request("bo", bot.Guidance, "Advice for my own chapter")
	m := h.chat.mark()
	h.react(c, "bo", "✅")
	h.wantPosted(m, "notice.recused", bot.InDirect, "bo")
	h.react(c, "ana", "✅")
	h.react(c, "chen", "✅")
	// Four members may vote: two is no majority, and bo's vote does not count.
	h.wantStage(c, bot.InitialReview)
	h.react(c, "dina", "✅")
	h.wantStage(c, bot.Routing)
	for _, v := range h.record(c).Votes {
		if v.Voter == id("bo") {
			t.Fatal("the requester's own vote was recorded")
		}
	}
}

func TestDeadlineWithoutQuorumEscalates(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Other, "Something else")
	h.react(c, "bo", "✅")
	h.react(c, "chen", "✅")
	m := h.chat.mark()
	h.wait(7 * 24 * time.Hour)
	h.wantStage(c, bot.InitialReview)
	e := h.wantPosted(m, "thread.escalated", bot.InThread, "")
	if got := e.Msg.Lines[0].Args["reason"].Text.ID; got != "reason.no_quorum" {
		t.Fatalf("escalated for %s, want no quorum", got)
	}
	// A later deadline tick changes nothing more.
	m = h.chat.mark()
	h.wait(24 * time.Hour)
	h.wantNotPosted(m, "thread.escalated")
	// A majority still decides an escalated round.
	h.react(c, "dina", "✅")
	h.wantStage(c, bot.Routing)
}

func TestMembersWhoHaveNotVotedAreReminded(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "❌")
	m := h.chat.mark()
	h.wait(47 * time.Hour)
	h.wantNotPosted(m, "dm.reminder")
	h.wait(2 * time.Hour)
	var to []bot.UserID
	for _, p := range h.posted(m, "dm.reminder") {
		to = append(to, p.Place.User)
	}
	slices.Sort(to)
	if want := []bot.UserID{id("chen"), id("dina"), id("eli")}; !slices.Equal(to, want) {
		t.Fatalf("reminded %v, want %v", to, want)
	}
	m = h.chat.mark()
	h.wait(24 * time.Hour)
	h.wantNotPosted(m, "dm.reminder") // once
	if n := h.countEvents(c, bot.EvReminded); n != 1 {
		t.Fatalf("%d reminder events, want 1", n)
	}
}

func TestNonMemberVoteDoesNotCountAndIsExplainedOnce(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	m := h.chat.mark()
	for _, who := range []string{"ivan", "cora", "sam"} {
		h.react(c, who, "✅")
	}
	h.wantStage(c, bot.InitialReview)
	h.unreact(c, "ivan", "✅")
	h.react(c, "ivan", "❌")
	var told []bot.UserID
	for _, p := range h.posted(m, "notice.not_member") {
		told = append(told, p.Place.User)
	}
	slices.Sort(told)
	if want := []bot.UserID{id("cora"), id("ivan"), id("sam")}; !slices.Equal(told, want) {
		t.Fatalf("told %v, want one notice each for %v", told, want)
	}
	if n := h.countEvents(c, bot.EvVoteCast); n != 0 {
		t.Fatalf("%d votes logged, want none", n)
	}
	// An emoji that is not a choice is ignored altogether.
	h.react(c, "ana", "🎉")
	if n := h.countEvents(c, bot.EvVoteCast); n != 0 {
		t.Fatal("a party emoji counted as a vote")
	}
}

func TestTheSameReactionTwiceChangesNothing(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	m := h.chat.mark()
	h.react(c, "ana", "✅")
	h.react(c, "ana", "✅\uFE0F") // the same emoji with a variation selector
	if n := h.countEvents(c, bot.EvVoteCast); n != 1 {
		t.Fatalf("%d votes logged, want 1", n)
	}
	if s := h.chat.sentSince(m); len(s) != 0 {
		t.Fatalf("a repeated reaction did %d things on the platform", len(s))
	}
	// A member's vote is the latest vote reaction they still hold.
	h.react(c, "ana", "❌")
	h.react(c, "bo", "❌")
	h.react(c, "chen", "❌")
	h.wantOutcome(c, bot.Declined)
}

func TestChangingAVoteByRemovingTheLatestReaction(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.react(c, "chen", "❌")
	h.react(c, "chen", "✅") // holds both: the latest is ✅, a third vote for accept
	h.wantStage(c, bot.Routing)
}

func TestRestartInTheMiddleOfAVoteLosesNothing(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.restart()
	h.wantStage(c, bot.InitialReview)
	h.react(c, "bo", "✅") // replayed by the platform after the reconnect
	h.react(c, "chen", "✅")
	h.wantStage(c, bot.Routing)
	if n := h.countEvents(c, bot.EvVoteCast); n != 3 {
		t.Fatalf("%d votes logged, want 3", n)
	}
}

func TestCrashAfterCommitBeforePostPostsOnceAfterRestart(t *testing.T) {
	h := newHarness(t)
	down := true
	h.chat.fail = func(op bot.Op, to bot.Place) error {
		if down {
			return errPassing
		}
		return nil
	}
	resp := h.cmd("rita", "request media-upload")
	sub := bot.Submission{Kind: resp.Form.Kind, Type: resp.Form.Type, Values: map[string]string{"title": "Postcards", "description": "300 postcards."}}
	h.wantReply(h.svc.Submit(h.ctx, h.inv("rita"), sub), "reply.opened")
	// The case is committed even though the platform saw nothing.
	h.wantStage(1, bot.InitialReview)
	if n := len(h.posted(0, "card.title")); n != 0 {
		t.Fatalf("%d cards posted while the platform was down", n)
	}
	down = false
	h.restart()
	h.clock.Advance(time.Minute) // past the retry delay
	h.deliver()
	h.deliver()
	if n := len(h.posted(0, "card.title")); n != 1 {
		t.Fatalf("%d cards after the restart, want 1", n)
	}
	h.wantPosted(0, "dm.opened", bot.InDirect, "rita")
}

func TestCrashAfterThePostBeforeItWasRecordedDoesNotPostTwice(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	h.chat.afterPost = func() { cancel(); h.chat.afterPost = nil } // dies right after the platform accepted the card
	resp := h.cmd("rita", "request media-upload")
	sub := bot.Submission{Kind: resp.Form.Kind, Type: resp.Form.Type, Values: map[string]string{"title": "Postcards", "description": "300 postcards."}}
	h.svc.Submit(h.ctx, h.inv("rita"), sub)
	if _, err := h.svc.Deliver(ctx, "shell"); err == nil {
		t.Fatal("delivery went on after the crash")
	}
	if n := len(h.posted(0, "card.title")); n != 1 {
		t.Fatalf("%d cards before the restart, want 1", n)
	}
	h.restart()
	h.deliver()
	if n := len(h.posted(0, "card.title")); n != 1 {
		t.Fatalf("%d cards after the restart, want still 1", n)
	}
	h.react(1, "ana", "✅") // the card's reference was recorded on the retry
	if n := h.countEvents(1, bot.EvVoteCast); n != 1 {
		t.Fatalf("%d votes, want 1", n)
	}
}

func TestDeadlineThatPassedWhileDownFiresOnceAtStart(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.react(c, "chen", "❌")
	h.restart()
	h.clock.Advance(10 * 24 * time.Hour) // the helpdesk was down for ten days
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- h.svc.Run(ctx, 10*time.Millisecond, time.Hour) }()
	deadline := time.Now().Add(5 * time.Second)
	for h.record(c).Case.Stage != bot.Routing && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.wantStage(c, bot.Routing)
	if n := h.countEvents(c, bot.EvRoundDecided); n != 1 {
		t.Fatalf("%d decisions, want 1", n)
	}
	h.wait(time.Hour)
	if n := h.countEvents(c, bot.EvRoundDecided); n != 1 {
		t.Fatalf("%d decisions after another tick, want 1", n)
	}
	// The reminder that also fell due was dropped with the decided round.
	if n := h.countEvents(c, bot.EvReminded); n > 1 {
		t.Fatalf("%d reminders", n)
	}
}

func TestRequesterOverTheOpenCaseLimitIsToldKindly(t *testing.T) {
	h := newHarness(t)
	for _, title := range []string{"One", "Two", "Three"} {
		h.request("rita", bot.Guidance, title)
	}
	r := h.cmd("rita", "request guidance")
	if r.Form != nil {
		t.Fatal("a fourth form was opened")
	}
	h.wantReply(r, "request.limit")
	if got := h.render(r.Reply); !strings.Contains(got, "#1 One") || !strings.Contains(got, "#3 Three") {
		t.Fatalf("the open cases are not listed: %s", got)
	}
	h.cmd("rita", "withdraw #2 confirm")
	if r := h.cmd("rita", "request guidance"); r.Form == nil {
		t.Fatalf("no form after a withdrawal: %s", h.render(r.Reply))
	}
}

func TestBadInputIsRefusedClearlyAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		who, line, want string
	}{
		{"rita", "frobnicate", "error.unknown_command"},
		{"rita", "request hovercraft", "request.unknown_type"},
		{"rita", "status #99", "error.no_case"},
		{"rita", "status", "error.need_case"},
		{"rita", "list", "error.committee_or_staff"},
		{"ana", "list nowhere", "list.unknown_stage"},
		{"rita", "language tlh", "language.unknown"},
		{"ana", "resolve #99 done", "error.no_case"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			h.wantReply(h.cmd(tc.who, tc.line), tc.want)
		})
	}
	c := h.request("rita", bot.MediaUpload, "Postcards")
	more := []struct {
		who, line, want string
	}{
		{"rita", "resolve #1 done", "error.staff_only"},
		{"sam", "resolve #1 done", "error.stage"},
		{"ana", "route #1 implementation", "error.stage"},
		{"ana", "ask #1", "error.text_required"},
		{"ana", "ask #1 " + strings.Repeat("ü", bot.MaxText+1), "error.text_too_long"},
		{"ivan", "status #1", "error.not_yours"},
		{"rita", "rate #1 5", "rate.not_resolved"},
		{"ana", "decide #1 accept", "decide.not_escalated"},
	}
	before := h.events(c)
	for _, tc := range more {
		t.Run(tc.line[:min(len(tc.line), 30)], func(t *testing.T) {
			h.wantReply(h.cmd(tc.who, tc.line), tc.want)
		})
	}
	if after := h.events(c); !slices.Equal(before, after) {
		t.Fatalf("refused commands changed the log: %v → %v", before, after)
	}
}

func TestOversizedAndEmptyFieldsComeBackPerField(t *testing.T) {
	h := newHarness(t)
	sub := bot.Submission{Kind: bot.RequestForm, Type: bot.MediaUpload, Values: map[string]string{
		"title":       strings.Repeat("x", 101),
		"description": "  ",
		"links":       strings.Repeat("l", 1000), // exactly at the limit: fine
	}}
	r := h.svc.Submit(h.ctx, h.inv("rita"), sub)
	if len(r.FieldErrors) != 2 || r.FieldErrors["title"].ID != "form.error.too_long" || r.FieldErrors["description"].ID != "form.error.required" {
		t.Fatalf("field errors: %+v", r.FieldErrors)
	}
	h.wantReply(r, "form.error.intro")
	if recs, _ := h.svc.ExportAll(h.ctx); len(recs) != 0 {
		t.Fatalf("%d cases written from a bad form", len(recs))
	}
}

func TestDirectMessageRefusedIsSaidInTheThread(t *testing.T) {
	h := newHarness(t)
	h.chat.fail = func(op bot.Op, to bot.Place) error {
		if to.Kind == bot.InDirect && to.User == id("rita") {
			return bot.ErrUnreachable
		}
		return nil
	}
	m := h.chat.mark()
	c := h.request("rita", bot.MediaUpload, "Postcards")
	u := h.wantPosted(m, "thread.unreachable", bot.InThread, "")
	if !slices.Equal(u.Msg.Ping, []bot.UserID{id("rita")}) {
		t.Fatalf("the notice pings %v, want only rita", u.Msg.Ping)
	}
	if n := h.countEvents(c, bot.EvDeliveryLost); n != 1 {
		t.Fatalf("%d delivery failures logged, want 1", n)
	}
}

// A requester whose direct messages are closed reads, in the thread and in
// their language, each message they missed; and the next answer tells them
// the truth rather than "I am sending you the details".
func TestARequesterWhoseDMsAreClosedIsToldTheTruth(t *testing.T) {
	h := newHarness(t)
	h.langs["rita"] = "sv"
	closed := true
	h.chat.fail = func(op bot.Op, to bot.Place) error {
		if closed && to.Kind == bot.InDirect && to.User == id("rita") {
			return bot.ErrUnreachable
		}
		return nil
	}
	m := h.chat.mark()
	h.request("rita", bot.MediaUpload, "Postcards") // nothing failed before: reply.opened
	u := h.wantPosted(m, "thread.unreachable", bot.InThread, "")
	if u.Msg.Lang != "sv" || !has(u.Msg, "dm.opened") {
		t.Fatalf("the missed message in the thread is in %q and says: %s", u.Msg.Lang, h.render(&u.Msg))
	}
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(1, who, "✅")
	}
	if n := len(h.posted(m, "thread.unreachable")); n != 2 { // the confirmation and the acceptance
		t.Fatalf("%d missed messages in the thread, want 2", n)
	}
	if acc := h.posted(m, "thread.unreachable")[1]; !has(acc.Msg, "dm.accepted") {
		t.Fatalf("the second missed message: %s", h.render(&acc.Msg))
	}
	r := h.cmd("rita", "request guidance")
	resp := h.svc.Submit(h.ctx, h.inv("rita"), bot.Submission{Kind: r.Form.Kind, Type: r.Form.Type,
		Values: map[string]string{"title": "Where to start", "description": "A question."}})
	h.deliver()
	h.wantReply(resp, "reply.opened.unreachable")
	closed = false
	h.wantReply(h.cmd("ana", "ask #2 Which museum?"), "reply.asked") // a private message that now arrives
	r = h.cmd("rita", "request guidance")
	resp = h.svc.Submit(h.ctx, h.inv("rita"), bot.Submission{Kind: r.Form.Kind, Type: r.Form.Type,
		Values: map[string]string{"title": "And then", "description": "Another question."}})
	h.deliver()
	h.wantReply(resp, "reply.opened")
}

func TestPendingCardEditsCollapseIntoTheLatest(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	m := h.chat.mark()
	for _, who := range []string{"ana", "bo"} {
		if err := h.svc.ReactionAdded(h.ctx, bot.Reaction{Post: h.target(c, who, "✅"), User: id(who), Emoji: "✅"}); err != nil {
			t.Fatal(err)
		}
	}
	h.deliver()
	var edits []sent
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpEdit {
			edits = append(edits, s)
		}
	}
	if len(edits) != 1 {
		t.Fatalf("%d card edits for two votes delivered together, want 1", len(edits))
	}
	if got := h.render(&edits[0].Msg); !strings.Contains(got, "2 of 5") {
		t.Fatalf("the edit does not show the latest tally: %s", got)
	}
}

func TestHistoryAndStatusTellTheStory(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	st := h.cmd("rita", "status #1")
	h.wantReply(st, "status.title")
	if got := h.render(st.Reply); !strings.Contains(got, "1 of 5") {
		t.Fatalf("status: %s", got)
	}
	hist := h.cmd("ana", "history #1")
	h.wantReply(hist, "history.title")
	if got := h.render(hist.Reply); !strings.Contains(got, "opened the case") || !strings.Contains(got, "voted") {
		t.Fatalf("history: %s", got)
	}
	// The requester reads the rounds, not who voted what.
	mine := h.render(h.cmd("rita", "history #1").Reply)
	if !strings.Contains(mine, "opened the case") || strings.Contains(mine, "voted") || strings.Contains(mine, "ana") {
		t.Fatalf("the requester's history shows individual votes: %s", mine)
	}
	stats := h.cmd("sam", "stats")
	h.wantReply(stats, "stats.title")
}

func TestLockedDatabaseGetsAClearAnswerAndNothingHalfWritten(t *testing.T) {
	h := newHarness(t)
	h.busy = 50 * time.Millisecond
	h.restart()
	c := h.request("rita", bot.MediaUpload, "Postcards")

	// Another process (a backup tool, an operator's sqlite3 shell) holds the
	// write lock.
	other, err := sql.Open("sqlite", h.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(h.ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	r := h.svc.Command(h.ctx, h.inv("rita"), "withdraw #1 confirm")
	h.wantReply(r, "error.busy")
	ref := h.target(c, "ana", "✅")
	if err := h.svc.ReactionAdded(h.ctx, bot.Reaction{Post: ref, User: id("ana"), Emoji: "✅"}); !errors.Is(err, bot.ErrBusy) {
		t.Fatalf("a reaction on a locked database returned %v, want ErrBusy", err)
	}
	if _, err := conn.ExecContext(h.ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	h.wantStage(c, bot.InitialReview)
	if n := h.countEvents(c, bot.EvVoteCast); n != 0 {
		t.Fatalf("%d votes recorded while locked", n)
	}
	// Once the lock is gone, the same actions work.
	h.react(c, "ana", "✅")
	h.wantReply(h.cmd("rita", "withdraw #1 confirm"), "reply.withdrawn")
}

func TestReconcileCountsVotesCastWhileAwayOnce(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "❌")
	card := h.target(c, "ana", "✅")
	watched, err := h.svc.Watched(h.ctx, "shell")
	if err != nil || !slices.Contains(watched, card) {
		t.Fatalf("watched posts %v (%v) miss the open vote %s", watched, err, card)
	}
	// While the adapter was disconnected: bo took his ❌ back, chen and
	// dina voted ✅. ana's ✅ is still there.
	held := bot.HeldReactions{Post: card, Users: map[bot.UserID][]string{
		id("ana"):  {"✅"},
		id("chen"): {"✅"},
		id("dina"): {"✅\uFE0F"},
	}}
	for range 2 { // a second reconcile finds nothing to do
		if err := h.svc.Reconcile(h.ctx, "shell", held); err != nil {
			t.Fatal(err)
		}
		h.deliver()
	}
	h.wantStage(c, bot.Routing)
	var votes []string
	for _, v := range h.record(c).Votes {
		votes = append(votes, strings.TrimPrefix(string(v.Voter), "shell:")+"="+string(v.Choice))
	}
	slices.Sort(votes)
	if want := []string{"ana=accept", "chen=accept", "dina=accept"}; !slices.Equal(votes, want) {
		t.Fatalf("votes %v, want %v", votes, want)
	}
	if n := h.countEvents(c, bot.EvVoteRemoved); n != 1 {
		t.Fatalf("%d removals logged, want bo's one", n)
	}
}

// pacedChat edits a post at most once a second, as Discord and Mattermost
// adapters ask.
type pacedChat struct{ *fakeChat }

func (pacedChat) EditInterval() time.Duration { return time.Second }

func TestABurstOfVotesOnAPacedPlatformMakesOneEditWithTheLastTally(t *testing.T) {
	h := newHarness(t)
	h.svc.Attach("shell", pacedChat{h.chat})
	c := h.request("rita", bot.MediaUpload, "Postcards")
	m := h.chat.mark()
	h.react(c, "ana", "✅")
	h.react(c, "bo", "❌")
	h.react(c, "chen", "❓")
	h.react(c, "bo", "✅") // bo changes his mind: his latest reaction counts
	edits := func() []sent {
		var out []sent
		for _, s := range h.chat.sentSince(m) {
			if s.Op == bot.OpEdit {
				out = append(out, s)
			}
		}
		return out
	}
	if n := len(edits()); n != 0 {
		t.Fatalf("%d edits within the second", n)
	}
	// A thread post of the same case does not wait for the held-back edit.
	h.wantReply(h.cmd("ana", "ask #1 Which licence?"), "reply.asked")
	h.wantPosted(m, "thread.asked", bot.InThread, "")
	h.wait(time.Second)
	es := edits()
	if len(es) != 1 {
		t.Fatalf("%d edits after the second, want 1", len(es))
	}
	if got := h.render(&es[0].Msg); !strings.Contains(got, "✅ 2 · ❌ 0 · ❓ 1: 3 of 5") {
		t.Fatalf("the edit does not show the last tally: %s", got)
	}
}

func TestExpertsFindsVolunteersBySkillAndMembersByLanguage(t *testing.T) {
	h := newHarness(t)
	h.langs["dina"] = "sv-SE"
	h.cmd("dina", "help") // dina's platform says she reads Swedish
	sub := bot.Submission{Kind: bot.VolunteerForm, Values: map[string]string{
		"languages": "Bengali, English", "skills": "OpenRefine, Wikidata metadata", "groups": "implementation"}}
	h.wantReply(h.svc.Submit(h.ctx, h.inv("cora"), sub), "reply.volunteered")
	r := h.cmd("rita", "experts wikidata")
	h.wantReply(r, "experts.title")
	if got := h.render(r.Reply); !strings.Contains(got, "cora") || strings.Contains(got, "dina") {
		t.Fatalf("experts wikidata: %s", got)
	}
	r = h.cmd("rita", "experts svenska")
	if got := h.render(r.Reply); !strings.Contains(got, "dina") || strings.Contains(got, "cora") {
		t.Fatalf("experts svenska: %s", got)
	}
	h.wantReply(h.cmd("rita", "experts quilting"), "experts.none")
	bad := bot.Submission{Kind: bot.VolunteerForm, Values: map[string]string{"languages": "sv", "skills": "x", "groups": "knitting"}}
	if r := h.svc.Submit(h.ctx, h.inv("rita"), bad); r.FieldErrors["groups"].ID != "form.error.groups" {
		t.Fatalf("unknown group accepted: %+v", r.FieldErrors)
	}
}

func TestACardDeletedByHandIsPostedAgainAndVotesStillCount(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	old := h.target(c, "ana", "✅")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.chat.delete(old) // someone deletes the card
	m := h.chat.mark()
	h.react(c, "dina", "❌") // still delivered from the platform's cache of the card; the edit finds it gone
	card := h.wantPosted(m, "card.title", bot.InCommittee, "")
	if card.Ref == old {
		t.Fatal("the card was not posted again")
	}
	h.wantPosted(m, "thread.reposted", bot.InThread, "")
	var again []string
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpReact && s.Ref == card.Ref {
			again = append(again, s.Emoji)
		}
	}
	if !slices.Equal(again, []string{"✅", "❌", "❓"}) {
		t.Fatalf("the vote reactions on the new card: %q", again)
	}
	if got := h.target(c, "chen", "✅"); got != card.Ref {
		t.Fatalf("the vote is on %s, want the new card %s", got, card.Ref)
	}
	// After a reconnect the platform shows no reaction on the new card: the
	// votes cast on the old one still count.
	if err := h.svc.Reconcile(h.ctx, "shell", bot.HeldReactions{Post: card.Ref, Users: map[bot.UserID][]string{}}); err != nil {
		t.Fatal(err)
	}
	h.react(c, "chen", "✅") // ana and bo (carried) and chen: a majority
	h.wantStage(c, bot.Routing)
}

func TestAThreadDeletedByHandIsStartedAgain(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	var thread string
	for _, s := range h.chat.sentSince(0) {
		if s.Op == bot.OpThread {
			thread = s.Ref
		}
	}
	h.chat.delete(thread)
	m := h.chat.mark()
	h.wantReply(h.cmd("ana", "ask #1 Which licence?"), "reply.asked")
	asked := h.wantPosted(m, "thread.asked", bot.InThread, "")
	if asked.Place.Thread == thread || asked.Place.Thread == "" {
		t.Fatalf("posted in %q, want a new thread instead of %q", asked.Place.Thread, thread)
	}
	h.wantStage(c, bot.InitialReview)
}

func TestBackFromFinalReviewWithoutGroupsReturnsToRouting(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "A quick question")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantReply(h.cmd("ana", "route #1 none"), "reply.routed_none")
	h.wantStage(c, bot.FinalReview)
	m := h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "↩️")
	}
	h.wantStage(c, bot.Routing)
	h.wantPosted(m, "thread.back_to_routing", bot.InThread, "")
	h.wantPosted(m, "routing.title", bot.InThread, "")
	h.wantNotPosted(m, "thread.back")
	h.react(c, "ana", "🛠️")
	h.wantStage(c, bot.WorkingGroup)
}

func TestTheOpenCaseLimitSpeaksOfOneCaseInTheSingular(t *testing.T) {
	h := newHarness(t)
	h.cfg.MaxOpenCases = 1
	h.restart()
	h.request("rita", bot.Guidance, "One")
	r := h.cmd("rita", "request guidance")
	h.wantReply(r, "request.limit")
	if got := h.render(r.Reply); !strings.Contains(got, "1 open case:") {
		t.Fatalf("the limit of one case: %s", got)
	}
}

// holdingStore is a store that can hold a transaction after its commit,
// before the core hears of it.
type holdingStore struct {
	bot.Store
	hold chan chan struct{} // a transaction waits on the channel it receives
}

func (s holdingStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	err := s.Store.Update(ctx, fn)
	select {
	case release := <-s.hold:
		<-release
	default:
	}
	return err
}

// TestRolesChangedDuringOtherWorkAreNotForgotten: a transaction that began
// before a change of roles must not put its older committee back in the
// cache when it finishes after the change.
func TestRolesChangedDuringOtherWorkAreNotForgotten(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "Postcards")
	store := holdingStore{Store: h.store, hold: make(chan chan struct{}, 1)}
	svc := bot.New(store, h.clock, h.cat, h.cfg)
	svc.Attach("shell", h.chat)
	h.svc = svc
	ref := h.target(c, "ana", "✅")
	h.reactOn(ref, "ana", "✅") // the committee is now cached, without hal

	release := make(chan struct{})
	store.hold <- release
	done := make(chan error)
	go func() { // A: commits, then is held before the core sees the commit
		done <- svc.ReactionAdded(h.ctx, bot.Reaction{Post: ref, User: id("bo"), Emoji: "❓"})
	}()
	for len(store.hold) > 0 { // until A has taken the hold
		time.Sleep(time.Millisecond)
	}
	if err := svc.MemberSeen(h.ctx, bot.Member{ID: id("hal"), Name: "hal", Roles: bot.Roles{Committee: true}}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m := h.chat.mark()
	h.reactOn(ref, "hal", "✅")
	h.wantNotPosted(m, "notice.not_member")
	if n := h.countEvents(c, bot.EvVoteCast); n != 3 {
		t.Fatalf("%d votes, want ana's, bo's and hal's", n)
	}
}

func TestAVoteWhileTheCardIsBeingEditedIsShownToo(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	ref := h.target(c, "ana", "✅")
	h.chat.duringEdit = func() { // bo votes while ana's tally is on its way
		if err := h.svc.ReactionAdded(h.ctx, bot.Reaction{Post: ref, User: id("bo"), Emoji: "✅"}); err != nil {
			t.Error(err)
		}
	}
	m := h.chat.mark()
	h.reactOn(ref, "ana", "✅")
	h.deliver()
	var last string
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpEdit && s.Ref == ref {
			last = h.render(&s.Msg)
		}
	}
	if !strings.Contains(last, "2 of 5") {
		t.Fatalf("the card's last edit does not show bo's vote: %s", last)
	}
}

func TestWatchedFollowsWhatStillMatters(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "Postcards")
	watched := func() []string {
		t.Helper()
		refs, err := h.svc.Watched(h.ctx, "shell")
		if err != nil {
			t.Fatal(err)
		}
		return refs
	}
	card := h.target(c, "ana", "✅")
	if w := watched(); !slices.Equal(w, []string{card}) {
		t.Fatalf("watched %v, want the card %s", w, card)
	}
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("ana", "route #1 none")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("sam", "resolve #1 Done.")
	rating := h.target(c, "rita", "4️⃣")
	if w := watched(); !slices.Equal(w, []string{rating}) {
		t.Fatalf("watched %v, want the rating request %s", w, rating)
	}
	h.wait(31 * 24 * time.Hour)
	if w := watched(); len(w) != 0 {
		t.Fatalf("watched %v a month after the case was resolved", w)
	}
	if _, err := h.svc.Watched(h.ctx, "discord"); err != nil {
		t.Fatal(err)
	}
}

// rateLimited is a platform's 429 with its Retry-After.
type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string             { return "429 too many requests" }
func (e rateLimited) RetryAfter() time.Duration { return e.after }

func TestWorkSurvivesAnHourLongOutageAndHonoursRetryAfter(t *testing.T) {
	h := newHarness(t)
	var failure error = errPassing
	h.chat.fail = func(op bot.Op, to bot.Place) error { return failure }
	h.cmd("rita", "help") // rita is known
	resp := h.cmd("rita", "request guidance")
	sub := bot.Submission{Kind: resp.Form.Kind, Type: resp.Form.Type, Values: map[string]string{"title": "Postcards", "description": "300 postcards."}}
	h.wantReply(h.svc.Submit(h.ctx, h.inv("rita"), sub), "reply.opened")
	for range 60 { // the platform answers 503 for an hour
		h.clock.Advance(time.Minute)
		h.deliver()
	}
	failure = rateLimited{after: 20 * time.Minute} // then asks for twenty minutes of quiet
	h.clock.Advance(10 * time.Minute)
	h.deliver()
	failure = nil
	h.clock.Advance(15 * time.Minute)
	h.deliver()
	if n := len(h.posted(0, "card.title")); n != 0 {
		t.Fatal("the card was posted before the platform's Retry-After")
	}
	h.clock.Advance(10 * time.Minute)
	h.deliver()
	if n := len(h.posted(0, "card.title")); n != 1 {
		t.Fatalf("%d cards after the outage, want 1", n)
	}
	if n := h.countEvents(1, bot.EvDeliveryLost); n != 0 {
		t.Fatalf("%d pieces of work given up", n)
	}
}

func TestReconcileKeepsThePlatformsOrderOfAPersonsReactions(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	card := h.target(c, "ana", "✅")
	held := bot.HeldReactions{Post: card, Users: map[bot.UserID][]string{
		id("ana"):  {"❌", "✅"}, // ❌ first, then ✅: her vote is ✅
		id("bo"):   {"✅"},
		id("chen"): {"❓", "✅"},
	}}
	if err := h.svc.Reconcile(h.ctx, "shell", held); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	h.wantStage(c, bot.Routing)
}

func TestInACaseThreadOnlyHashNNamesAnotherCase(t *testing.T) {
	h := newHarness(t)
	c1 := h.request("rita", bot.Guidance, "Letters")
	h.request("cora", bot.Guidance, "Maps")
	var thread string
	for _, s := range h.chat.sentSince(0) {
		if s.Op == bot.OpThread && thread == "" {
			thread = s.Ref // case 1's
		}
	}
	in := func(who, line string) bot.Response {
		inv := h.inv(who)
		inv.Thread = thread
		r := h.svc.Command(h.ctx, inv, line)
		h.deliver()
		return r
	}
	m := h.chat.mark()
	h.wantReply(in("ana", "ask 1890 or 1920 letters?"), "reply.asked")
	q := h.wantPosted(m, "dm.question", bot.InDirect, "rita")
	if !slices.ContainsFunc(q.Msg.Lines, func(t bot.Text) bool { return t.Quote == "1890 or 1920 letters?" }) {
		t.Fatalf("the question lost its number: %s", h.render(&q.Msg))
	}
	if r := in("ana", "status #2"); h.render(r.Reply) == "" || !strings.Contains(h.render(r.Reply), "Maps") {
		t.Fatalf("#2 inside case 1's thread: %s", h.render(r.Reply))
	}
	// A form field naming the case: the text is all text.
	inv := h.inv("rita")
	inv.Case = c1
	h.wantReply(h.svc.Command(h.ctx, inv, "answer 2 files are missing"), "reply.answered")
	if n := h.countEvents(2, bot.EvAnswered); n != 0 {
		t.Fatal("the answer went to case 2")
	}
}

func TestACardDeletedWhileTheAdapterWasAwayIsPostedAgainWithItsVotes(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	old := h.target(c, "ana", "✅")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	h.chat.delete(old)
	// On reconnect the adapter cannot read the card's reactions: it is gone.
	m := h.chat.mark()
	if err := h.svc.PostGone(h.ctx, "shell", old); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	card := h.wantPosted(m, "card.title", bot.InCommittee, "")
	if got := h.render(&card.Msg); !strings.Contains(got, "2 of 5") {
		t.Fatalf("the card posted again lost its votes: %s", got)
	}
	h.react(c, "chen", "✅")
	h.wantStage(c, bot.Routing)
	if err := h.svc.PostGone(h.ctx, "shell", "never-posted"); err != nil {
		t.Fatalf("an unknown post: %v", err)
	}
}

func TestAFormSentTwiceOpensOneCase(t *testing.T) {
	h := newHarness(t)
	sub := bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Key: "dialog-7f3a", Values: map[string]string{"title": "Postcards"}}
	// Sent back once for a missing field: the key is not taken yet.
	if r := h.svc.Submit(h.ctx, h.inv("rita"), sub); r.FieldErrors["description"].ID != "form.error.required" {
		t.Fatalf("field errors %+v", r.FieldErrors)
	}
	sub.Values["description"] = "300 postcards."
	h.wantReply(h.svc.Submit(h.ctx, h.inv("rita"), sub), "reply.opened")
	h.wantReply(h.svc.Submit(h.ctx, h.inv("rita"), sub), "form.expired") // replayed
	if recs, _ := h.svc.ExportAll(h.ctx); len(recs) != 1 {
		t.Fatalf("%d cases from one form", len(recs))
	}
}

// emojiOn lists the helpdesk's reactions on post ref since mark i.
func (h *harness) emojiOn(i int, ref string) []string {
	var out []string
	for _, s := range h.chat.sentSince(i) {
		if s.Op == bot.OpReact && s.Ref == ref {
			out = append(out, s.Emoji)
		}
	}
	return out
}

// On Mattermost a case's thread is the replies to its card, and deleting
// the card deletes them all. The card is posted again, the thread moves to
// it with a summary of the case so far, the open round's vote message is
// posted again in it, the votes held count, and nothing is given up.
func TestADeletedCardThatWasItsThreadMovesTheThread(t *testing.T) {
	h := newHarness(t)
	h.chat.threadIsCard = true
	c := h.request("rita", bot.DataUpload, "Museum catalogue")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "❓")
	}
	h.wantReply(h.cmd("bo", "ask #1 Under which licence?"), "reply.asked")
	m := h.chat.mark()
	h.wantReply(h.cmd("rita", "answer #1 CC0."), "reply.answered")
	vote := h.wantPosted(m, "vote.title.initial", bot.InThread, "")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")

	var oldCard string
	for _, s := range h.chat.sentSince(0) {
		if s.Op == bot.OpPost && s.Place.Kind == bot.InCommittee {
			oldCard = s.Ref
		}
	}
	if vote.Place.Thread != oldCard {
		t.Fatalf("the vote message is in %q, want the card's replies %q", vote.Place.Thread, oldCard)
	}
	h.chat.delete(oldCard) // and with it every reply: the vote message too
	m = h.chat.mark()
	h.reactOn(vote.Ref, "dina", "❌") // from the platform's cache; the refresh finds the post gone

	newCard := h.wantPosted(m, "card.title", bot.InCommittee, "")
	if newCard.Ref == oldCard {
		t.Fatal("the card was not posted again")
	}
	moved := h.wantPosted(m, "thread.moved", bot.InThread, "")
	if moved.Place.Thread != newCard.Ref {
		t.Fatalf("the summary went to %q, want the new card's thread %q", moved.Place.Thread, newCard.Ref)
	}
	if got := h.render(&moved.Msg); !strings.Contains(got, "asked the requester a question") || !strings.Contains(got, "answered the committee") {
		t.Fatalf("the summary does not tell the case so far: %s", got)
	}
	again := h.wantPosted(m, "vote.title.initial", bot.InThread, "")
	if again.Place.Thread != newCard.Ref || again.Ref == vote.Ref {
		t.Fatalf("the vote message was posted again as %s in %q, want a new post in %q", again.Ref, again.Place.Thread, newCard.Ref)
	}
	if got := h.emojiOn(m, again.Ref); !slices.Equal(got, []string{"✅", "❌", "❓"}) {
		t.Fatalf("the helpdesk's reactions on the new vote message: %q", got)
	}
	if got := h.render(&again.Msg); !strings.Contains(got, "3 of 5") {
		t.Fatalf("the vote message posted again lost the votes held: %s", got)
	}
	if got := h.target(c, "chen", "✅"); got != again.Ref {
		t.Fatalf("votes go to %s, want the new vote message %s", got, again.Ref)
	}
	h.react(c, "chen", "✅") // ana and bo (carried) and chen: a majority
	h.wantStage(c, bot.Routing)
	routing := h.wantPosted(m, "routing.how", bot.InThread, "")
	if routing.Place.Thread != newCard.Ref {
		t.Fatalf("later work went to %q, want the new thread %q", routing.Place.Thread, newCard.Ref)
	}
	if n := h.countEvents(c, bot.EvDeliveryLost); n != 0 {
		t.Fatalf("%d deliveries given up because a post was deleted", n)
	}
}

// Work bound for the thread that finds it gone first (the card was
// deleted, nothing has noticed yet) brings the card and thread back and is
// then done in the new thread, each item once.
func TestThreadWorkFindingTheCardGoneIsDoneInTheNewThread(t *testing.T) {
	h := newHarness(t)
	h.chat.threadIsCard = true
	c := h.request("rita", bot.DataUpload, "Museum catalogue")
	h.react(c, "ana", "✅")
	var oldCard string
	for _, s := range h.chat.sentSince(0) {
		if s.Op == bot.OpPost && s.Place.Kind == bot.InCommittee {
			oldCard = s.Ref
		}
	}
	h.chat.delete(oldCard)
	m := h.chat.mark()
	h.wantReply(h.cmd("ana", "ask #1 Which licence?"), "reply.asked")
	h.wantReply(h.cmd("bo", "ask #1 And which format?"), "reply.asked")
	newCard := h.wantPosted(m, "card.title", bot.InCommittee, "")
	h.wantPosted(m, "thread.moved", bot.InThread, "")
	asked := h.posted(m, "thread.asked")
	if len(asked) != 2 {
		t.Fatalf("%d questions in the thread, want 2", len(asked))
	}
	for _, a := range asked {
		if a.Place.Thread != newCard.Ref {
			t.Fatalf("a question went to %q, want the new thread %q", a.Place.Thread, newCard.Ref)
		}
	}
	if got := h.emojiOn(m, newCard.Ref); !slices.Equal(got, []string{"✅", "❌", "❓"}) {
		t.Fatalf("the helpdesk's reactions on the new card: %q", got)
	}
	if n := h.countEvents(c, bot.EvDeliveryLost); n != 0 {
		t.Fatalf("%d deliveries given up because the card was deleted", n)
	}
	h.react(c, "bo", "✅")
	h.react(c, "chen", "✅")
	h.wantStage(c, bot.Routing)
}

// After a needs-information round there is one ballot, and it looks like
// one: the helpdesk takes its vote reactions off the card, the card says
// where round 2 is voted on, and a member who votes on the card anyway is
// told where to vote, once.
func TestAfterANeedsInformationRoundTheCardIsNoLongerABallot(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.DataUpload, "Museum catalogue")
	card := h.target(c, "ana", "❓")
	m := h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "❓")
	}
	var off []string
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpUnreact && s.Ref == card {
			off = append(off, s.Emoji)
		}
	}
	if !slices.Equal(off, []string{"✅", "❌", "❓"}) {
		t.Fatalf("the helpdesk's reactions taken off the card: %q", off)
	}
	h.wantReply(h.cmd("bo", "ask #1 Which licence?"), "reply.asked")
	m = h.chat.mark()
	h.wantReply(h.cmd("rita", "answer #1 CC0."), "reply.answered")
	var edited *bot.Message
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpEdit && s.Ref == card {
			edited = &s.Msg
		}
	}
	if edited == nil || !has(*edited, "card.vote_in_thread") || has(*edited, "vote.how.initial") {
		t.Fatalf("the card during round 2 does not say where to vote: %s", h.render(edited))
	}
	m = h.chat.mark()
	h.reactOn(card, "dina", "✅") // on the card, not on round 2's message
	h.wantPosted(m, "notice.vote_moved", bot.InDirect, "dina")
	h.reactOn(card, "dina", "❌")
	if n := len(h.posted(m, "notice.vote_moved")); n != 1 {
		t.Fatalf("told %d times where to vote, want once", n)
	}
	h.reactOn(card, "rita", "✅") // the requester is recused, and is not told
	if n := len(h.posted(m, "notice.vote_moved")); n != 1 {
		t.Fatalf("the requester was told where to vote")
	}
	if r := h.record(c); len(r.Votes) != 3 { // round 1's three votes, nothing from the card since
		t.Fatalf("votes recorded: %+v", r.Votes)
	}
}

// After the final go, staff are told privately, each in their language,
// that the case awaits support, with the groups' recommendations; and
// reminded while it waits.
func TestStaffAreToldThatACaseAwaitsSupportAndReminded(t *testing.T) {
	h := newHarness(t)
	h.langs["sam"] = "sv"
	c := h.request("rita", bot.Guidance, "How to start a partnership")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantReply(h.cmd("ana", "route #1 implementation"), "reply.routed")
	h.wantReply(h.cmd("ivan", "claim #1"), "reply.claimed")
	h.cmd("sam", "status #1") // sam is seen, in Swedish
	h.cmd("ivan", "recommend #1 A workshop first.")
	m := h.chat.mark()
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantStage(c, bot.Support)
	told := h.wantPosted(m, "dm.support", bot.InDirect, "sam")
	if told.Msg.Lang != "sv" || !told.Msg.LinkThread {
		t.Fatalf("staff told in %q, with a link to the thread %v", told.Msg.Lang, told.Msg.LinkThread)
	}
	if got := h.render(&told.Msg); !strings.Contains(got, "A workshop first.") || !strings.Contains(got, "ivan") {
		t.Fatalf("staff are not told the recommendation: %s", got)
	}
	m = h.chat.mark()
	h.wait(bot.DefaultSupportRemindAfter - time.Hour)
	h.wantNotPosted(m, "dm.support.reminder")
	h.wait(time.Hour)
	h.wantPosted(m, "dm.support.reminder", bot.InDirect, "sam")
	h.wait(bot.DefaultSupportRemindAfter)
	if n := len(h.posted(m, "dm.support.reminder")); n != 2 {
		t.Fatalf("%d reminders after two waits, want 2", n)
	}
	h.cmd("sam", "resolve #1 Workshop held.")
	m = h.chat.mark()
	h.wait(2 * bot.DefaultSupportRemindAfter)
	h.wantNotPosted(m, "dm.support.reminder")
}

// In initial review a requester answers a question that is open, once;
// unasked answers do not flood the thread.
func TestAnAnswerNeedsAnOpenQuestion(t *testing.T) {
	h := newHarness(t)
	h.request("rita", bot.MediaUpload, "Postcards")
	m := h.chat.mark()
	h.wantReply(h.cmd("rita", "answer #1 Also, they are in colour."), "error.no_question")
	h.wantReply(h.cmd("ana", "ask #1 Which licence?"), "reply.asked")
	h.wantReply(h.cmd("rita", "answer #1 CC BY-SA."), "reply.answered")
	h.wantReply(h.cmd("rita", "answer #1 And another thing."), "error.no_question")
	if n := len(h.posted(m, "thread.answered")); n != 1 {
		t.Fatalf("%d answers in the thread, want 1", n)
	}
}

// A person is told nothing about a case they may not read, whatever the
// command; the member who filed a case takes no part in its review; and a
// role on one platform gives no right on another platform's cases.
func TestRightsAreCheckedBeforeAnythingIsTold(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wantReply(h.cmd("ana", "route #1 implementation"), "reply.routed")
	for _, tc := range []struct{ who, line string }{
		{"cora", "claim #1"}, // communication: the case is with implementation
		{"cora", "recommend #1 Blog about it."},
		{"zed", "decide #1 accept"},
		{"zed", "claim #1"},
	} {
		r := h.cmd(tc.who, tc.line)
		h.wantReply(r, "error.not_yours")
		if got := h.render(r.Reply); strings.Contains(got, "mplementation") || strings.Contains(got, "not possible") {
			t.Errorf("%s %q was told about the case: %s", tc.who, tc.line, got)
		}
	}

	// bo files a case: he may not ask its questions or route it.
	own := h.request("bo", bot.Guidance, "Our own question")
	h.wantReply(h.cmd("bo", fmt.Sprintf("ask #%d Why?", own)), "error.recused")
	for _, who := range []string{"ana", "chen", "dina"} {
		h.react(own, who, "✅")
	}
	h.wantReply(h.cmd("bo", fmt.Sprintf("route #%d none", own)), "error.recused")

	// Staff on another platform, on the same database.
	roles := bot.Roles{Staff: true, Committee: true}
	other := bot.Invocation{User: "elsewhere:sam", Name: "sam", Roles: &roles}
	h.wantReply(h.svc.Command(h.ctx, other, "resolve #1 Done."), "error.not_yours")
	h.wantReply(h.svc.Command(h.ctx, other, "list"), "list.none")
}

// request → withdraw → request does not make cards without end: a person
// files at most MaxRequests within the window, and is told from when the
// next is taken. Commands in general are limited per minute.
func TestRequestsAndCommandsAreRateLimited(t *testing.T) {
	h := newHarness(t)
	for i := range bot.DefaultMaxRequests {
		c := h.request("rita", bot.Guidance, fmt.Sprintf("Question %d", i+1))
		h.wantReply(h.cmd("rita", fmt.Sprintf("withdraw #%d confirm", c)), "reply.withdrawn")
		h.clock.Advance(time.Hour)
	}
	r := h.cmd("rita", "request guidance")
	sub := bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "One more", "description": "Again."}}
	if r.Form != nil {
		sub = bot.Submission{Kind: r.Form.Kind, Type: r.Form.Type, Values: sub.Values}
	}
	resp := h.svc.Submit(h.ctx, h.inv("rita"), sub)
	if replyID(r) != "request.too_many" && replyID(resp) != "request.too_many" {
		t.Fatalf("a sixth request in a day: %s / %s", h.render(r.Reply), h.render(resp.Reply))
	}
	// The refusal names the window it counts over (#24 §5.4: "in that
	// time" named no time).
	refusal := r
	if replyID(refusal) != "request.too_many" {
		refusal = resp
	}
	if got, want := h.render(refusal.Reply), "You have filed 5 requests in the last 24 hours, the most the helpdesk takes from one person."; !strings.Contains(got, want) {
		t.Errorf("the refusal %q, want %q", got, want)
	}
	h.clock.Advance(bot.DefaultRequestWindow - 4*time.Hour) // the first is a day old
	h.request("rita", bot.Guidance, "The next day")

	for range bot.DefaultCommandsPerMinute {
		h.wantReply(h.cmd("bo", "mine"), "mine.none")
	}
	h.wantReply(h.cmd("bo", "mine"), "error.rate_limited")
	h.wantReply(h.cmd("chen", "mine"), "mine.none") // others are not held up
	h.clock.Advance(time.Minute)
	h.wantReply(h.cmd("bo", "mine"), "mine.none")
}

// A reminder that falls due after the deadline (the helpdesk was down) is
// not sent; experts without a topic lists everyone, or says nobody has
// signed up — not "nobody for ”".
func TestLateRemindersAndExpertsWithoutATopic(t *testing.T) {
	h := newHarness(t)
	h.request("rita", bot.Guidance, "Where to begin")
	m := h.chat.mark()
	h.wait(8 * 24 * time.Hour) // down past the reminder and the deadline
	h.wantNotPosted(m, "dm.reminder")
	h.wantReply(h.cmd("rita", "experts"), "experts.none.any")
}

// A member who leaves the committee no longer counts in the majority's
// denominator, at once: the card shows the new tally, and a vote that now
// has a majority is decided.
func TestLeavingTheCommitteeIsWeighedAtOnce(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.react(c, "ana", "✅")
	h.react(c, "bo", "✅")
	m := h.chat.mark()
	if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id("dina"), Name: "dina"}); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	var shown string
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpEdit {
			shown = h.render(&s.Msg)
		}
	}
	if !strings.Contains(shown, "2 of 4") {
		t.Fatalf("the card after dina left: %q", shown)
	}
	h.wantStage(c, bot.InitialReview)
	if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id("eli"), Name: "eli"}); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	h.wantStage(c, bot.Routing) // ana and bo of three
}

// With 2,000 cases every listing reply stays within one platform message
// (Discord's 2,000 characters, the smallest), in every language: a page of
// lines, oldest waiting first, and how to see the rest.
func TestListingRepliesStayWithinOneMessage(t *testing.T) {
	h := newHarness(t)
	title := strings.Repeat("Ł", 100) // the longest title a form takes
	err := h.store.Update(h.ctx, func(tx bot.Tx) error {
		for i := range 2000 {
			c := bot.Case{Platform: "shell", Type: bot.Guidance, Title: title, Requester: id("rita"), Lang: "en",
				Stage: bot.InitialReview, CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now().Add(time.Duration(2000-i) * time.Minute)}
			if err := tx.CreateCase(&c); err != nil {
				return err
			}
			if i == 0 {
				for range 400 {
					if err := tx.AppendEvent(bot.Event{CaseID: c.ID, At: h.clock.Now(), Actor: id("ana"), Type: bot.EvVoteCast, Detail: map[string]string{"round": "1", "choice": "accept"}}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ who, line string }{
		{"ana", "list"}, {"ana", "list initial_review"}, {"ana", "list page 2"}, {"ana", "list page 999"},
		{"rita", "mine"}, {"rita", "mine page 3"}, {"ana", "history #1"}, {"ana", "history #1 page 1"},
	} {
		r := h.svc.Command(h.ctx, h.inv(tc.who), tc.line)
		if r.Reply == nil {
			t.Fatalf("%s: no reply", tc.line)
		}
		for _, lang := range h.cat.Supported() {
			var b strings.Builder
			for _, l := range r.Reply.Lines {
				b.WriteString(h.cat.Text(lang, l, locales.Style{}) + "\n")
			}
			if n := utf8.RuneCountInString(b.String()); n > 2000 {
				t.Errorf("%s in %s: %d characters, over one Discord message", tc.line, lang, n)
			}
		}
		if !has(*r.Reply, "page.footer") && !has(*r.Reply, "page.from_start") {
			t.Errorf("%s: no word of the other pages: %s", tc.line, h.render(r.Reply))
		}
	}
	// Oldest waiting first: case 2000 was updated first.
	if got := h.render(h.svc.Command(h.ctx, h.inv("ana"), "list").Reply); !strings.Contains(got, "#2000 ") || strings.Index(got, "#2000 ") > strings.Index(got, "#1999 ") {
		t.Errorf("not oldest waiting first: %.300s", got)
	}
}

// What operators must know (a failed backup) reaches each staff member
// privately, in their language, once for its key.
func TestStaffAreToldOnceOfAnIncident(t *testing.T) {
	h := newHarness(t)
	h.langs["sam"] = "fi"
	h.cmd("sam", "help") // sam is known, in Finnish
	m := h.chat.mark()
	for range 2 {
		if err := h.svc.TellStaff(h.ctx, "backup.failed/2026-12-03", bot.T("notice.backup_failed")); err != nil {
			t.Fatal(err)
		}
		h.deliver()
	}
	told := h.wantPosted(m, "notice.backup_failed", bot.InDirect, "sam")
	if told.Msg.Lang != "fi" {
		t.Fatalf("told in %q, want fi", told.Msg.Lang)
	}
}

// A case under review whose round row is missing (a hand-edited database,
// a partial restore) is logged and passed over when the committee changes:
// it must not keep the roster from being recorded, which would stop the
// bot at start.
func TestACaseWithoutItsRoundDoesNotStopTheRoster(t *testing.T) {
	h := newHarness(t)
	damaged := &bot.Case{Platform: "shell", Type: bot.Guidance, Title: "Damaged", Requester: id("rita"), Stage: bot.InitialReview, Round: 1,
		CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()}
	if err := h.store.Update(h.ctx, func(tx bot.Tx) error { return tx.CreateCase(damaged) }); err != nil {
		t.Fatal(err)
	}
	c := h.request("rita", bot.Guidance, "Postcards")
	h.react(c, "ana", "✅")
	// A new committee member: every open vote is weighed again.
	if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id("fay"), Name: "fay", Roles: bot.Roles{Committee: true}}); err != nil {
		t.Fatalf("recording a committee member next to a damaged case: %v", err)
	}
	if got := h.render(h.cmd("ana", fmt.Sprintf("status #%d", c)).Reply); !strings.Contains(got, "1 of 6 members") {
		t.Errorf("the sound case was not weighed again: %q", got)
	}
}

// /helpdesk stats counts the cases by stage and outcome and gives the
// median time from the request to each step, from the counts and the
// milestones the store keeps.
func TestStatsTellTheFiguresOfTheHelpdesk(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.wait(2 * time.Hour)
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("ana", fmt.Sprintf("route #%d none", c))
	h.wait(4 * 24 * time.Hour)
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.wait(24 * time.Hour)
	h.cmd("sam", fmt.Sprintf("resolve #%d Done.", c))
	h.request("rita", bot.Guidance, "Maps")
	got := h.render(h.cmd("sam", "stats").Reply)
	for _, want := range []string{
		"2 cases", "initial review by the committee: 1", "resolved: 1",
		"the initial feedback: 2 hours", "the final go: 4 days", "resolution: 5 days",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stats lack %q:\n%s", want, got)
		}
	}
}

// A median under half an hour is "less than an hour", not "0 hours"; a
// closed case in a list says closed and how, once (#24 §5.3, §5.5).
func TestShortMediansAndClosedCasesReadAsSentences(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	h.wait(10 * time.Minute)
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("ana", fmt.Sprintf("route #%d none", c))
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	h.cmd("sam", fmt.Sprintf("resolve #%d Done.", c))
	if got := h.render(h.cmd("sam", "stats").Reply); !strings.Contains(got, "Median time to the initial feedback: less than an hour (1 case)") {
		t.Errorf("stats: %s", got)
	}
	mine := h.render(h.cmd("rita", "mine").Reply)
	if !strings.Contains(mine, "#1 Postcards: closed (resolved)") || strings.Contains(mine, "Closed:") {
		t.Errorf("mine: %s", mine)
	}
}
