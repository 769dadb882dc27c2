package mattermost

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// MaxRunes is the longest message Mattermost stores in one post.
const MaxRunes = model.PostMessageMaxRunesV2

// zwj is put after every "@" in user text: Mattermost finds mentions
// (@channel, @all, @here, @group, @someone) as "@" followed by name
// characters, and a zero-width joiner is none, so nobody is notified while
// the text still reads "@channel".
const zwj = "\u200d"

// markdownSpecial are the characters that Mattermost's Markdown gives a
// meaning anywhere in a line: emphasis, code, links, images, tables, HTML,
// strike-through, channel links (~town-square) and escapes themselves;
// images need "[" too.
const markdownSpecial = "\\`*_[]<>|~"

// Escape makes words a person wrote safe in a Mattermost post: Markdown
// characters are backslash-escaped (so a title cannot bold, link, quote or
// turn the card into a table), block markers at the start of a line
// (headings, lists, quotes, rules) lose their meaning, every "@" is
// followed by a zero-width joiner so that @channel, @all, @here, group and
// personal mentions notify nobody, and control and bidirectional override
// characters are dropped. Line breaks are kept; a line's indentation is
// kept as no-break spaces (four spaces would start a code block), and a
// ":" that could open an emoji shortcode is followed by a zero-width
// joiner. Inside a web address
// (http:// or https:// up to the next space) "_", "*" and "~" are left
// alone: Mattermost links the address as written, backslashes included,
// and a browser reads a backslash as "/" (Wikimedia's addresses are full
// of underscores).
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart, inURL := true, false
	prev := ' '
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !inURL && (r == 'h' || r == 'H') && !unicode.IsLetter(prev) && !unicode.IsDigit(prev) && urlStart(s[i:]) {
			inURL = true
		} else if inURL && (unicode.IsSpace(r) || r == '<' || r == '>') {
			inURL = false
		}
		before := prev
		prev = r
		i += size
		switch {
		case inURL && (r == '_' || r == '*' || r == '~'):
			b.WriteRune(r)
		case lineStart && (r == ' ' || r == '\t'):
			// Indented four spaces, a line would become a code block:
			// no-break spaces indent as much and mean nothing.
			b.WriteString("\u00a0")
			continue
		case r == ':' && !inURL && !unicode.IsLetter(before) && !unicode.IsDigit(before):
			// ":white_check_mark:" would show an emoji (a vote, to the
			// eye); a shortcode starts after a space, so only there.
			b.WriteString(":" + zwj)
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteByte('\n')
			lineStart = true
			continue
		case r == '\t':
			b.WriteByte(' ')
			continue
		case r == '\r', unicode.IsControl(r), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			continue
		case r == '@':
			b.WriteString("@" + zwj)
		case strings.ContainsRune(markdownSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case lineStart && strings.ContainsRune("#>-+=", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case lineStart && r >= '0' && r <= '9':
			// "1." or "1)" at the start of a line would begin a list.
			b.WriteRune(r)
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				b.WriteByte(s[i])
				i++
			}
			if i < len(s) && (s[i] == '.' || s[i] == ')') {
				b.WriteByte('\\')
				b.WriteByte(s[i])
				i++
			}
		default:
			b.WriteRune(r)
		}
		if r != ' ' {
			lineStart = false
		}
	}
	return b.String()
}

