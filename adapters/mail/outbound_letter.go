package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/emersion/go-message/mail"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// A letter is one text/plain part, UTF-8, format=flowed (RFC 3676): lines
// of at most lineWidth characters broken between words, which mail
// programs that know the format join again to fit their window (Apple
// Mail, Thunderbird, K-9), and others show as written — the classic width
// of a plain-text letter. Words a person wrote are quoted ("> ") as a mail
// quotes.
//
// There is no HTML alternative. The letters are short prose with nothing a
// plain text cannot say (no tables, no links to click but addresses that
// every mail program links itself); a second rendering of every message
// would be a second place to escape a requester's words and to keep in
// step with the first, and what the requester's reply quotes back — which
// the intake reads from text/plain — would differ from what they saw.
// Right-to-left letters need no dir attribute: each paragraph takes its
// direction from its first strong character (the Unicode bidirectional
// algorithm, which mail programs apply to plain text), and the catalog
// isolates the words of other directions.

// lineWidth is the most characters of text on a line, before the quote
// marks and the space that ends a line broken to be joined again: at most
// 75 in all, within RFC 5322's 78.
const lineWidth = 72

// maxReferences is how many earlier letters References names: the first
// (the thread's root) and the most recent, as RFC 5537 trims them, so that
// a long case does not make a header of kilobytes.
const maxReferences = 20

// compose writes the letter m to rcpt: its header and its body, ready for
// DATA.
func (o *Outlet) compose(rcpt, id string, now time.Time, m bot.Message) ([]byte, error) {
	lang := o.language(m.Lang)
	st := plainStyle()
	body := o.body(m, st)

	var h gomail.Header
	// go-message writes the fields in the opposite order to the one they
	// are added in: the last added comes first.
	enc := "quoted-printable"
	if mostlyNonASCII(body) {
		enc = "base64" // Arabic or Bengali: a third of the size of quoted-printable
	}
	h.Set("Content-Transfer-Encoding", enc)
	h.Set("Content-Type", "text/plain; charset=utf-8; format=flowed")
	h.Set("Content-Language", lang)
	h.Set("X-Auto-Response-Suppress", "All")
	h.Set("Auto-Submitted", "auto-replied")
	refs := references(m.References, id)
	if len(refs) > 0 {
		h.SetMsgIDList("References", refs)
		h.SetMsgIDList("In-Reply-To", refs[len(refs)-1:])
	}
	h.SetMessageID(id)
	h.SetDate(now)
	h.Set("Subject", encodeWord(o.subject(m, st)))
	h.SetAddressList("To", []*gomail.Address{{Address: rcpt}})
	h.SetAddressList("From", []*gomail.Address{{Name: o.cfg.FromName, Address: o.from}})

	var b bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&b, h)
	if err != nil {
		return nil, fmt.Errorf("write the letter: %w", err)
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("write the letter: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write the letter: %w", err)
	}
	return b.Bytes(), nil
}

// language is the tag of the language the catalog writes lang in.
func (o *Outlet) language(lang string) string {
	if tag, ok := o.cat.Match(lang); ok {
		return tag
	}
	return "en" // the catalog's fallback
}

// references are the ids of the earlier letters for References, oldest
// first: each once, never the letter's own, the first and the latest
// maxReferences-1.
func references(refs []string, own string) []string {
	var out []string
	for _, r := range refs {
		r = strings.Trim(strings.TrimSpace(r), "<>")
		if r == "" || r == own || slices.Contains(out, r) || strings.ContainsAny(r, " <>\r\n\t") {
			continue
		}
		out = append(out, r)
	}
	if len(out) > maxReferences {
		out = append(out[:1], out[len(out)-(maxReferences-1):]...)
	}
	return out
}

// plainStyle is the markup of a letter: none. Words a person wrote lose
// the control characters that could reorder or hide text (direction
// overrides and isolates, carriage returns); a person is their name.
func plainStyle() locales.Style {
	return locales.Style{
		Escape: plain,
		Person: func(p bot.Person) string {
			if p.Name != "" {
				return plain(p.Name)
			}
			return plain(p.ID.Local())
		},
	}
}

