package bot_test

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// codeIn is the link code a reply or a letter gives.
func codeIn(t *testing.T, m bot.Message) string {
	t.Helper()
	for _, l := range m.Lines {
		if c := l.Args["code"].Code; c != "" {
			return c
		}
	}
	t.Fatalf("no code in %+v", m)
	return ""
}

// Linking a chat account and a mail address: the code goes to the mailbox
// and is typed in chat; then one person: their cases by either way in one
// list, one language, recusal from their own case whichever account they
// act with. A code works once; unlinking parts them again.
func TestOnePersonInChatAndByMail(t *testing.T) {
	h, mail := mailHarness(t)
	rita := bot.UserID("mail:rita@museum.se")
	h.receive(bot.Letter{ID: "r1@museum.se", From: rita, Subject: "Herbarium", Text: "We have 300 sheets.", Lang: "en"})
	h.request("rita", bot.Guidance, "Maps of Gotland")

	mailed := func() {
		t.Helper()
		if _, err := h.svc.Deliver(h.ctx, "mail"); err != nil {
			t.Fatal(err)
		}
	}
	mark := len(letters(mail, 0))
	h.wantReply(h.cmd("rita", "link rita@museum.se"), "link.mail.sent")
	mailed()
	sent := letters(mail, mark)
	if len(sent) != 1 || sent[0].Place.User != rita || sent[0].Msg.Subject.ID != "link.subject" {
		t.Fatalf("the code's letter: %+v", sent)
	}
	code := codeIn(t, sent[0].Msg)
	h.wantReply(h.cmd("rita", "link "+strings.ToLower(code)), "link.done")
	h.wantReply(h.cmd("rita", "link "+code), "link.unknown") // once

	// One list of cases, whichever way they were filed.
	r := h.cmd("rita", "mine")
	if txt := h.render(r.Reply); !strings.Contains(txt, "Herbarium") || !strings.Contains(txt, "Maps of Gotland") {
		t.Errorf("mine: %s", txt)
	}
	// One language: chosen in chat, the letters follow it.
	h.cmd("rita", "language sv")
	mailed()
	mark = len(letters(mail, 0))
	h.wantReply(h.cmd("bo", "ask #1 Which licence?"), "reply.asked")
	mailed()
	if sent := letters(mail, mark); len(sent) != 1 || sent[0].Msg.Lang != "sv" {
		t.Errorf("the question's letter: %+v", sent)
	}
	// Her own case, by mail, is hers in chat: she answers it.
	h.wantReply(h.cmd("rita", "answer #1 CC0."), "reply.answered")

	h.wantReply(h.cmd("rita", "unlink"), "link.undone")
	h.wantReply(h.cmd("rita", "unlink"), "link.none")
	if txt := h.render(h.cmd("rita", "mine").Reply); strings.Contains(txt, "Herbarium") {
		t.Errorf("mine after unlinking: %s", txt)
	}
}

// Two accounts of one committee member on one platform, linked, are one
// voter: the latest vote of either counts, once, and the committee's size
// does not grow; a case filed with one of them recuses the other.
func TestLinkedAccountsVoteOnce(t *testing.T) {
	h := newHarness(t)
	if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id("bo2"), Name: "bo2", Roles: bot.Roles{Committee: true}}); err != nil {
		t.Fatal(err)
	}
	r := h.cmd("bo", "link")
	h.wantReply(r, "link.code")
	code := codeIn(t, *r.Reply)
	h.wantReply(h.svc.Command(h.ctx, bot.Invocation{User: id("bo2"), Name: "bo2", Roles: &bot.Roles{Committee: true}}, "link "+code), "link.done")

	c := h.request("rita", bot.Guidance, "Maps")
	h.react(c, "bo", "✅")
	h.reactOn(h.target(c, "bo2", "❌"), "bo2", "❌")
	rec := h.record(c)
	if len(rec.Open) != 1 || rec.Open[0].Choice != bot.Decline {
		t.Fatalf("votes of bo and bo2: %+v", rec.Open)
	}

	// bo2 files a case: bo may not vote on it.
	d := h.svc.Submit(h.ctx, bot.Invocation{User: id("bo2"), Name: "bo2", Roles: &bot.Roles{Committee: true}},
		bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance, Values: map[string]string{"title": "Bo's own", "description": "Mine."}})
	if d.Reply == nil {
		t.Fatal("no reply")
	}
	h.deliver()
	h.react(c+1, "bo", "✅")
	if rec := h.record(c + 1); len(rec.Open) != 0 {
		t.Errorf("bo voted on bo2's case: %+v", rec.Open)
	}
}

