package mail

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText turns the HTML of a mail into plain text, never rendering it:
// tags are dropped, block elements end lines (paragraphs and headings
// leave a blank one), list items begin with "- ", table cells are
// separated by spaces, entities are decoded, white space is collapsed
// outside <pre>, and what is in a <blockquote> is quoted with "> " so that
// the quoted history of HTML replies is trimmed like plain text's. The
// text of scripts, styles and the title is dropped (nothing else: text
// hidden by a style is kept, as a missing end tag would hide the rest);
// a link's address follows its text when it is another. Its time is
// linear in the HTML.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var t htmlWriter
	t.nl = 2
	skip := atom.Atom(0) // in a script, style or title: up to its end tag
	var href string
	var linkStart int
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		a := tok.DataAtom
		if skip != 0 {
			if tt == html.EndTagToken && a == skip {
				skip = 0
			}
			continue
		}
		switch tt {
		case html.TextToken:
			t.text(tok.Data)
		case html.StartTagToken, html.SelfClosingTagToken:
			switch a {
			case atom.Script, atom.Style, atom.Title, atom.Template:
				if tt == html.StartTagToken {
					skip = a
				}
				continue
			}
			switch {
			case a == atom.Br:
				t.br()
			case a == atom.Li:
				t.line()
				t.text("- ")
			case a == atom.Td || a == atom.Th:
				t.space = true
			case a == atom.Blockquote:
				t.line()
				t.quote++
			case a == atom.Pre:
				t.line()
				t.pre++
			case a == atom.A:
				href, linkStart = attr(tok, "href"), t.b.Len()
			case paragraph(a):
				t.paragraph()
			case block(a):
				t.line()
			}
		case html.EndTagToken:
			switch {
			case a == atom.Blockquote:
				t.line()
				if t.quote > 0 {
					t.quote--
				}
			case a == atom.Pre:
				t.line()
				if t.pre > 0 {
					t.pre--
				}
			case a == atom.A:
				if (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) && !strings.Contains(t.b.String()[linkStart:], href) {
					t.text(" <" + href + ">")
				}
				href = ""
			case paragraph(a):
				t.paragraph()
			case block(a):
				t.line()
			}
		}
	}
	return t.b.String()
}

// htmlWriter writes the text of HTML as lines.
type htmlWriter struct {
	b     strings.Builder
	nl    int  // newlines ending what is written (0: in a line)
	space bool // a space is due before the next word
	quote int  // depth in blockquotes
	pre   int  // depth in pre
}

// text writes text, its white space collapsed outside pre.
func (t *htmlWriter) text(s string) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if t.pre > 0 {
		for i, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			if i > 0 {
				t.b.WriteByte('\n')
				t.nl = 1
			}
			if l != "" {
				t.start()
				t.b.WriteString(l)
				t.nl = 0
			}
		}
		return
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			if t.nl == 0 {
				t.space = true
			}
			continue
		}
		if t.nl > 0 {
			t.start()
		} else if t.space {
			t.b.WriteByte(' ')
		}
		t.space = false
		t.nl = 0
		t.b.WriteRune(r)
	}
}

// start begins a line: its quote marks.
func (t *htmlWriter) start() {
	if t.nl > 0 {
		t.b.WriteString(strings.Repeat("> ", t.quote))
		t.nl, t.space = 0, false
	}
}

// line ends the line, if one was begun.
func (t *htmlWriter) line() {
	if t.nl == 0 {
		t.b.WriteByte('\n')
		t.nl = 1
	}
	t.space = false
}

// br ends the line; at the start of one, it leaves an empty line (at most
// one).
func (t *htmlWriter) br() {
	if t.nl < 2 {
		t.b.WriteByte('\n')
		t.nl++
	}
	t.space = false
}

// paragraph ends the line and leaves an empty one.
func (t *htmlWriter) paragraph() {
	for t.nl < 2 {
		t.b.WriteByte('\n')
		t.nl++
	}
	t.space = false
}

func paragraph(a atom.Atom) bool {
	switch a {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Hr:
		return true
	}
	return false
}

func block(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.Tr, atom.Dt, atom.Dd, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Address, atom.Form, atom.Fieldset, atom.Center, atom.Figure, atom.Figcaption, atom.Main,
		atom.Nav, atom.Aside, atom.Caption, atom.Body, atom.Html, atom.Tbody, atom.Thead, atom.Tfoot:
		return true
	}
	return false
}

func attr(tok html.Token, name string) string {
	for _, a := range tok.Attr {
		if a.Key == name {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}