// plain cleans words a person wrote for a letter: no control characters
// but line breaks, tabs as spaces, no direction controls.
func plain(s string) string {
	s = locales.NeutraliseBidi(strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// subject is the letter's subject: m.Subject ("[#42] Glass plates"), else
// its title or first line, on one line. The catalog's direction isolates
// are taken out: a reply's subject must still read "[#42]" to the intake,
// and a subject line is laid out on its own anyway.
func (o *Outlet) subject(m bot.Message, st locales.Style) string {
	t := m.Subject
	if t.IsZero() {
		t = m.Title
	}
	if t.IsZero() && len(m.Lines) > 0 {
		t = m.Lines[0]
	}
	s := locales.StripIsolates(o.cat.Text(m.Lang, t, st))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 150 {
		s = strings.TrimSpace(string(r[:149])) + "…"
	}
	return s
}

// encodeWord writes a header text as RFC 2047 encoded words when it is
// not plain ASCII: base64 ("B") when most of it is another script, where
// quoted-printable would triple it. Each word holds whole characters and
// is short enough that the field folds between words within 76
// characters a line (RFC 2047, 2), which mime's own words, up to 75
// characters each, are not once "Subject: " stands before the first.
func encodeWord(s string) string {
	enc := mime.QEncoding
	if mostlyNonASCII(s) {
		enc = mime.BEncoding
	}
	if whole := enc.Encode("utf-8", s); whole == s {
		return s // plain ASCII: folded at its spaces
	}
	const most = 64
	var words []string
	chunk := ""
	for _, r := range s {
		if chunk != "" && len(enc.Encode("utf-8", chunk+string(r))) > most {
			words = append(words, enc.Encode("utf-8", chunk))
			chunk = ""
		}
		chunk += string(r)
	}
	if chunk != "" {
		words = append(words, enc.Encode("utf-8", chunk))
	}
	return strings.Join(words, " ")
}

// mostlyNonASCII reports whether more than a third of s's bytes are not
// ASCII.
func mostlyNonASCII(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	return n*3 > len(s)
}

// body renders m as the text of a letter: its title, each line a
// paragraph (a quote of a person's words as quoted lines), each field
// its label on a line and its value below; lines wrapped for
// format=flowed. A link to the case's thread is left out: the thread is
// the committee's, on the chat platform.
func (o *Outlet) body(m bot.Message, st locales.Style) string {
	var paras []string
	add := func(text, quote string) {
		if strings.TrimSpace(text) == "" {
			return
		}
		paras = append(paras, flow(text, quote))
	}
	if !m.Title.IsZero() {
		add(o.cat.Text(m.Lang, m.Title, st), "")
	}
	for _, l := range m.Lines {
		if l.ID == "" {
			add(o.cat.Text(m.Lang, l, st), "> ")
			continue
		}
		add(o.cat.Text(m.Lang, l, st), "")
	}
	for _, f := range m.Fields {
		// The label on a line of its own, the value below it: no
		// punctuation between them that a language would write otherwise.
		label := o.cat.Text(m.Lang, f.Label, st)
		value := o.cat.Text(m.Lang, f.Value, st)
		paras = append(paras, flow(label, "")+"\n"+flow(value, ""))
	}
	return strings.Join(paras, "\n\n") + "\n"
}

// flow writes text as format=flowed lines, each begun with prefix: every
// line of the text ends hard (no space before its break), and a line
// longer than lineWidth is broken after a space, which stays at the end
// of the line to say it goes on. A word longer than a line stays whole.
// Lines that would read as a quote, a stuffed line or an mbox "From " are
// space-stuffed (RFC 3676, 4.4). A quote's blank lines keep the quote
// mark.
func flow(text, prefix string) string {
	var out []string
	emit := func(line string, soft bool) {
		if soft && line == "--" {
			soft = false // "-- " is the signature's separator
		}
		if prefix == "" && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, ">") || strings.HasPrefix(line, "From ")) {
			line = " " + line
		}
		if soft {
			line += " "
		}
		p := prefix
		if line == "" {
			p = strings.TrimRight(prefix, " ")
		}
		out = append(out, p+line)
	}
	for _, hard := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		hard = strings.TrimRight(hard, " ")
		if hard == "" {
			emit("", false)
			continue
		}
		cur, n := "", 0
		for i, word := range strings.Split(hard, " ") {
			w := utf8.RuneCountInString(word)
			switch {
			case i == 0:
				cur, n = word, w
			case n+1+w <= lineWidth:
				cur += " " + word
				n += 1 + w
			default:
				emit(cur, true)
				cur, n = word, w
			}
		}
		emit(cur, false)
	}
	return strings.Join(out, "\n")
}

// randomToken is 16 random hex digits.
func randomToken() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
