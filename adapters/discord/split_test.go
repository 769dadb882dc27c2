package discord

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
)

const testCont = "(continued)"

// A run of typed backslashes longer than a message, escaped (each one
// doubled), is cut in parts that each take most of a message: never one
// backslash a message.
func TestSplitBackslashRun(t *testing.T) {
	text := Escape(strings.Repeat(`\`, bot.MaxText)) // 6000 backslashes
	parts := split(text, maxContent, testCont)
	if len(parts) > 4 {
		t.Fatalf("%d parts for %d characters", len(parts), len(text))
	}
	checkSplit(t, text, maxContent, testCont, parts)
	for i, p := range parts {
		if body := strings.TrimPrefix(p, testCont+"\n"); oddRunAtEnd(body) {
			t.Errorf("part %d ends with an escaping backslash", i)
		}
	}
}

// A text too long for maxParts parts is cut with "…" in its last part.
func TestSplitCapped(t *testing.T) {
	text := strings.Repeat("a", maxParts*maxContent+1)
	parts := split(text, maxContent, testCont)
	if len(parts) != maxParts || !strings.HasSuffix(parts[len(parts)-1], "…") {
		t.Fatalf("%d parts, the last ending %q", len(parts), parts[len(parts)-1][len(parts[len(parts)-1])-5:])
	}
	checkSplit(t, text, maxContent, testCont, parts)
}

// FuzzSplit checks split on any text, and on any text escaped as a
// person's words are: the parts are few, within the limit, and make up the
// text; no cut falls inside an escape.
func FuzzSplit(f *testing.F) {
	for _, seed := range []struct {
		s string
		n int
	}{
		{"", 20},
		{"word word word word word word word word", 20},
		{strings.Repeat(`\`, 300), 40},
		{strings.Repeat(`\*`, 100), 21},
		{strings.Repeat("a\n", 50) + strings.Repeat("*_", 40), 30},
		{"https://e.example/@@@@@@@@@@@@@@@@@@@@ " + strings.Repeat("@everyone ", 10), 25},
		{strings.Repeat("ü", 5000), maxContent},
		{strings.Repeat(`\ `, 3000), maxContent},
		{strings.Repeat("x", 200), 16},
	} {
		f.Add(seed.s, seed.n)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = 16 + abs(n)%(maxContent-15) // 16 … 2000
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		checkSplit(t, s, n, testCont, split(s, n, testCont))
		e := Escape(s)
		parts := split(e, n, testCont)
		checkSplit(t, e, n, testCont, parts)
		for i, p := range parts {
			body := strings.TrimPrefix(p, testCont+"\n")
			if i == len(parts)-1 {
				body = strings.TrimSuffix(body, "…")
			}
			if oddRunAtEnd(body) {
				t.Errorf("part %d of %q ends with an escaping backslash: %q", i, e, p)
			}
		}
	})
}

// checkSplit checks the properties every split has: parts within n,
// each after the first saying it continues, no more than maxParts and no
// more than a cut of more than half of a part's room each would give, and
// together the text (but for the "…" of a text cut at maxParts).
func checkSplit(t *testing.T, text string, n int, cont string, parts []string) {
	t.Helper()
	if len(parts) == 0 || len(parts) > maxParts {
		t.Fatalf("%d parts", len(parts))
	}
	room := n - utf8.RuneCountInString(cont) - 1 // of every part after the first
	if size := utf8.RuneCountInString(text); size > n {
		if bound := 1 + ceilDiv(size-n/2, room/2); len(parts) > bound {
			t.Errorf("%d parts for %d characters in parts of %d: more than %d", len(parts), size, n, bound)
		}
	}
	var whole strings.Builder
	for i, p := range parts {
		if c := utf8.RuneCountInString(p); c > n {
			t.Errorf("part %d has %d characters, more than %d", i, c, n)
		}
		if i > 0 {
			var ok bool
			if p, ok = strings.CutPrefix(p, cont+"\n"); !ok {
				t.Errorf("part %d does not say it continues: %q", i, p)
			}
		}
		whole.WriteString(p)
	}
	got := whole.String()
	if got == text {
		return
	}
	cutAt, ok := strings.CutSuffix(got, "…")
	if !ok || len(parts) != maxParts || !strings.HasPrefix(text, cutAt) {
		t.Errorf("the parts do not make up the text:\n got %q\nwant %q", got, text)
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func abs(n int) int {
	if n < 0 {
		if n == -n { // the smallest int
			return 0
		}
		return -n
	}
	return n
}

// oddRunAtEnd reports a text that ends with an odd run of backslashes: an
// escape whose escaped character went to the next part.
func oddRunAtEnd(s string) bool {
	run := len(s) - len(strings.TrimRight(s, `\`))
	return run%2 == 1
}

// FuzzEscape checks Escape on any text: what it writes is valid UTF-8
// without controls (but line feeds) or bidirectional controls, mentions
// none, and leaves no markdown character outside a link unescaped; text
// with nothing to escape is left as it is, so escaping it again changes
// nothing. plain is idempotent, and so is nameText, which leaves nothing
// invisible.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"", "plain words", `\*`, "@everyone @here", "<@123> <#4> <@&5>",
		"**b** _i_ ~~s~~ ||x|| `c` > q # h - l [x](https://e.example)",
		"see https://e.example/a_b*c*. and http://x.example/@me",
		"a\x00b\u202ec\td\u2066e\u200ff", "\xff\xfe", strings.Repeat(`\`, 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q: invalid UTF-8", s, e)
		}
		for _, r := range e {
			if r != '\n' && unicode.IsControl(r) || isBidi(r) {
				t.Fatalf("Escape(%q) = %q holds %U", s, e, r)
			}
		}
		if strings.Contains(e, "@everyone") || strings.Contains(e, "@here") {
			t.Fatalf("Escape(%q) = %q mentions", s, e)
		}
		// Outside autolinks every markdown character is escaped: it
		// follows an odd run of backslashes.
		run := 0
		inLink := false
		for i, r := range e {
			switch {
			case inLink:
				inLink = r != '>'
				run = 0
				continue
			case r == '<' && run%2 == 0 && urlEnd(e, i+1) > 0:
				inLink = true
				continue
			case r == '\\':
				run++
				continue
			case strings.ContainsRune(markdown, r) && run%2 == 0:
				t.Fatalf("Escape(%q) = %q leaves %q at %d unescaped", s, e, r, i)
			}
			run = 0
		}
		if !strings.ContainsAny(s, markdown+"@\t") && !strings.Contains(s, "://") && utf8.ValidString(s) &&
			!strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && unicode.IsControl(r) || isBidi(r) }) {
			if e != s || Escape(e) != e {
				t.Fatalf("Escape(%q) = %q changes a text with nothing to escape", s, e)
			}
		}
		if p := plain(s); plain(p) != p {
			t.Fatalf("plain is not idempotent on %q", s)
		}
		if n := nameText(s); nameText(n) != n || dirty(n) {
			t.Fatalf("nameText(%q) = %q", s, n)
		}
	})
}

// A request whose description is 3000 typed backslashes (6000 once
// escaped, past a card's 4096) gives a card and its whole text in the
// thread in a few messages; so does a question of 3000 backslashes. The
// old split made every part one backslash: thousands of messages, every
// other post of the helpdesk waiting behind them.
func TestBackslashesMakeFewMessages(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{
		"title": "Slashes", "description": strings.Repeat(`\`, bot.MaxText), "organisation": "City archive",
	})
	h.reply(token)
	var card string
	h.eventually("the card", func() bool {
		ms := f.MessagesIn(committeeCh)
		if len(ms) > 0 {
			card = ms[0].ID
		}
		return card != "" && f.Channel(card).ID != ""
	})
	// The thread's messages of backslashes, and how many there are.
	slashes := func() (string, int) {
		var b strings.Builder
		n := 0
		for _, m := range f.MessagesIn(card) {
			if strings.Contains(m.Content, `\`) {
				b.WriteString(m.Content)
				n++
			}
		}
		return b.String(), n
	}
	h.eventually("the whole description in the thread", func() bool {
		text, n := slashes()
		if n > maxParts {
			t.Fatalf("%d messages of backslashes in the thread, more than %d", n, maxParts)
		}
		return strings.Count(text, `\`) == 2*bot.MaxText
	})
	if _, n := slashes(); n > 4 {
		t.Errorf("the description took %d messages in the thread", n)
	}

	_, tok := f.Command(ana, card, "ask", "question", strings.Repeat(`\`, bot.MaxText))
	h.reply(tok)
	h.eventually("the question in the thread", func() bool {
		text, n := slashes()
		if n > 2*maxParts {
			t.Fatalf("%d messages of backslashes in the thread", n)
		}
		return strings.Count(text, `\`) == 4*bot.MaxText
	})
	if _, n := slashes(); n > 8 {
		t.Errorf("the description and the question took %d messages in the thread", n)
	}
}
