package mail_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/bot"
)

// handed records the letters an Outlet handed to Config.Deliver, and
// answers with err when it is set.
type handed struct {
	mu      sync.Mutex
	err     error
	letters []letter
}

func (h *handed) deliver(_ context.Context, rcpt string, data []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.err != nil {
		return h.err
	}
	h.letters = append(h.letters, letter{To: []string{rcpt}, Data: slices.Clone(data)})
	return nil
}

func (h *handed) got() []letter {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.letters)
}

// deliverOutlet is an Outlet that hands its letters to h, with no
// submission server.
func deliverOutlet(t *testing.T, h *handed, clk *clock, change ...func(*mail.Config)) *mail.Outlet {
	t.Helper()
	cfg := mail.Config{From: "helpdesk@wikimedia.se", FromName: "Wikimedia Sverige Helpdesk", Clock: clk, Deliver: h.deliver}
	for _, c := range change {
		c(&cfg)
	}
	o, err := mail.New(cfg, catalog(t))
	if err != nil {
		t.Fatalf("new outlet: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// With Deliver, the letter a server would have been given is handed over
// whole, to the same recipient, with the Message-ID Post returns; no
// server is needed, and Check has nothing to log in to.
func TestDeliverTakesTheLetterInsteadOfAServer(t *testing.T) {
	h := &handed{}
	o := deliverOutlet(t, h, newClock())
	if err := o.Check(context.Background()); err != nil {
		t.Errorf("check: %v", err)
	}
	ref := post(t, o, lena, letterSv("helpdesk-ab12-3"))
	got := h.got()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"lena@museum.se"}) {
		t.Fatalf("handed %+v", got)
	}
	p := parse(t, got[0])
	if id, _ := p.header.MessageID(); id != ref || ref != "helpdesk-ab12-3@wikimedia.se" {
		t.Errorf("Message-ID %q, ref %q", id, ref)
	}
	if s := p.text(t, "Subject"); s != "[#1] Glasplåtar från Örebro" {
		t.Errorf("Subject %q", s)
	}
	if p.header.Get("Auto-Submitted") != "auto-replied" || p.header.Get("Content-Language") != "sv" {
		t.Errorf("header:\n%s", p.raw)
	}
	checkLines(t, p)

	// The same key again: recognised, nothing handed over.
	if again := post(t, o, lena, letterSv("helpdesk-ab12-3")); again != ref || len(h.got()) != 1 {
		t.Errorf("the same key twice: %q, %d letters", again, len(h.got()))
	}
}

// An error of Deliver is a letter not sent: a passing one is tried again
// (and the key is not taken as sent), one that wraps bot.ErrUnreachable
// gives the letter up.
func TestDeliverErrors(t *testing.T) {
	h := &handed{err: errors.New("the printer is out of paper")}
	o := deliverOutlet(t, h, newClock())
	_, err := o.Post(context.Background(), dm(lena), letterSv("helpdesk-ab12-4"))
	if err == nil || errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("a passing failure: %v", err)
	}
	h.err = nil
	post(t, o, lena, letterSv("helpdesk-ab12-4"))
	if n := len(h.got()); n != 1 {
		t.Fatalf("tried again: %d letters", n)
	}
	h.err = fmt.Errorf("no such reader: %w", bot.ErrUnreachable)
	if _, err := o.Post(context.Background(), dm(lena), letterSv("helpdesk-ab12-5")); !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("a refusal for good: %v", err)
	}
}

// The daily cap counts the letters Deliver took.
func TestDeliverHasTheDailyCap(t *testing.T) {
	h := &handed{}
	o := deliverOutlet(t, h, newClock(), func(c *mail.Config) { c.DailyCap = 2 })
	post(t, o, lena, letterSv("k-1"))
	post(t, o, lena, letterSv("k-2"))
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-3")); !errors.Is(err, mail.ErrDailyCap) {
		t.Fatalf("third letter: %v", err)
	}
}

// Letters go to a server or to Deliver: New wants exactly one, and with
// Deliver no server's settings are checked.
func TestNewWantsAServerOrDeliver(t *testing.T) {
	h := &handed{}
	for name, cfg := range map[string]mail.Config{
		"neither": {From: "helpdesk@wikimedia.se"},
		"both":    {From: "helpdesk@wikimedia.se", Addr: "smtp.example.org:587", Deliver: h.deliver},
	} {
		if o, err := mail.New(cfg, catalog(t)); err == nil {
			o.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	o, err := mail.New(mail.Config{From: "helpdesk@helpdesk.test", Deliver: h.deliver}, catalog(t))
	if err != nil {
		t.Fatalf("Deliver alone: %v", err)
	}
	o.Close()
}

// Config.MessageID makes the Message-IDs: the shell's are its own numbers.
// One that is no Message-ID sends nothing.
func TestConfigMessageID(t *testing.T) {
	h := &handed{}
	o := deliverOutlet(t, h, newClock(), func(c *mail.Config) {
		c.MessageID = func(key string) string {
			if key == "bad" {
				return "two words@helpdesk.test"
			}
			return "m" + key + "@helpdesk.test"
		}
	})
	if ref := post(t, o, lena, letterSv("12")); ref != "m12@helpdesk.test" {
		t.Fatalf("ref %q", ref)
	}
	p := parse(t, h.got()[0])
	if id, _ := p.header.MessageID(); id != "m12@helpdesk.test" {
		t.Errorf("Message-ID %q", id)
	}
	if _, err := o.Post(context.Background(), dm(lena), letterSv("bad")); err == nil || len(h.got()) != 1 {
		t.Errorf("a bad id: %v, %d letters", err, len(h.got()))
	}
}