// urlStart reports whether s begins with http:// or https://.
func urlStart(s string) bool {
	for _, p := range []string{"http://", "https://"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

// style is the markup of a message that may notify the people in ping:
// they are @mentioned by user name, anyone else is named without a
// mention.
func (a *Adapter) style(ping []bot.UserID) locales.Style {
	return locales.Style{
		Escape: Escape,
		Person: func(p bot.Person) string {
			u := a.cachedUser(userOf(p.ID))
			if slices.Contains(ping, p.ID) && u != nil {
				return "@" + u.Username
			}
			name := p.Name
			if name == "" && u != nil {
				name = u.Username
			}
			if name == "" {
				_, name, _ = strings.Cut(string(p.ID), ":")
			}
			return Escape(name)
		},
	}
}

// say renders one of the helpdesk's messages in lang, without mentions.
func (a *Adapter) say(lang, id string, kv ...any) string {
	return a.cat.Text(lang, bot.T(id, kv...), a.style(nil))
}

// render turns m into a post's Markdown: the title in bold, the lines as
// paragraphs, the fields as "**label:** value", and a link to the case's
// thread when asked for.
func (a *Adapter) render(m bot.Message) string {
	st := a.style(m.Ping)
	var parts []string
	if !m.Title.IsZero() {
		parts = append(parts, "**"+a.cat.Text(m.Lang, m.Title, st)+"**")
	}
	for _, l := range m.Lines {
		parts = append(parts, a.cat.Text(m.Lang, l, st))
	}
	var fields []string
	for _, f := range m.Fields {
		fields = append(fields, "**"+a.cat.Text(m.Lang, f.Label, st)+":** "+a.cat.Text(m.Lang, f.Value, st))
	}
	if len(fields) > 0 {
		parts = append(parts, strings.Join(fields, "\n"))
	}
	if m.LinkThread && m.Thread != "" {
		parts = append(parts, fmt.Sprintf("[%s](%s)", a.say(m.Lang, "link.thread"), a.permalink(m.Thread)))
	}
	return strings.Join(parts, "\n\n")
}

// permalink is the address of a post that opens it in its thread.
func (a *Adapter) permalink(postID string) string {
	return a.url + "/" + a.opt.Team + "/pl/" + postID
}

// split cuts text into pieces of at most max runes, at line breaks where it
// can, else at spaces, else anywhere. Each cut moves on by at least half a
// piece, so a text makes at most about twice as many pieces as it must,
// and never falls between a backslash and the character it escapes (a
// piece ending in a lone backslash would escape what follows it, and the
// next piece would start with live markup).
func split(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		hard := byteIndexOfRune(text, max)
		half := byteIndexOfRune(text, max/2)
		head := text[:hard]
		cut := hard
		if i := strings.LastIndexByte(head, '\n'); i >= half {
			cut = i + 1
		} else if i := strings.LastIndexByte(head, ' '); i >= half {
			cut = i + 1
		}
		part := strings.TrimRight(text[:cut], "\n ")
		if oddBackslashes(part) {
			cut = len(part) - 1 // the backslash goes on with what it escapes
			part = text[:cut]
		}
		if cut < half { // trimming went too far back: cut hard instead
			cut = hard
			if oddBackslashes(text[:cut]) {
				cut--
			}
			part = text[:cut]
		}
		out = append(out, part)
		text = text[cut:]
	}
	return append(out, text)
}

// oddBackslashes reports whether s ends in an odd run of backslashes: its
// last one escapes whatever comes next.
func oddBackslashes(s string) bool {
	return (len(s)-len(strings.TrimRight(s, "\\")))%2 == 1
}

// byteIndexOfRune is the byte offset of the n-th rune of s.
func byteIndexOfRune(s string, n int) int {
	i := 0
	for k := range s {
		if i == n {
			return k
		}
		i++
	}
	return len(s)
}

// truncateBytes shortens s to at most max bytes, on a rune boundary, with
// an ellipsis when it cut: dialog titles, labels and help texts are
// limited in bytes.
func truncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ell = "…"
	cut := max - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// emojiName is Mattermost's name for a Unicode emoji ("✅" →
// "white_check_mark"): the helpdesk's own names first, then Mattermost's
// table of system emoji, with and without the variation selector.
func emojiName(e string) string {
	if n := bot.EmojiName(e); n != "" {
		return n
	}
	for _, form := range []string{e, bot.NormEmoji(e)} {
		var hex []string
		for _, r := range form {
			hex = append(hex, fmt.Sprintf("%x", r))
		}
		code := strings.Join(hex, "-")
		for _, c := range []string{code, code + "-fe0f"} {
			if n, _ := model.GetEmojiNameFromUnicode(c); n != "" {
				return n
			}
		}
	}
	// Not a system emoji: a custom emoji's name, given as it is.
	return strings.Trim(e, ":")
}

// emojiFromName is the Unicode emoji of a Mattermost emoji name; a custom
// emoji keeps its name.
func emojiFromName(name string) string {
	if e := bot.EmojiFromName(name); e != name {
		return e
	}
	code, ok := model.GetSystemEmojiId(name)
	if !ok {
		return name
	}
	var b strings.Builder
	for h := range strings.SplitSeq(code, "-") {
		var r rune
		if _, err := fmt.Sscanf(h, "%x", &r); err != nil {
			return name
		}
		b.WriteRune(r)
	}
	return b.String()
}
