package discord

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Discord's limits, in characters.
const (
	maxContent     = 2000
	maxEmbedTitle  = 256
	maxEmbedDesc   = 4096
	maxEmbedTotal  = 6000
	maxFieldName   = 256
	maxFieldValue  = 1024
	maxFields      = 25
	maxThreadName  = 100
	maxModalTitle  = 45
	maxModalLabel  = 45
	maxPlaceholder = 100
	maxInputLength = 4000
	maxModalRows   = 5
	maxDescription = 100 // of a command or option
	maxChoiceName  = 100
)

// markdown are the characters Discord gives a meaning to in a message:
// emphasis, code, spoilers, quotes, headings, lists, masked links,
// mentions, channel links and emoji names.
const markdown = "\\*_~`|>#-[]()<:"

// Escape makes words a person wrote safe in a Discord message: every
// markdown character is backslash-escaped, so nothing can open a code
// block, a quote, a heading, a list or a masked link, and mentions
// (<@…>, <@&…>, <#…>) stay text; "@everyone" and "@here" get a zero-width
// space after the "@" so they read as text even where allowed mentions
// would let them through. Control characters (but line feeds) and the
// Unicode bidirectional controls are dropped; invalid UTF-8 becomes U+FFFD.
//
// Links stay links: an escaped link ("https\://…") is not one on Discord.
// A web address is written as an autolink, <https://…>, inside which
// Discord reads no markup (underscores and asterisks in it are the
// address's own), with any "@" in it as "%40" (no mention, no
// "user@host" disguise). A masked link a person typed, [text](https://…),
// shows as it was typed, its address a link of its own: the text cannot
// pass for another address.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); {
		if end := urlEnd(s, i); end > 0 {
			writeLink(&b, s[i:end])
			i = end
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidi(r):
		case r == '@':
			b.WriteString("@\u200b")
		case strings.ContainsRune(markdown, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBidi reports the Unicode bidirectional controls: embeddings,
// overrides, isolates and marks.
func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}

// writeLink writes a web address as Discord's autolink.
func writeLink(b *strings.Builder, u string) {
	b.WriteByte('<')
	b.WriteString(strings.ReplaceAll(u, "@", "%40"))
	b.WriteByte('>')
}

// urlEnd is the end of the web address that starts at s[i], 0 when none
// does: "http://" or "https://", then anything up to a space, a control,
// "<", ">", a bidirectional control or "](" (a masked link's middle), less
// what ends a sentence rather than the address: ".,:;!?'\"", a ")" or "]"
// that closes nothing opened in it, and markup (*_~|) that closes what
// opened just before the address ("**https://…**").
func urlEnd(s string, i int) int {
	var before byte
	if i > 0 {
		before = s[i-1]
	}
	rest := s[i:]
	var n int
	switch {
	case len(rest) > 8 && strings.EqualFold(rest[:8], "https://"):
		n = 8
	case len(rest) > 7 && strings.EqualFold(rest[:7], "http://"):
		n = 7
	default:
		return 0
	}
	end := n
	for end < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[end:])
		if r == utf8.RuneError && size == 1 || unicode.IsSpace(r) || unicode.IsControl(r) || isBidi(r) || r == '<' || r == '>' || r == 0x200b ||
			strings.HasPrefix(rest[end:], "](") {
			break
		}
		end += size
	}
	for end > n {
		c := rest[end-1]
		switch {
		case strings.IndexByte(".,:;!?'\"", c) >= 0:
		case strings.IndexByte("*_~|", c) >= 0 && c == before:
		case c == ')' && strings.Count(rest[:end], "(") < strings.Count(rest[:end], ")"):
		case c == ']' && strings.Count(rest[:end], "[") < strings.Count(rest[:end], "]"):
		default:
			return i + end
		}
		end--
	}
	return 0
}

// links makes the web addresses of a rendered text autolinks, those the
// helpdesk's own texts hold verbatim (a guide's address) as Escape does
// for a person's: in a right-to-left language the isolate that follows an
// address would otherwise be taken into it. Autolinks already made are
// left as they are.
func links(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		if end := urlEnd(s, i); end > 0 {
			if i > 0 && s[i-1] == '<' {
				b.WriteString(s[i:end]) // an autolink already
			} else {
				writeLink(&b, s[i:end])
			}
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// plain renders the adapter's own texts where Discord shows no markdown
// (modal titles, labels, command descriptions, thread names): only control
// characters go.
func plain(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// isZeroWidth reports the invisible characters that make two names look
// alike: zero-width space, non-joiner and joiner, word joiner, and the
// zero-width no-break space (byte order mark).
func isZeroWidth(r rune) bool {
	return r >= 0x200b && r <= 0x200d || r == 0x2060 || r == 0xfeff
}

// nameText makes a person's words fit for a thread or forum post name,
// which Discord shows without markdown but as it is otherwise: the
// bidirectional controls go (an override would turn the rest of the name,
// and the channel list beside it, around), as in message bodies, and so do
// zero-width characters (two names that look the same) and controls.
func nameText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r):
			return ' '
		case isBidi(r), isZeroWidth(r):
			return -1
		}
		return r
	}, s)
}

