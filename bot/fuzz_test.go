package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
)

// NormEmoji is idempotent: a reaction normalised twice is the same
// reaction, or votes would be counted under two names.
func FuzzNormEmoji(f *testing.F) {
	for _, s := range []string{"✅", "✅\ufe0f", ":white_check_mark:", "🛠️", "🛠", "1️⃣", "", "\ufe0f", "👍🏽", "#️⃣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, e string) {
		n := bot.NormEmoji(e)
		if again := bot.NormEmoji(n); again != n {
			t.Fatalf("NormEmoji(%q) = %q, but NormEmoji of that is %q", e, n, again)
		}
		if n2 := bot.NormEmoji(bot.EmojiFromName(e)); bot.NormEmoji(n2) != n2 {
			t.Fatalf("EmojiFromName(%q) does not normalise stably", e)
		}
	})
}

// Any line typed after /helpdesk gets a reply (or a form), never a panic,
// and the reply renders in every language without a missing message.
func FuzzCommand(f *testing.F) {
	for _, s := range []string{"", "help", "request media-upload", "status #1", "history 1", "ask #1 Why?", "answer #1 Because.",
		"route #1 implementation,communication", "route #1 none", "claim #1", "recommend #1 x", "decide #1 accept", "list initial_review",
		"language sv", "experts", "guides upload", "withdraw #99999999999999999999", "close #1 " + strings.Repeat("x", 5000), "rate #1 9", "#", "status #-1", "\x00\u202e"} {
		f.Add("ana", s)
		f.Add("rita", s)
	}
	h := newHarness(f)
	h.request("rita", bot.MediaUpload, "Postcards")
	f.Fuzz(func(t *testing.T, who, line string) {
		if _, ok := roster[who]; !ok {
			who = "rita"
		}
		h.clock.Advance(2 * time.Second) // under the commands-per-minute limit
		r := h.svc.Command(h.ctx, h.inv(who), line)
		if r.Reply == nil && r.Form == nil {
			t.Fatalf("%s %q: neither a reply nor a form", who, line)
		}
		if r.Reply != nil {
			for _, lang := range h.cat.Supported() {
				// Valid UTF-8, and no placeholder left unfilled (unless the
				// person typed braces, which a reply may echo).
				if got := h.render(&bot.Message{Lang: lang, Lines: r.Reply.Lines}); !utf8.ValidString(got) || !strings.Contains(line, "{") && strings.Contains(got, "{{") {
					t.Fatalf("%s %q in %s: %q", who, line, lang, got)
				}
			}
		}
	})
}

// Any form that comes back is either taken, or answered with errors on its
// fields or a refusal: never a panic, never a half-made case.
func FuzzSubmit(f *testing.F) {
	f.Add("media-upload", "Postcards", "300 postcards.", "Museum", "https://example.org", "spring")
	f.Add("", "", "", "", "", "")
	f.Add("nonsense", strings.Repeat("t", 101), strings.Repeat("d", 3001), "\u202e", "javascript:alert(1)", "\x00")
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, typ, title, desc, org, links, timeline string) {
		before := tally(t, h)
		sub := bot.Submission{Kind: bot.RequestForm, Type: bot.RequestType(typ), Values: map[string]string{
			"title": title, "description": desc, "organisation": org, "links": links, "timeline": timeline}}
		r := h.svc.Submit(h.ctx, h.inv("rita"), sub)
		if r.Reply == nil && len(r.FieldErrors) == 0 {
			t.Fatal("no answer to a form")
		}
		after := tally(t, h)
		if len(r.FieldErrors) > 0 && after.events != before.events {
			t.Fatal("a refused form changed the database")
		}
		// Keep the requester under the limits for the next input.
		for _, id := range after.open {
			h.svc.Command(h.ctx, h.inv("rita"), fmt.Sprintf("withdraw #%d confirm", id))
		}
		h.clock.Advance(bot.DefaultRequestWindow)
	})
}

type counts struct {
	events int
	open   []int64
}

// tally counts the events of every case and lists the open ones.
func tally(t *testing.T, h *harness) counts {
	recs, err := h.svc.ExportAll(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var c counts
	for _, r := range recs {
		c.events += len(r.Events)
		if r.Case.Stage.Open() {
			c.open = append(c.open, r.Case.ID)
		}
	}
	return c
}
