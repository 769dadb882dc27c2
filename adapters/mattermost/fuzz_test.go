package mattermost

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Whatever a person writes, the escaped text notifies nobody, starts no
// code block, and keeps no bidirectional override.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"@channel", "@here @all", "    code", "\tx", ":white_check_mark:", "# title", "1. one", "> q",
		"https://commons.wikimedia.org/wiki/File:A_b.jpg", "[a](javascript:x)", "a\u202eb", "\\\\\\*", "~town-square", "<b>x</b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) is not UTF-8", s)
		}
		for _, m := range []string{"@channel", "@all", "@here"} {
			if strings.Contains(strings.ToLower(out), m) {
				t.Fatalf("Escape(%q) = %q still mentions %s", s, out, m)
			}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") {
				t.Fatalf("Escape(%q) has an indented line %q: a code block", s, line)
			}
		}
		if strings.ContainsAny(out, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
			t.Fatalf("Escape(%q) keeps a bidi control", s)
		}
	})
}

// A split makes progress (at least half a part each time), keeps every part
// within the limit, loses nothing but the spaces and line breaks it cuts
// at, and never ends a part inside a backslash escape.
func FuzzSplit(f *testing.F) {
	f.Add(strings.Repeat("\\", 300), 40)
	f.Add(strings.Repeat("word ", 100), 33)
	f.Add("line\nline\nline\n", 5)
	f.Add(Escape(strings.Repeat("*_`", 50)), 17)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 2 || max > 1000 || !utf8.ValidString(s) {
			return
		}
		parts := split(s, max)
		n := utf8.RuneCountInString(s)
		if limit := 2*n/max + 2; len(parts) > limit {
			t.Fatalf("%d runes in parts of %d made %d parts, more than %d", n, max, len(parts), limit)
		}
		var joined strings.Builder
		for i, p := range parts {
			if utf8.RuneCountInString(p) > max {
				t.Fatalf("part %d has %d runes, over %d", i, utf8.RuneCountInString(p), max)
			}
			if i < len(parts)-1 && (len(p)-len(strings.TrimRight(p, "\\")))%2 == 1 {
				t.Fatalf("part %d ends inside an escape: %q", i, p)
			}
			joined.WriteString(p)
		}
		squeeze := func(x string) string {
			return strings.Map(func(r rune) rune { return map[bool]rune{true: -1, false: r}[r == ' ' || r == '\n'] }, x)
		}
		if squeeze(joined.String()) != squeeze(s) {
			t.Fatalf("split lost text: %q → %q", s, parts)
		}
	})
}

// Only a state the adapter signed verifies: anything else is refused
// without a panic.
func FuzzVerifyState(f *testing.F) {
	a := &Adapter{secret: []byte("0123456789abcdef0123456789abcdef")}
	good := a.sign(state{User: "u", Kind: "request", Expires: 1 << 40, Nonce: "n"})
	f.Add(good)
	f.Add("")
	f.Add(".")
	f.Add("eyJ1IjoiIn0.AAAA")
	f.Add(good + "x")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := a.verify(s); err == nil && s != good {
			t.Fatalf("a state the adapter did not sign verified: %q", s)
		}
	})
}