// threadName is the name of a thread or forum post: t rendered with the
// person's words made plain by nameText, on one line, spaces collapsed,
// within Discord's 100 characters ("helpdesk" when nothing is left). The
// isolates the catalog puts around a person's words in a right-to-left
// language (U+2068 … U+2069, balanced) are the catalog's and stay: they
// keep a left-to-right title from reordering the name around it.
func (a *Adapter) threadName(lang string, t bot.Text) string {
	name := a.cat.Text(lang, t, locales.Style{Escape: nameText})
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r):
			return ' '
		case isZeroWidth(r), isBidi(r) && (r < 0x2066 || r > 0x2069):
			return -1
		}
		return r
	}, name)
	name = cut(strings.Join(strings.Fields(name), " "), maxThreadName)
	visible := strings.Map(func(r rune) rune {
		if r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, name)
	if strings.TrimSpace(visible) == "" {
		return "helpdesk"
	}
	return name
}

// snowflake is the Discord id of a helpdesk user id ("discord:123" → "123").
func snowflake(u bot.UserID) (string, bool) {
	id, ok := strings.CutPrefix(string(u), Platform+":")
	if !ok || id == "" {
		return "", false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return id, true
}

// userID is the helpdesk id of a Discord user.
func userID(snowflake string) bot.UserID { return bot.UserID(Platform + ":" + snowflake) }

// style is the markup of a message that may notify the people in ping:
// they are mentioned, anyone else is named.
func (a *Adapter) style(ping []bot.UserID) locales.Style {
	return locales.Style{
		Escape: Escape,
		Person: func(p bot.Person) string {
			if slices.Contains(ping, p.ID) {
				if id, ok := snowflake(p.ID); ok {
					return "<@" + id + ">"
				}
			}
			name := p.Name
			if name == "" {
				name = strings.TrimPrefix(string(p.ID), Platform+":")
			}
			return Escape(name)
		},
		Command: typed,
	}
}

// say renders one of the helpdesk's texts without markup, for places that
// show none.
func (a *Adapter) say(lang string, t bot.Text) string {
	return plain(a.cat.Text(lang, t, locales.Style{Escape: plain, Command: typed}))
}

// allowed is the only mention policy the adapter ever sends: nobody is
// notified but the people the core named in m.Ping.
func allowed(ping []bot.UserID) *discordgo.MessageAllowedMentions {
	am := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	for _, u := range ping {
		if id, ok := snowflake(u); ok {
			am.Users = append(am.Users, id)
		}
	}
	return am
}

// rendered is a Message as Discord messages: the first carries the embed
// (a card) or the first part of the text; the rest continue the text.
type rendered struct {
	first  discordgo.MessageSend
	more   []string // further content messages of a long text
	whole  []string // the full text of a card that had to be shortened, in parts
	edited bool     // a card whose text was shortened
}

// isCard reports whether m is shown as an embed: it has a title or fields.
func isCard(m bot.Message) bool { return !m.Title.IsZero() || len(m.Fields) > 0 }

// render turns m into Discord messages within Discord's limits.
func (a *Adapter) render(m bot.Message) rendered {
	st := a.style(m.Ping)
	var out rendered
	out.first.AllowedMentions = allowed(m.Ping)
	if link := a.threadLink(m); link != nil {
		out.first.Components = []discordgo.MessageComponent{link}
	}
	lines := make([]string, len(m.Lines))
	for i, l := range m.Lines {
		lines[i] = links(a.cat.Text(m.Lang, l, st))
	}
	if !isCard(m) {
		parts := split(strings.Join(lines, "\n"), maxContent, a.say(m.Lang, bot.T("card.continued")))
		out.first.Content = parts[0]
		out.more = parts[1:]
		return out
	}
	e := &discordgo.MessageEmbed{Title: cut(a.cat.Text(m.Lang, m.Title, st), maxEmbedTitle)}
	// Field values cut to Discord's 1024 characters (a long list of links,
	// whose markup escaping lengthens) are given whole in the thread.
	var cutFields []string
	for i, f := range m.Fields {
		if i == maxFields {
			break
		}
		name := cut(a.cat.Text(m.Lang, f.Label, st), maxFieldName)
		value := links(a.cat.Text(m.Lang, f.Value, st))
		if utf8.RuneCountInString(value) > maxFieldValue {
			cutFields = append(cutFields, name+"\n"+value)
			value = cut(value, maxFieldValue)
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: value})
	}
	rest := len([]rune(e.Title))
	for _, f := range e.Fields {
		rest += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	budget := min(maxEmbedDesc, maxEmbedTotal-rest)
	desc := strings.Join(lines, "\n")
	if utf8.RuneCountInString(desc) > budget || len(cutFields) > 0 {
		more := a.say(m.Lang, bot.T("card.more_in_thread"))
		desc = shorten(lines, budget, more)
		out.edited = true
		// The whole text goes to the thread, in quotes of the case
		// (the lines that are a person's words), and the fields that
		// had to be cut.
		var quotes []string
		for i, l := range m.Lines {
			if l.ID == "" {
				quotes = append(quotes, lines[i])
			}
		}
		quotes = append(quotes, cutFields...)
		out.whole = split(strings.Join(quotes, "\n"), maxContent, a.say(m.Lang, bot.T("card.continued")))
	}
	e.Description = desc
	out.first.Embeds = []*discordgo.MessageEmbed{e}
	return out
}

// threadLink is the button that opens the case's thread, when m asks for
// one and the thread is known.
func (a *Adapter) threadLink(m bot.Message) discordgo.MessageComponent {
	if !m.LinkThread || m.Thread == "" {
		return nil
	}
	return discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{
		Label: cut(a.say(m.Lang, bot.T("link.thread")), 80),
		Style: discordgo.LinkButton,
		URL:   "https://discord.com/channels/" + a.cfg.GuildID + "/" + m.Thread,
	}}}
}

