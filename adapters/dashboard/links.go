package dashboard

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// piece is a part of a text a person wrote: words, or a web address that
// a page links to (URL, the address as written, is then also its Text).
type piece struct {
	Text string
	URL  string
}

// linked splits s, a text a person wrote (already clean), into its words
// and the http and https addresses in it, for a page to link those. An
// address starts at "http://" or "https://" (in any case) that does not
// follow a letter or digit, and ends before a space, a control, a format
// character (the direction marks) or one of < > " `; punctuation that
// ends a sentence or closes a quotation stays out of it ("see
// https://a.org/x)." links https://a.org/x), and so does a closing
// bracket it did not open (https://en.wikipedia.org/wiki/Ada_(language)
// keeps its own). What is not an address a page may link to — another
// scheme, no host, a user name before the host — stays text.
func linked(s string) []piece {
	var out []piece
	text := 0 // the start of the words not yet in out
	for i := 0; i < len(s); {
		n := schemeAt(s, i)
		if n == 0 || i > 0 && followsWord(s[:i]) {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		end := i + n
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if endsAddress(r) {
				break
			}
			end += size
		}
		end = i + len(trimTrail(s[i:end]))
		if u := s[i:end]; linkable(u) {
			if text < i {
				out = append(out, piece{Text: s[text:i]})
			}
			out = append(out, piece{Text: u, URL: u})
			text = end
		}
		i = max(end, i+n)
	}
	if text < len(s) {
		out = append(out, piece{Text: s[text:]})
	}
	return out
}

// schemeAt is the length of "http://" or "https://" at s[i:], in any
// case; 0 when neither starts there.
func schemeAt(s string, i int) int {
	for _, p := range []string{"http://", "https://"} {
		if len(s)-i >= len(p) && strings.EqualFold(s[i:i+len(p)], p) {
			return len(p)
		}
	}
	return 0
}

// followsWord reports whether the text before an address ends in a letter
// or digit ("xhttp://…" is no address).
func followsWord(before string) bool {
	r, _ := utf8.DecodeLastRuneInString(before)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// endsAddress reports whether r cannot be part of an address as people
// write one in a text.
func endsAddress(r rune) bool {
	switch r {
	case '<', '>', '"', '`', utf8.RuneError:
		return true
	}
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// trimTrail drops from the end of an address the punctuation that a
// sentence puts after it: stops, commas, question marks of every script
// (. , ; : ! ? … ، ؛ ؟ । 。), quotation marks, dashes other than "-", and
// closing brackets that the address did not open.
func trimTrail(u string) string {
	for u != "" {
		r, size := utf8.DecodeLastRuneInString(u)
		switch {
		case r == ')' || r == ']' || r == '}':
			open := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if strings.Count(u, string(open)) >= strings.Count(u, string(r)) {
				return u
			}
		case r == '/' || r == '#' || r == '&' || r == '%' || r == '@' || r == '*' || r == '-':
			return u
		case unicode.In(r, unicode.Po, unicode.Pe, unicode.Pf, unicode.Pi, unicode.Pd):
		default:
			return u
		}
		u = u[:len(u)-size]
	}
	return u
}

// linkable reports whether u is an address a page may link to as written:
// http or https, a host, and no user name or password before it (in
// "https://commons.wikimedia.org@evil.example/" the host is the second).
func linkable(u string) bool {
	if !safeLink(u) {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.User == nil && p.Hostname() != ""
}

// Links is a text a person wrote split for a template, which links its
// addresses (see linked).
func (p *page) Links(s string) []piece { return linked(s) }
