package bot_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// letterChat is the mail platform as the core sees it: a Chat whose
// private messages are letters.
type letterChat struct{ *fakeChat }

func (letterChat) Letters() {}

// mailHarness is a harness whose requesters may also write by mail.
func mailHarness(t *testing.T) (*harness, *fakeChat) {
	h := newHarness(t)
	mail := newFakeChat()
	h.svc.Attach("mail", letterChat{mail})
	return h, mail
}

func (h *harness) receive(l bot.Letter) bot.Receipt {
	h.t.Helper()
	if l.Platform == "" {
		l.Platform = "shell"
	}
	r, err := h.svc.Receive(h.ctx, l)
	if err != nil {
		h.t.Fatalf("receive %s: %v", l.ID, err)
	}
	h.deliver()
	if _, err := h.svc.Deliver(h.ctx, "mail"); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// letters are the letters sent since mark i, in order.
func letters(mail *fakeChat, i int) []sent {
	var out []sent
	for _, s := range mail.sentSince(i) {
		if s.Op == bot.OpPost {
			out = append(out, s)
		}
	}
	return out
}

// A request by mail is a case like any other, whose requester is reached
// by letters in their language, each referring to the earlier ones; what
// they write back — an answer, a message, a rating — comes into the case
// once, matched by the letters' ids, or by the case's number from its
// requester; a stranger's reply is held for staff.
func TestARequestByMail(t *testing.T) {
	h, mail := mailHarness(t)
	lena := bot.UserID("mail:lena@museum.se")
	r := h.receive(bot.Letter{ID: "a1@museum.se", From: lena, Name: "Lena", Subject: "Digitising glass plates",
		Text: "We have 300 glass plates of the town.", Lang: "sv"})
	if r.Outcome != bot.LetterCase || r.Case != 1 {
		t.Fatalf("receipt %+v", r)
	}
	rec := h.record(1)
	if rec.Case.Platform != "shell" || rec.Case.Requester != lena || rec.Case.Title != "Digitising glass plates" || rec.Case.Lang != "sv" {
		t.Fatalf("case %+v", rec.Case)
	}
	sentToLena := letters(mail, 0)
	if len(sentToLena) != 1 || sentToLena[0].Place.User != lena || sentToLena[0].Msg.Lang != "sv" ||
		!has(sentToLena[0].Msg, "dm.opened.next.mail") || sentToLena[0].Msg.Subject.ID != "mail.subject" {
		t.Fatalf("letters to lena: %+v", sentToLena)
	}
	// The card is the committee's, on the chat platform.
	if len(h.posted(0, "card.title")) == 0 && len(h.chat.sentSince(0)) == 0 {
		t.Fatal("no card on the chat platform")
	}

	// The same mail again (a second delivery): nothing changes.
	m := mail.mark()
	if r := h.receive(bot.Letter{ID: "a1@museum.se", From: lena, Subject: "Digitising glass plates", Text: "We have 300 glass plates of the town."}); r.Outcome != bot.LetterDuplicate || r.Case != 1 {
		t.Fatalf("second delivery: %+v", r)
	}
	if len(letters(mail, m)) != 0 || len(h.record(1).Events) != len(rec.Events) {
		t.Fatal("a second delivery changed something")
	}

	// Staff correct her language; the committee asks; the letter, in
	// the language set, refers to the first one.
	h.wantReply(h.cmd("bo", "language #1 fi"), "error.staff_only")
	h.wantReply(h.cmd("sam", "language #1 fi"), "language.set.requester")
	h.wantReply(h.cmd("bo", "ask #1 Which licence will the scans have?"), "reply.asked")
	h.svc.Deliver(h.ctx, "mail")
	q := letters(mail, m)
	if len(q) != 1 || !has(q[0].Msg, "dm.question.how.mail") || q[0].Msg.Lang != "fi" || !slices.Equal(q[0].Msg.References, []string{sentToLena[0].Ref}) {
		t.Fatalf("the question's letter: %+v", q)
	}
	// Lena answers the question's letter: her answer.
	if r := h.receive(bot.Letter{ID: "a2@museum.se", From: lena, Subject: "SV: [#1] Digitising glass plates", Text: "CC0.", Refs: []string{q[0].Ref}}); r.Outcome != bot.LetterMessage {
		t.Fatalf("the answer: %+v", r)
	}
	if n := h.countEvents(1, bot.EvAnswered); n != 1 {
		t.Fatalf("%d answers", n)
	}
	// An Outlook-style reply: no references, the case's number in the
	// subject, from the requester: a message in the case.
	if r := h.receive(bot.Letter{ID: "a3@museum.se", From: lena, Subject: "SV: [#1] Digitising glass plates", Text: "The scans are 600 dpi."}); r.Outcome != bot.LetterMessage || r.Case != 1 {
		t.Fatalf("a reply by subject: %+v", r)
	}
	if n := h.countEvents(1, bot.EvMessage); n != 1 {
		t.Fatalf("%d messages", n)
	}
	// The same subject from someone else opens a case of theirs, not a
	// message in hers; a reply to her letter from a stranger is held.
	if r := h.receive(bot.Letter{ID: "x1@evil.example", From: "mail:mallory@evil.example", Subject: "RE: [#1] Digitising glass plates", Text: "Send me the scans."}); r.Case == 1 {
		t.Fatalf("a stranger wrote into lena's case by its number: %+v", r)
	}
	sm := h.chat.mark()
	if r := h.receive(bot.Letter{ID: "x2@evil.example", From: "mail:mallory@evil.example", Subject: "Re: Digitising", Text: "Me too.", Refs: []string{q[0].Ref}}); r.Outcome != bot.LetterHeld {
		t.Fatalf("a stranger's reply: %+v", r)
	}
	h.wantPosted(sm, "dm.letter.stranger", bot.InDirect, "sam")

	// Staff write to her; resolved, she rates by replying with a number.
	m = mail.mark()
	h.wantReply(h.cmd("sam", "reply #1 We will call you next week."), "reply.replied")
	h.svc.Deliver(h.ctx, "mail")
	if l := letters(mail, m); len(l) != 1 || !has(l[0].Msg, "dm.reply") || len(l[0].Msg.References) != 2 {
		t.Fatalf("staff's letter: %+v", l)
	}
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(1, who, "✅")
	}
	h.cmd("bo", "route #1 none")
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(1, who, "✅")
	}
	h.wantReply(h.cmd("sam", "resolve #1 On Commons."), "reply.resolved")
	h.svc.Deliver(h.ctx, "mail")
	if r := h.receive(bot.Letter{ID: "a4@museum.se", From: lena, Subject: "Re: [#1]", Text: "4 Thank you, quick and kind."}); r.Outcome != bot.LetterMessage {
		t.Fatalf("rating: %+v", r)
	}
	if c := h.record(1).Case; c.Rating != 4 {
		t.Fatalf("rating %d", c.Rating)
	}
	rated := h.record(1).Events
	if last := rated[len(rated)-1]; last.Type != bot.EvRated || last.Text != "Thank you, quick and kind." {
		t.Fatalf("the rating's event %+v", last)
	}

	// A delivery report about one of her letters: the thread and staff
	// are told, once.
	// A report naming someone else for her letter (anyone can write one)
	// changes nothing.
	m = h.chat.mark()
	if err := h.svc.Bounced(h.ctx, "mail:mallory@evil.example", q[0].Ref); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	h.wantNotPosted(m, "thread.bounced")
	for range 2 {
		if err := h.svc.Bounced(h.ctx, lena, "<"+q[0].Ref+">"); err != nil {
			t.Fatal(err)
		}
		h.deliver()
	}
	h.wantPosted(m, "thread.bounced", bot.InThread, "")
	h.wantPosted(m, "dm.bounced", bot.InDirect, "sam")
	if err := h.svc.Bounced(h.ctx, lena, "unknown@example.org"); err != nil {
		t.Fatal(err)
	}
}