// shorten fits lines into budget characters by cutting the longest line
// and adding more (the note that the whole text is in the thread).
func shorten(lines []string, budget int, more string) string {
	lines = slices.Clone(lines)
	total := func() int {
		n := utf8.RuneCountInString(more) + 1
		for _, l := range lines {
			n += utf8.RuneCountInString(l) + 1
		}
		return n
	}
	for total() > budget {
		longest := 0
		for i, l := range lines {
			if utf8.RuneCountInString(l) > utf8.RuneCountInString(lines[longest]) {
				longest = i
			}
		}
		n := utf8.RuneCountInString(lines[longest])
		over := total() - budget
		if n <= 1 { // nothing left to cut: cutting "…" again changes nothing
			break
		}
		lines[longest] = cut(lines[longest], max(n-over, 1))
	}
	return strings.Join(append(lines, more), "\n")
}

// cut shortens s to at most n characters, ending it with "…" when it had to
// cut; it never leaves an escaping backslash dangling (see keepPairs).
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:keepPairs(r, n-1)]) + "…"
}

// keepPairs moves a cut of r before at back by one when it would fall
// between an escaping backslash and what it escapes: Escape writes every
// backslash a person typed as a pair ("\\"), so a run of backslashes
// before the cut is whole pairs when it is even, and ends with an escape
// that belongs to r[at] when it is odd. A long run of typed backslashes
// thus costs a cut one character, never the run.
func keepPairs(r []rune, at int) int {
	run := 0
	for i := at - 1; i >= 0 && r[i] == '\\'; i-- {
		run++
	}
	if run%2 == 1 {
		return at - 1
	}
	return at
}

// maxParts bounds the messages one text becomes: a text message is at
// most maxParts messages, and a card at most one embed and maxParts
// messages of its whole text in its thread. Each part but the last takes
// more than half of a message less its continuation note (see split), so
// maxParts messages hold more than 7,000 characters of any text: the
// longest text the core takes (bot.MaxText, 3000 characters) escaped
// whole (every character doubled) and the helpdesk's own lines around it.
// What does not fit ends with "…" (cut). One person's text must not become
// thousands of messages: the outbox delivers one item at a time per
// platform, and everything else would wait behind them.
const maxParts = 8

// split cuts text into at most maxParts parts of at most n characters,
// at a line break or a space where it can; parts after the first begin
// with cont and a line break. Every part but the last takes more than half
// of what a part may hold (a line break or a space is looked for in the
// second half only), and a cut never falls between an escaping backslash
// and what it escapes (keepPairs). The break a cut is made at ends its
// part (Discord does not show it): the parts, less their cont lines, make
// up text exactly, but for a text too long for maxParts parts, whose last
// part is cut and ends with "…".
func split(text string, n int, cont string) []string {
	var parts []string
	r := []rune(text)
	for {
		prefix := ""
		if len(parts) > 0 {
			prefix = cont + "\n"
		}
		limit := n - utf8.RuneCountInString(prefix)
		if limit < 2 { // no room for the note: the part goes without it
			prefix, limit = "", max(n, 2)
		}
		if len(r) <= limit {
			return append(parts, prefix+string(r))
		}
		if len(parts) == maxParts-1 {
			return append(parts, prefix+cut(string(r), limit))
		}
		at := limit
		for i := limit - 1; i > limit/2; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				at = i + 1
				break
			}
		}
		at = keepPairs(r, at)
		parts = append(parts, prefix+string(r[:at]))
		r = r[at:]
	}
}
