package shell_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
	"github.com/wmse/helpdesk/locales/fribidi"
)

// visual lays lines out as a terminal that implements the Unicode
// Bidirectional Algorithm shows them.
func visual(t *testing.T, lines ...string) []string { return fribidi.Visual(t, lines...) }

func isArabic(r rune) bool { return unicode.Is(unicode.Arabic, r) }

// The header of a message to an Arabic reader starts with its id, so the
// line is left to right; the place after it is right to left, and a Latin
// name at its end shows on the left of the Arabic words, where an Arabic
// reader finishes (#24 §4.1: "[m6] رسالة خاصة إلى omar" showed omar on
// the right, reading "omar: private message to").
func TestArabicHeadersPutTheNameWhereTheSentenceEnds(t *testing.T) {
	h := newHarnessWith(t, "", bot.Config{CommitteeLang: "ar", DefaultLang: "ar"})
	out := h.play(`/as rita ar
/helpdesk request media-upload
Scans of Tangier maps
خرائط طنجة القديمة، 300 صورة.



/as ana
/react #1 ✅
/as bo
/react #1 ✅
/as chen
/react #1 ✅
/helpdesk route #1 planning
`)
	var heads []string
	for _, b := range blocks(out) {
		if strings.HasPrefix(b.head, "[m") && strings.ContainsFunc(b.head, isArabic) {
			heads = append(heads, b.head)
		}
	}
	if len(heads) == 0 {
		t.Fatalf("no Arabic header in:\n%s", out)
	}
	// A Latin word that ends the Arabic place (a name, a thread) shows on
	// the left of the Arabic words.
	id := regexp.MustCompile(`^\[m\d+\] `)
	latinAtEnd := regexp.MustCompile(`\p{Arabic}[^A-Za-z]* ([A-Za-z][A-Za-z0-9]*)[^\p{Arabic}]*$`)
	named := 0
	for i, v := range visual(t, heads...) {
		if !id.MatchString(v) {
			t.Errorf("header %q shows as %q: want its id first", heads[i], v)
		}
		m := latinAtEnd.FindStringSubmatch(locales.StripIsolates(heads[i]))
		if m == nil {
			continue
		}
		named++
		if word, arabic := strings.Index(v, m[1]), strings.IndexFunc(v, isArabic); word < 0 || word > arabic {
			t.Errorf("header %q shows as %q: want %s left of the Arabic words, where they end", heads[i], v, m[1])
		}
	}
	if named == 0 {
		t.Errorf("no Arabic header ends with a Latin name in:\n%s", out)
	}
	// A channel's name keeps its # in front, in a header of its own and
	// with an Arabic word after it.
	var channels []string
	for _, b := range blocks(out) {
		if strings.Contains(b.head, "planning") {
			channels = append(channels, b.head)
		}
	}
	if len(channels) == 0 {
		t.Fatalf("no header of the group's channel in:\n%s", out)
	}
	for i, v := range visual(t, channels...) {
		if !strings.Contains(v, "#planning") {
			t.Errorf("header %q shows as %q: want #planning", channels[i], v)
		}
	}
}

// The dashboard's link in an Arabic reply is on a line of its own, bare:
// copied from the terminal, it carries no invisible U+2069 into the
// address bar, and the line reads left to right (#24).
func TestAnArabicSignInLinkIsCopiedClean(t *testing.T) {
	h := newHarnessWith(t, "", bot.Config{DashboardURL: "https://desk.example"})
	out := h.play("/as rita ar\n/helpdesk dashboard\n")
	link := regexp.MustCompile(`(?m)^` + indent + `(https://desk\.example/signin\?t=[A-Za-z0-9_-]+)$`).FindStringSubmatch(out)
	if link == nil {
		t.Fatalf("no line of its own with the bare link in:\n%q", out)
	}
	if strings.Contains(out, "\u2066"+link[1]) || strings.Contains(out, link[1]+"\u2069") {
		t.Errorf("the link has an isolate beside it:\n%q", out)
	}
	// The Arabic words before it end the line they are on, with no mark.
	for _, l := range strings.Split(out, "\n") {
		if strings.ContainsFunc(l, isArabic) && strings.Contains(l, "https://") {
			t.Errorf("the link is still inside an Arabic line: %q", l)
		}
	}
	if v := visual(t, strings.TrimPrefix(link[0], indent)); v[0] != link[1] {
		t.Errorf("the link shows as %q", v[0])
	}
}
