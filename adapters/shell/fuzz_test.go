package shell_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/wmse/helpdesk/adapters/shell"
)

// A duration either parses or is refused; it never panics, and a span
// written without a minus never comes out negative (no wrap-around).
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7d", "48h", "1h30m", "0", "-1h", "99999999999999999999d", "1.5d", "d", "", " 2h ", "1e9h", "36500d2000000h", "999999999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := shell.ParseDuration(s)
		if err == nil && d < 0 && !strings.HasPrefix(strings.TrimSpace(s), "-") {
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
	})
}

// Escaped text prints nothing a terminal acts on: no control character but
// the line feed, no bidirectional control; and escaping it again changes
// nothing.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "\x1b]0;title\x07", "\u009b31m", "a\u202eb", "tab\there", "\r\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := shell.Escape(s)
		for _, r := range out {
			if (unicode.IsControl(r) && r != '\n') || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("Escape(%q) = %q keeps %U", s, out, r)
			}
		}
		if again := shell.Escape(out); again != out {
			t.Fatalf("Escape is not idempotent on %q: %q then %q", s, out, again)
		}
	})
}

// Any line typed into the shell is answered without a panic, and nothing
// the shell prints in answer carries a terminal escape.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"/help", "/as bo", "/as " + strings.Repeat("x", 40), "/react #1 ✅", "/react m1\x1b[2J ✅", "/wait 49h", "/wait -1h",
		"/helpdesk request media-upload", "/helpdesk status #1", "/unreact", "/quit", "hello", "/as rita zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r") {
			return // one line at a time
		}
		h := newHarness(t, "")
		out := h.play(line + "\n")
		if strings.ContainsAny(out, "\x1b\u009b\u009d\x07") {
			t.Fatalf("the shell printed an escape for %q: %q", line, out)
		}
	})
}
