package shell

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes words a person wrote safe to print on a terminal: it removes
// ANSI escape sequences (CSI, OSC, DCS and the like, in their 7-bit and
// 8-bit forms), every other control character but the line feed (a tab
// becomes a space), and the Unicode bidirectional embeddings, overrides and
// isolates, so that a requester can neither repaint the screen nor reorder
// the line around their words. Invalid UTF-8 becomes U+FFFD.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b: // ESC
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // CSI, 8-bit
			i += size + csiLen(s[i+size:])
			continue
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // DCS, OSC, SOS, PM, APC
			i += size + stringLen(s[i+size:])
			continue
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), bidiControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// bidiControl reports the characters that change the direction of the
// text after them: LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
func bidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with ESC; an unfinished sequence runs to the end of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + stringLen(s[2:])
	}
	// ESC, intermediate bytes (0x20–0x2f), one final byte (0x30–0x7e).
	n := 1
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte at the start of s.
func csiLen(s string) int {
	for n := 0; n < len(s); n++ {
		c := s[n]
		if c >= 0x40 && c <= 0x7e {
			return n + 1
		}
		if c < 0x20 || c > 0x3f {
			return n // not part of a control sequence: stop before it
		}
	}
	return len(s)
}

// stringLen is the length of a control string (OSC, DCS…) at the start of
// s, up to and including its terminator: BEL, ESC \ or the 8-bit ST.
func stringLen(s string) int {
	for n := 0; n < len(s); n++ {
		switch {
		case s[n] == 0x07:
			return n + 1
		case s[n] == 0x1b && n+1 < len(s) && s[n+1] == '\\':
			return n + 2
		case strings.HasPrefix(s[n:], "\u009c"):
			return n + len("\u009c")
		}
	}
	return len(s)
}
