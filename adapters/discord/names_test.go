package discord

import (
	"strings"
	"testing"
	"unicode"

	"github.com/wmse/helpdesk/bot"
)

// A title with bidirectional overrides and isolates, zero-width
// characters and controls.
const trickyTitle = "Scans \u202egpj.exe\u202c of\u200b the\u2066 city\u2069\ufeff\u2060 archive\u200d\u200c\x07\x1b"

// dirty reports what a clean name must not hold: bidirectional controls
// (but the catalog's own isolates around the title, which every language
// has), zero-width characters, controls.
func dirty(name string) bool {
	return strings.ContainsFunc(words(name), func(r rune) bool { return isBidi(r) || isZeroWidth(r) || unicode.IsControl(r) }) ||
		strings.Count(name, "\u2068") != strings.Count(name, "\u2069")
}

// The case's thread is named without what the title hid in it.
func TestThreadNameClean(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, trickyTitle)
	name := f.Channel(card).Name
	if dirty(name) || words(name) != "#1 Scans gpj.exe of the city archive" {
		t.Errorf("thread name %q", name)
	}
}

// A forum post is named without them too.
func TestForumPostNameClean(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newForumHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{
		"title": trickyTitle, "description": "300 scans.", "organisation": "City archive",
	})
	h.reply(token)
	h.eventually("the forum post", func() bool { return len(f.ChannelsUnder("110")) == 1 })
	name := f.ChannelsUnder("110")[0].Name
	if dirty(name) || !strings.HasSuffix(words(name), "Scans gpj.exe of the city archive") {
		t.Errorf("forum post name %q", name)
	}
}

// The catalog's own isolates around the title stay, balanced (in every
// language: an Arabic title in an English name keeps its order); the
// title's own controls go.
func TestThreadNameRightToLeft(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat}
	name := a.threadName("ar", bot.T("thread.name", "id", bot.C("#1"), "title", bot.S(trickyTitle)))
	if strings.ContainsFunc(name, func(r rune) bool { return isZeroWidth(r) || unicode.IsControl(r) || r >= 0x202a && r <= 0x202e }) {
		t.Errorf("name %q", name)
	}
	if opened, closed := strings.Count(name, "\u2066")+strings.Count(name, "\u2067")+strings.Count(name, "\u2068"), strings.Count(name, "\u2069"); opened != closed {
		t.Errorf("name %q: %d isolates opened, %d closed", name, opened, closed)
	}
	if got := a.threadName("en", bot.T("thread.name", "id", bot.C(""), "title", bot.S("\u200b\u202e\x07"))); got != "helpdesk" {
		t.Errorf("a name of nothing visible is %q", got)
	}
}

// Readiness follows the gateway: ready once connected and reconciled, not
// while Discord cannot be reached, ready again after.
func TestReadinessFollowsTheGateway(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.eventually("ready", func() bool { return h.a.Readiness() == nil })
	f.RefuseGateway(true)
	f.DropGateway()
	h.eventually("not ready while the gateway is down", func() bool { return h.a.Readiness() != nil })
	f.RefuseGateway(false)
	h.eventually("ready again", func() bool { return h.a.Readiness() == nil })
}
