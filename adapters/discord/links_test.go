package discord

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Discord's markdown, as far as links go (its parser is simple-markdown's
// rules, tried in this order at each position): a backslash escapes any
// character that is not a letter, a digit or a space; <scheme:/…> is an
// autolink; a bare http(s) address is a link up to a space or "<", less a
// last character among .,:;"')] ; [text](address) is a masked link.
var (
	mdEscape   = regexp.MustCompile(`^\\[^0-9A-Za-z\s]`)
	mdAutolink = regexp.MustCompile(`^<([^: >]+:/[^ >]+)>`)
	mdURL      = regexp.MustCompile(`^(https?://[^\s<]+[^<.,:;"')\]\s])`)
	mdMasked   = regexp.MustCompile(`^\[([^\]]*)\]\(\s*<?([^\s)>]*)>?\s*\)`)
)

// discordLinks lists what Discord makes of s: the addresses it links, and
// the masked links (text → address) it shows.
func discordLinks(s string) (linked, masked []string) {
	for i := 0; i < len(s); {
		rest := s[i:]
		switch {
		case mdEscape.MatchString(rest):
			_, size := utf8.DecodeRuneInString(rest[1:])
			i += 1 + size
		case mdAutolink.MatchString(rest):
			m := mdAutolink.FindStringSubmatch(rest)
			linked = append(linked, m[1])
			i += len(m[0])
		case mdURL.MatchString(rest):
			m := mdURL.FindString(rest)
			linked = append(linked, m)
			i += len(m)
		case mdMasked.MatchString(rest):
			m := mdMasked.FindStringSubmatch(rest)
			masked = append(masked, m[1]+" → "+m[2])
			i += len(m[0])
		default:
			_, size := utf8.DecodeRuneInString(rest)
			i += size
		}
	}
	return linked, masked
}

// Links a person wrote stay clickable (their underscores, asterisks and
// parentheses are the address's, not markup), while mentions and markup
// around them stay defused, and a masked link a person typed cannot pass
// its text off for another address: it shows as typed, the real address a
// link of its own.
func TestEscapedLinksStayLinks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"https://commons.wikimedia.org/wiki/Category:Scans_of_the_*city*_archive", []string{"https://commons.wikimedia.org/wiki/Category:Scans_of_the_*city*_archive"}},
		{"See https://en.wikipedia.org/wiki/Pattypan_(software).", []string{"https://en.wikipedia.org/wiki/Pattypan_(software)"}},
		{"(https://example.org/a_b)", []string{"https://example.org/a_b"}},
		{"**https://example.org/x**", []string{"https://example.org/x"}},
		{"[Commons](https://evil.example/login)", []string{"https://evil.example/login"}},
		{"[https://commons.wikimedia.org](https://evil.example)", []string{"https://commons.wikimedia.org", "https://evil.example"}},
		{"https://commons.wikimedia.org@evil.example/ @everyone", []string{"https://commons.wikimedia.org%40evil.example/"}},
		{"one https://a.example/1\ntwo http://b.example/2_", []string{"https://a.example/1", "http://b.example/2_"}},
	} {
		got := Escape(tc.in)
		linked, masked := discordLinks(got)
		if strings.Join(linked, " ") != strings.Join(tc.want, " ") {
			t.Errorf("Escape(%q) = %q: Discord links %q, want %q", tc.in, got, linked, tc.want)
		}
		if len(masked) > 0 {
			t.Errorf("Escape(%q) = %q: a masked link %q", tc.in, got, masked)
		}
		for _, bad := range []string{"@everyone", "**", "<@"} {
			if strings.Contains(got, bad) {
				t.Errorf("Escape(%q) = %q holds %q", tc.in, got, bad)
			}
		}
	}
	// Markup and mentions next to a link stay text.
	got := Escape("<@123> _x_ https://example.org/_y_ @here")
	if want := "\\<@\u200b123\\> \\_x\\_ <https://example.org/_y_> @\u200bhere"; got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
}

// The guides' links are the helpdesk's own texts, shown verbatim; in a
// right-to-left language the isolate after the address would become part
// of a bare link. They are clickable in every language, on a card and in a
// private reply, and so are a requester's links on the card.
func TestGuideAndCardLinksClickable(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat, cfg: Config{GuildID: "1"}}
	guide := "https://commons.wikimedia.org/wiki/Commons:Guide_to_batch_uploading"
	for _, lang := range []string{"en", "ar", "sv"} {
		reply := &bot.Message{Lang: lang, Lines: []bot.Text{bot.T("guides.title"), bot.T("guides.line", "title", bot.S("Batch *uploads*"), "url", bot.C(guide))}}
		text := strings.Join(a.replyText(reply), "\n")
		if linked, _ := discordLinks(text); len(linked) != 1 || linked[0] != guide {
			t.Errorf("%s: the guide reply %q links %q, want %s", lang, text, linked, guide)
		}
		link := "https://example.org/scans_(1890)"
		card := bot.Message{Lang: lang, Title: bot.T("card.title", "id", bot.C("#1"), "title", bot.S("Scans")),
			Lines:  []bot.Text{bot.Quoted("All at " + link + ".")},
			Fields: []bot.Field{{Label: bot.T("field.links"), Value: bot.Quoted(link)}}}
		e := a.render(card).first.Embeds[0]
		for _, shown := range []string{e.Description, e.Fields[0].Value} {
			if linked, _ := discordLinks(shown); len(linked) != 1 || linked[0] != link {
				t.Errorf("%s: the card shows %q, linking %q, want %s", lang, shown, linked, link)
			}
		}
	}
}
