package shell_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/wmse/helpdesk/bot"
)

// visual lays lines out as a terminal that implements the Unicode
// Bidirectional Algorithm shows them, with GNU FriBidi: each line its own
// paragraph, its direction from its first strong character. Where FriBidi
// is missing the test says so and skips (Debian: libfribidi-bin).
func visual(t *testing.T, lines ...string) []string {
	t.Helper()
	path, err := exec.LookPath("fribidi")
	if err != nil {
		t.Skip("fribidi is not installed (Debian: apt-get install libfribidi-bin)")
	}
	cmd := exec.Command(path, "--nopad", "--nobreak", "--clean")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fribidi: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

func isArabic(r rune) bool { return unicode.Is(unicode.Arabic, r) }

// The header of a message to an Arabic reader starts with its id, so the
// line is left to right; the place after it is right to left, and a Latin
// name at its end shows on the left of the Arabic words, where an Arabic
// reader finishes (#24 §4.1: "[m6] رسالة خاصة إلى omar" showed omar on
// the right, reading "omar: private message to").
func TestArabicHeadersPutTheNameWhereTheSentenceEnds(t *testing.T) {
	h := newHarness(t, "")
	out := h.play(`/as rita ar
/helpdesk request media-upload
Scans of Tangier maps
خرائط طنجة القديمة، 300 صورة.



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
	id := regexp.MustCompile(`^\[m\d+\] `)
	for i, v := range visual(t, heads...) {
		name := strings.Index(v, "rita")
		words := strings.IndexFunc(v, isArabic)
		if !id.MatchString(v) || name < 0 || name > words {
			t.Errorf("header %q shows as %q: want its id first, then rita left of the Arabic words", heads[i], v)
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
