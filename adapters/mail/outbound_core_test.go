package mail_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// chat is the committee's chat platform ("shell") as the core sees it: it
// records what the helpdesk posted there and answers with fresh refs.
type chat struct {
	// cards, when set, hears of every case card posted.
	cards chan struct{}
	mu    sync.Mutex
	seq   int
	keys  map[string]string
	posts []chatPost
}

type chatPost struct {
	to bot.Place
	m  bot.Message
}

func (c *chat) Post(_ context.Context, to bot.Place, m bot.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ref, ok := c.keys[m.Key]; ok {
		return ref, nil
	}
	c.seq++
	ref := fmt.Sprintf("p%d", c.seq)
	if c.keys == nil {
		c.keys = map[string]string{}
	}
	c.keys[m.Key] = ref
	c.posts = append(c.posts, chatPost{to, m})
	if c.cards != nil && m.Title.ID == "card.title" {
		select {
		case c.cards <- struct{}{}:
		default:
		}
	}
	return ref, nil
}
func (c *chat) StartThread(_ context.Context, ref string, _ bot.Message) (string, error) {
	return "t" + ref, nil
}
func (c *chat) Edit(context.Context, string, bot.Message) error  { return nil }
func (c *chat) React(context.Context, string, string) error      { return nil }
func (c *chat) Invite(context.Context, string, bot.UserID) error { return nil }
func (c *chat) posted(id string, kind bot.PlaceKind) (out []bot.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.posts {
		if p.to.Kind != kind {
			continue
		}
		for _, l := range append([]bot.Text{p.m.Title}, p.m.Lines...) {
			if l.ID == id {
				out = append(out, p.m)
			}
		}
	}
	return out
}

// helpdesk is the core on a SQLite file with the Outlet attached as the
// mail platform, and a chat platform for the committee.
type helpdesk struct {
	t    *testing.T
	ctx  context.Context
	svc  *bot.Service
	chat *chat
	srv  *submission
	clk  *clock
}