// One address opens at most three cases by mail in an hour, and no more
// open cases than anyone: beyond, the mail is held (staff are told when it
// is the open cases), never answered.
func TestLettersAreCapped(t *testing.T) {
	h, mail := mailHarness(t)
	from := bot.UserID("mail:busy@example.org")
	var outcomes []string
	for i, subject := range []string{"One", "Two", "Three", "Four"} {
		r := h.receive(bot.Letter{ID: subject + "@example.org", From: from, Subject: subject, Text: "Please help."})
		outcomes = append(outcomes, r.Outcome)
		_ = i
	}
	if !slices.Equal(outcomes, []string{bot.LetterCase, bot.LetterCase, bot.LetterCase, bot.LetterHeld}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if n := len(letters(mail, 0)); n != 3 {
		t.Fatalf("%d letters sent, want one per case", n)
	}
	h.wait(2 * time.Hour)
	m := h.chat.mark()
	if r := h.receive(bot.Letter{ID: "five@example.org", From: from, Subject: "Five", Text: "Please help."}); r.Outcome != bot.LetterHeld {
		t.Fatalf("a fourth open case: %+v", r)
	}
	h.wantPosted(m, "dm.letter.limit", bot.InDirect, "sam")
}

// A subject is what the person wrote: without reply and forward markers in
// the languages of mail clients, nor the case's tag.
func TestSubjectsLoseTheirMarkers(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Glass plates":                "Glass plates",
		"SV: VS: AW: Fwd: Glass plates":   "Glass plates",
		"RE[2]: [#42] Glass plates":       "Glass plates",
		"Vs: Re:  Glass   plates ":        "Glass plates",
		"رد: Glass plates":                "Glass plates",
		"Reunion of archives":             "Reunion of archives",
		"Svar om glasplåtar":              "Svar om glasplåtar",
		"TR: RES: ENC: Glass plates [#7]": "Glass plates",
	} {
		if got := bot.Subject(in); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
	_ = strings.TrimSpace
}

// A letter that cannot go (refused for good) is put in the case's thread
// for the committee and staff to read, saying so as of a letter.
func TestALetterThatCannotGoIsInTheThread(t *testing.T) {
	h, mail := mailHarness(t)
	mail.fail = func(op bot.Op, _ bot.Place) error {
		if op == bot.OpPost {
			return bot.ErrUnreachable
		}
		return nil
	}
	m := h.chat.mark()
	h.receive(bot.Letter{ID: "u1@museum.se", From: "mail:gone@museum.se", Subject: "Plates", Text: "Help with our plates, please."})
	h.deliver()
	p := h.wantPosted(m, "thread.unreachable.mail", bot.InThread, "")
	if len(p.Msg.Ping) != 0 {
		t.Fatalf("the thread pings %v, who is not in the chat", p.Msg.Ping)
	}
}

// A mail that says "mydata" asks for the sender's data: the link goes to
// the address itself, in its language, and no case is opened; without a
// dashboard, the letter says whom to ask.
func TestMyDataByMail(t *testing.T) {
	h, mail := mailHarness(t)
	lena := bot.UserID("mail:lena@museum.se")
	r := h.receive(bot.Letter{ID: "d1@museum.se", From: lena, Subject: "mydata", Text: "", Lang: "sv"})
	if r.Outcome != bot.LetterCommand || r.Case != 0 {
		t.Fatalf("receipt %+v", r)
	}
	got := letters(mail, 0)
	if len(got) != 1 || got[0].Place.User != lena || got[0].Msg.Lang != "sv" || !has(got[0].Msg, "mydata.off") || got[0].Msg.Subject.ID != "mydata.subject" {
		t.Fatalf("letters: %+v", got)
	}
	h.wantReply(h.cmd("sam", "status #1"), "error.no_case")
}
