package bot_test

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// TestEachReaderReadsTheirLanguage: the requester reads their language, the
// committee its own, a working group the language of its channel.
func TestEachReaderReadsTheirLanguage(t *testing.T) {
	h := newHarness(t)
	h.cfg.Groups = append([]bot.Group(nil), bot.DefaultGroups...)
	h.cfg.Groups[2].Lang = "sv" // implementation works in Swedish
	h.restart()
	h.langs["rita"] = "sv-FI" // Swedish as spoken in Finland: served by sv
	m := h.chat.mark()
	c := h.request("rita", bot.MediaUpload, "Vykort")
	if dm := h.wantPosted(m, "dm.opened", bot.InDirect, "rita"); dm.Msg.Lang != "sv" {
		t.Fatalf("the requester's confirmation is in %q, want sv", dm.Msg.Lang)
	}
	card := h.wantPosted(m, "card.title", bot.InCommittee, "")
	if card.Msg.Lang != "en" {
		t.Fatalf("the card is in %q, want the committee's en", card.Msg.Lang)
	}
	if got := h.render(&card.Msg); !strings.Contains(got, "(language: Swedish)") { // named in the reader's language
		t.Fatalf("the card does not show the requester's language: %s", got)
	}
	for _, who := range []string{"ana", "bo", "chen"} {
		h.react(c, who, "✅")
	}
	m = h.chat.mark()
	h.cmd("ana", "route #1 implementation")
	if gc := h.wantPosted(m, "groupcard.title", bot.InGroup, ""); gc.Msg.Lang != "sv" {
		t.Fatalf("the group card is in %q, want the group's sv", gc.Msg.Lang)
	}
}

// TestLanguageChoice: a language chosen with /helpdesk language wins over
// the platform's locale, which wins over the default; an unknown code is
// answered with the languages the helpdesk speaks, each in itself.
func TestLanguageChoice(t *testing.T) {
	h := newHarness(t)
	if r := h.cmd("rita", "help"); r.Reply.Lang != "en" {
		t.Fatalf("no locale: %q, want the default en", r.Reply.Lang)
	}
	h.langs["rita"] = "sv-SE"
	if r := h.cmd("rita", "help"); r.Reply.Lang != "sv" {
		t.Fatalf("locale sv-SE: %q, want sv", r.Reply.Lang)
	}
	r := h.cmd("rita", "language en")
	h.wantReply(r, "language.set")
	if r.Reply.Lang != "en" {
		t.Fatalf("the confirmation is in %q, want the new language", r.Reply.Lang)
	}
	if r := h.cmd("rita", "help"); r.Reply.Lang != "en" {
		t.Fatalf("chosen en with locale sv-SE: %q, want en", r.Reply.Lang)
	}
	r = h.cmd("rita", "language klingon")
	h.wantReply(r, "language.unknown")
	got := h.render(r.Reply)
	for _, tag := range h.cat.Supported() {
		if name := h.cat.Autonym(tag); !strings.Contains(got, name) {
			t.Errorf("the list of languages lacks %s (%s): %s", tag, name, got)
		}
	}
}

func TestNumbersInTheReadersDigitsAreUnderstood(t *testing.T) {
	h := newHarness(t)
	h.request("rita", bot.Guidance, "Postcards")
	for _, line := range []string{"status #١", "status #১", "status ۱"} { // Arabic-Indic, Bengali, Persian one
		h.wantReply(h.cmd("rita", line), "status.title")
	}
}