func newHelpdesk(t *testing.T) *helpdesk {
	t.Helper()
	ctx := context.Background()
	clk := newClock()
	store, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv := newSubmission(t, clearText)
	h := &helpdesk{t: t, ctx: ctx, svc: bot.New(store, clk, catalog(t), bot.Config{}), chat: &chat{}, srv: srv, clk: clk}
	h.svc.Attach("shell", h.chat)
	h.svc.Attach(mail.Platform, outletFor(t, srv, clk))
	for name, roles := range map[string]bot.Roles{
		"ana": {Committee: true, Chair: true}, "bo": {Committee: true}, "chen": {Committee: true}, "sam": {Staff: true},
	} {
		if err := h.svc.MemberSeen(ctx, bot.Member{ID: bot.UserID("shell:" + name), Name: name, Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// deliver performs both platforms' outboxes.
func (h *helpdesk) deliver() {
	h.t.Helper()
	for _, p := range []string{"shell", mail.Platform} {
		if _, err := h.svc.Deliver(h.ctx, p); err != nil {
			h.t.Fatalf("deliver %s: %v", p, err)
		}
	}
}

func (h *helpdesk) receive(l bot.Letter) bot.Receipt {
	h.t.Helper()
	l.Platform = "shell"
	r, err := h.svc.Receive(h.ctx, l)
	if err != nil {
		h.t.Fatalf("receive %s: %v", l.ID, err)
	}
	h.deliver()
	return r
}

func (h *helpdesk) command(who, line string) bot.Response {
	h.t.Helper()
	roles := map[string]bot.Roles{"bo": {Committee: true}, "sam": {Staff: true}}[who]
	r := h.svc.Command(h.ctx, bot.Invocation{User: bot.UserID("shell:" + who), Name: who, Roles: &roles}, line)
	h.deliver()
	return r
}

// Through the real core: a request by mail gets the opening letter in the
// requester's language; the committee's question is a letter that threads
// under it; the requester's reply to that letter finds its case by the
// Message-ID the Outlet returned.
func TestALetterThroughTheCore(t *testing.T) {
	h := newHelpdesk(t)
	r := h.receive(bot.Letter{ID: "a1@museum.se", From: lena, Name: "Lena Berg", Subject: "Glasplåtar från Örebro",
		Text: "Vi har 300 glasplåtar av staden som vi vill lägga upp på Commons.", Lang: "sv"})
	if r.Outcome != bot.LetterCase || r.Case != 1 {
		t.Fatalf("receipt %+v", r)
	}
	got := h.srv.letters()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"lena@museum.se"}) {
		t.Fatalf("letters %+v", got)
	}
	opening := parse(t, got[0])
	firstID, _ := opening.header.MessageID()
	if s := opening.text(t, "Subject"); s != "[#1] Glasplåtar från Örebro" {
		t.Errorf("Subject %q", s)
	}
	if opening.header.Get("Content-Language") != "sv" || opening.header.Has("In-Reply-To") {
		t.Errorf("opening letter: language %q, In-Reply-To %q", opening.header.Get("Content-Language"), opening.header.Get("In-Reply-To"))
	}
	next := mustText(t, "sv", bot.T("dm.opened.next.mail"))
	if !slices.Contains(unflow(opening.body), "0|"+next) {
		t.Errorf("the opening letter lacks %q:\n%s", next, opening.body)
	}
	if !strings.HasPrefix(firstID, "helpdesk-") || !strings.HasSuffix(firstID, "@wikimedia.se") {
		t.Errorf("Message-ID %q: want the outbox's key at the helpdesk's domain", firstID)
	}

	// The committee asks: the question's letter answers the first.
	if r := h.command("bo", "ask #1 Vilken licens får skanningarna?"); r.Reply == nil || r.Reply.Lines[0].ID != "reply.asked" {
		t.Fatalf("ask: %+v", r.Reply)
	}
	got = h.srv.letters()
	if len(got) != 2 {
		t.Fatalf("%d letters", len(got))
	}
	q := parse(t, got[1])
	qID, _ := q.header.MessageID()
	irt, _ := q.header.MsgIDList("In-Reply-To")
	refs, _ := q.header.MsgIDList("References")
	if !slices.Equal(irt, []string{firstID}) || !slices.Equal(refs, []string{firstID}) || qID == firstID {
		t.Fatalf("the question's letter: Message-ID %q, In-Reply-To %q, References %q (first %q)", qID, irt, refs, firstID)
	}
	if s := q.text(t, "Subject"); s != "[#1] Glasplåtar från Örebro" {
		t.Errorf("Subject %q", s)
	}
	if !strings.Contains(q.body, "> Vilken licens får skanningarna?") {
		t.Errorf("the question is not quoted:\n%s", q.body)
	}

	// Lena answers that letter: her reply refers to its Message-ID.
	if r := h.receive(bot.Letter{ID: "a2@museum.se", From: lena, Subject: "SV: [#1] Glasplåtar från Örebro", Text: "CC0.",
		Refs: []string{"<" + qID + ">", "<" + firstID + ">"}}); r.Outcome != bot.LetterMessage || r.Case != 1 {
		t.Fatalf("her answer: %+v", r)
	}
	if len(h.chat.posted("thread.answered", bot.InThread)) != 1 {
		t.Error("her answer is not in the case's thread")
	}
}

// A recipient the server refuses for good is unreachable to the core: the
// letter is given up at once and put in the case's thread for staff.
func TestARefusedRecipientThroughTheCore(t *testing.T) {
	h := newHelpdesk(t)
	h.srv.rcpt = func(string) error {
		return refuse(550, smtp.EnhancedCode{5, 1, 1}, "User unknown")
	}
	r := h.receive(bot.Letter{ID: "b1@example.org", From: "mail:nobody@example.org", Subject: "Scans", Text: "Help with scans.", Lang: "en"})
	if r.Outcome != bot.LetterCase {
		t.Fatalf("receipt %+v", r)
	}
	if n := len(h.srv.letters()); n != 0 {
		t.Fatalf("%d letters taken", n)
	}
	h.deliver() // what the failure put in the thread
	if len(h.chat.posted("thread.unreachable.mail", bot.InThread)) != 1 {
		t.Fatal("staff were not shown the letter that could not go")
	}
}
