package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// historyOf16 files a case and gives it 16 events in all, one a minute
// after the case was opened, and returns the case and the times of its
// events, oldest first.
func historyOf16(h *harness) (int64, []time.Time) {
	h.t.Helper()
	c := h.request("rita", bot.Guidance, "Scans of old maps")
	var at []time.Time
	for _, e := range h.record(c).Events {
		at = append(at, e.At)
	}
	err := h.store.Update(h.ctx, func(tx bot.Tx) error {
		for i := len(at); i < 16; i++ {
			t := h.clock.Now().Add(time.Duration(i) * time.Minute)
			if err := tx.AppendEvent(bot.Event{CaseID: c, At: t, Actor: id("ana"), Type: bot.EvAsked}); err != nil {
				return err
			}
			at = append(at, t)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return c, at
}

// num reads a number argument of a text.
func num(t *testing.T, x bot.Text, name string) int64 {
	t.Helper()
	a, ok := x.Args[name]
	if !ok || a.Num == nil {
		t.Fatalf("%s has no number %s", x.ID, name)
	}
	return *a.Num
}

// wantEvents checks that lines are history lines of the events at times
// want, in that order.
func wantEvents(t *testing.T, lines []bot.Text, want []time.Time) {
	t.Helper()
	if len(lines) != len(want) {
		t.Fatalf("%d event lines, want %d", len(lines), len(want))
	}
	for i, l := range lines {
		if l.ID != "history.line" || l.Args["at"].Time == nil || !l.Args["at"].Time.Equal(want[i]) {
			t.Fatalf("line %d: %s at %v, want history.line at %v", i, l.ID, l.Args["at"].Time, want[i])
		}
	}
}

// A history opens on its newest events: a page's worth, even when the
// last page holds only one, saying which they are and how to read the
// history from the beginning. A page asked for is counted from the first
// event, as the footers say.
func TestHistoryOpensOnItsNewestEvents(t *testing.T) {
	h := newHarness(t)
	c, at := historyOf16(h)

	r := h.cmd("rita", fmt.Sprintf("history #%d", c))
	lines := r.Reply.Lines
	if len(lines) != 18 || lines[0].ID != "history.title" || lines[1].ID != "page.latest" || lines[17].ID != "page.from_start" {
		t.Fatalf("history without a page: %s", h.render(r.Reply))
	}
	if from, to, total := num(t, lines[1], "from"), num(t, lines[1], "to"), num(t, lines[1], "total"); from != 2 || to != 16 || total != 16 {
		t.Errorf("the newest events are %d to %d of %d, want 2 to 16 of 16", from, to, total)
	}
	wantEvents(t, lines[2:17], at[1:])
	first := fmt.Sprintf("/helpdesk history #%d page 1", c)
	if got := "/helpdesk " + lines[17].Args["cmd"].Cmd; got != first || num(t, lines[17], "page") != 1 || num(t, lines[17], "pages") != 2 {
		t.Errorf("the way to the beginning: %s (%q)", h.render(r.Reply), got)
	}

	r = h.cmd("rita", fmt.Sprintf("history #%d page 1", c))
	lines = r.Reply.Lines
	if len(lines) != 17 || lines[16].ID != "page.footer" || num(t, lines[16], "page") != 1 || num(t, lines[16], "pages") != 2 {
		t.Fatalf("page 1: %s", h.render(r.Reply))
	}
	wantEvents(t, lines[1:16], at[:15])
	if got, want := "/helpdesk "+lines[16].Args["cmd"].Cmd, fmt.Sprintf("/helpdesk history #%d page 2", c); got != want {
		t.Errorf("page 1 leads to %q, want %q", got, want)
	}

	r = h.cmd("rita", fmt.Sprintf("history #%d page 2", c))
	lines = r.Reply.Lines
	if len(lines) != 3 || lines[2].ID != "page.footer" || num(t, lines[2], "page") != 2 {
		t.Fatalf("page 2: %s", h.render(r.Reply))
	}
	wantEvents(t, lines[1:2], at[15:])

	// A short history is all on one page, with nothing about pages.
	short := h.request("rita", bot.Guidance, "A short one")
	r = h.cmd("rita", fmt.Sprintf("history #%d", short))
	if has(*r.Reply, "page.latest") || has(*r.Reply, "page.from_start") || has(*r.Reply, "page.footer") {
		t.Errorf("a history of one page speaks of pages: %s", h.render(r.Reply))
	}
	wantEvents(t, r.Reply.Lines[1:], []time.Time{h.record(short).Events[0].At, h.record(short).Events[1].At})
}

// "page" is understood in English and in the reader's language, whatever
// its case and accents; another language's word is not taken for it.
func TestThePageWordInEveryLanguage(t *testing.T) {
	h := newHarness(t)
	c, _ := historyOf16(h)
	for _, tc := range []struct {
		lang, word string
		page       bool // read as "page 1"
	}{
		{"en", "page", true},
		{"en", "Page", true},
		{"sv", "sida", true},
		{"sv", "page", true},
		{"fi", "sivu", true},
		{"fi", "sida", false},
		{"fr", "page", true},
		{"es", "página", true},
		{"es", "pagina", true},
		{"es", "PÁGINA", true},
		{"pt-BR", "página", true},
		{"pt-BR", "pagina", true},
		{"ar", "صفحة", true},
		{"ar", "الصفحة", true},
		{"bn", "পৃষ্ঠা", true},
		{"bn", "sida", false},
	} {
		h.langs["rita"] = tc.lang
		r := h.cmd("rita", fmt.Sprintf("history #%d %s 1", c, tc.word))
		if r.Reply == nil || r.Reply.Lang != tc.lang {
			t.Fatalf("%s %q: reply %v", tc.lang, tc.word, r.Reply)
		}
		if got := has(*r.Reply, "page.footer") && !has(*r.Reply, "page.latest"); got != tc.page {
			t.Errorf("%s %q read as a page: %v, want %v (%s)", tc.lang, tc.word, got, tc.page, h.render(r.Reply))
		}
	}
	// In Arabic digits too, with the Arabic word.
	h.langs["rita"] = "ar"
	if r := h.cmd("rita", fmt.Sprintf("history #%d صفحة ٢", c)); !has(*r.Reply, "page.footer") || num(t, r.Reply.Lines[len(r.Reply.Lines)-1], "page") != 2 {
		t.Errorf("صفحة ٢: %s", h.render(r.Reply))
	}
}