// With a committee platform, a request filed on another platform is
// carded and voted on the committee's, and its requester is answered
// where they asked: the question reaches her there, her answer reaches
// the committee's thread, and the case is hers in her own list.
func TestOneCaseAcrossChatPlatforms(t *testing.T) {
	h := newHarness(t)
	h.cfg.CommitteePlatform = "shell"
	h.restart()
	other := newFakeChat()
	h.svc.Attach("other", other)
	rita := bot.Invocation{User: "other:rita", Name: "rita"}
	deliver := func() {
		t.Helper()
		h.deliver()
		if _, err := h.svc.Deliver(h.ctx, "other"); err != nil {
			t.Fatal(err)
		}
	}
	r := h.svc.Submit(h.ctx, rita, bot.Submission{Kind: bot.RequestForm, Type: bot.Guidance,
		Values: map[string]string{"title": "Maps of Gotland", "description": "300 maps."}})
	h.wantReply(r, "reply.opened")
	deliver()
	rec := h.record(1)
	if rec.Case.Platform != "shell" || rec.Case.Requester != "other:rita" {
		t.Fatalf("case %+v", rec.Case)
	}
	if len(h.posted(0, "card.title")) != 1 {
		t.Fatal("no card on the committee's platform")
	}
	if ps := other.sentSince(0); len(ps) != 1 || ps[0].Place.User != "other:rita" || !has(ps[0].Msg, "dm.opened") {
		t.Fatalf("on her platform: %+v", ps)
	}
	mark := len(other.sentSince(0))
	h.wantReply(h.cmd("bo", "ask #1 How old are the maps?"), "reply.asked")
	deliver()
	if ps := other.sentSince(mark); len(ps) != 1 || !has(ps[0].Msg, "dm.question") {
		t.Fatalf("the question on her platform: %+v", ps)
	}
	threadMark := len(h.chat.sentSince(0))
	h.wantReply(h.svc.Command(h.ctx, rita, "answer #1 From 1850."), "reply.answered")
	deliver()
	found := false
	for _, s := range h.chat.sentSince(threadMark) {
		if s.Place.Kind == bot.InThread && strings.Contains(h.render(&s.Msg), "From 1850.") {
			found = true
		}
	}
	if !found {
		t.Error("her answer is not in the committee's thread")
	}
	if txt := h.render(h.svc.Command(h.ctx, rita, "mine").Reply); !strings.Contains(txt, "Maps of Gotland") {
		t.Errorf("mine: %s", txt)
	}
}

// A linked person's data holds what each of their identities did, and an
// erasure takes them all under one pseudonym.
func TestALinkedPersonsDataAndErasure(t *testing.T) {
	h, mail := mailHarness(t)
	rita := bot.UserID("mail:rita@museum.se")
	h.receive(bot.Letter{ID: "r1@museum.se", From: rita, Subject: "Herbarium", Text: "We have 300 sheets.", Lang: "en"})
	h.request("rita", bot.Guidance, "Maps of Gotland")
	h.wantReply(h.cmd("rita", "link rita@museum.se"), "link.mail.sent")
	if _, err := h.svc.Deliver(h.ctx, "mail"); err != nil {
		t.Fatal(err)
	}
	sent := letters(mail, 0)
	h.wantReply(h.cmd("rita", "link "+codeIn(t, sent[len(sent)-1].Msg)), "link.done")

	d, err := h.svc.PersonData(h.ctx, id("rita"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cases) != 2 || len(d.Letters) != 1 || len(d.Person.Also) != 1 || d.Person.Also[0] != rita {
		t.Fatalf("her data: %d cases, %d letters, also %v", len(d.Cases), len(d.Letters), d.Person.Also)
	}

	h.wantReply(h.cmd("sam", "close #1 Done."), "reply.closed")
	h.wantReply(h.cmd("sam", "close #2 Done."), "reply.closed")
	rep, err := h.svc.Erase(h.ctx, rita, bot.EraseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Cases) != 2 {
		t.Fatalf("erased cases %v", rep.Cases)
	}
	for _, c := range []int64{1, 2} {
		if got := h.record(c).Case.Requester; got != rep.Pseudonym {
			t.Errorf("case %d's requester is %s, want %s", c, got, rep.Pseudonym)
		}
	}
}
