package shell

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

var (
	_ bot.Chat     = (*Shell)(nil)
	_ bot.Archiver = (*Shell)(nil)
)

// indent is how far the lines of a message stand in from its header.
const indent = "    "

// post is what the shell remembers of a message it printed: where it went,
// so that an edit can say so again.
type post struct {
	place bot.Place
	lang  string
}

// Post prints m at its place with an id derived from m.Key ("helpdesk-
// INSTALL-12" → "m12"), so that ids stay unique across restarts of the shell on one
// database. A key printed before returns its id without printing again.
// A direct message to someone who is not a shell user fails with
// bot.ErrUnreachable; a place the shell cannot show, with bot.ErrGone.
func (s *Shell) Post(_ context.Context, to bot.Place, m bot.Message) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ref, ok := s.keys[m.Key]; ok && m.Key != "" {
		return ref, nil
	}
	switch {
	case to.Kind == bot.InDirect && to.User.Platform() != Platform:
		return "", fmt.Errorf("direct message to %s: %w", to.User, bot.ErrUnreachable)
	case to.Kind == bot.InThread && to.Thread == "",
		to.Kind == bot.InGroup && to.Group == "",
		to.Kind != bot.InCommittee && to.Kind != bot.InGroup && to.Kind != bot.InThread && to.Kind != bot.InDirect:
		return "", fmt.Errorf("post to %+v: %w", to, bot.ErrGone)
	}
	ref := s.postIDLocked(m.Key)
	if m.Key != "" {
		s.keys[m.Key] = ref
	}
	s.posts[ref] = post{place: to, lang: m.Lang}
	s.printMessageLocked(ref, to, m, false)
	return ref, nil
}

// postIDLocked derives a post's id from its key.
func (s *Shell) postIDLocked(key string) string {
	if i := strings.LastIndexByte(key, '-'); strings.HasPrefix(key, "helpdesk-") && i >= 0 {
		if n := key[i+1:]; n != "" {
			if _, err := strconv.ParseUint(n, 10, 63); err == nil {
				return "m" + n
			}
		}
	}
	// The core always gives a key; this keeps ids unique if it did not.
	s.seq++
	return fmt.Sprintf("m0.%d", s.seq)
}

// StartThread prints that the thread of a case was opened on post ref and
// returns its id: "t12" for a thread on "m12". Asked again for the same
// post, it returns the same thread without printing.
func (s *Shell) StartThread(_ context.Context, ref string, name bot.Message) (string, error) {
	if !isPostID(ref) {
		return "", fmt.Errorf("start thread on %q: %w", ref, bot.ErrGone)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	thread := "t" + ref[1:]
	if _, ok := s.threads[thread]; ok {
		return thread, nil
	}
	s.threads[thread] = name.Lang
	title := s.text(name.Lang, name.Title, s.style(nil))
	s.printLinesLocked("", s.say(name.Lang, "shell.thread.opened", "thread", bot.C(thread), "post", bot.C(ref), "name", bot.S(title)))
	return thread, nil
}

// Edit prints post ref again with its new content, marked as edited.
func (s *Shell) Edit(_ context.Context, ref string, m bot.Message) error {
	if !isPostID(ref) {
		return fmt.Errorf("edit %q: %w", ref, bot.ErrGone)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, known := s.posts[ref]
	if !known {
		// Posted before a restart: the shell no longer knows where.
		p.place = bot.Place{}
	}
	p.lang = m.Lang
	s.posts[ref] = p
	s.printMessageLocked(ref, p.place, m, true)
	return nil
}

// React shows the helpdesk's own reaction on post ref. Consecutive
// reactions on one post are gathered on one line ("m3: ✅ ❌ ❓"), printed
// before anything else is. A reaction the helpdesk already holds on the
// post is not shown again: on a platform, reacting twice holds it once.
func (s *Shell) React(_ context.Context, ref string, emoji string) error {
	if !isPostID(ref) {
		return fmt.Errorf("react on %q: %w", ref, bot.ErrGone)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[ref] == nil {
		s.held[ref] = map[string]bool{}
	}
	if s.held[ref][bot.NormEmoji(emoji)] {
		return nil
	}
	s.held[ref][bot.NormEmoji(emoji)] = true
	if s.reactPost != ref {
		s.flushLocked()
		s.reactPost = ref
	}
	s.reactEmoji = append(s.reactEmoji, emoji)
	return nil
}

// Invite prints that user joined thread.
func (s *Shell) Invite(_ context.Context, thread string, user bot.UserID) error {
	if user.Platform() != Platform {
		return fmt.Errorf("invite %s: %w", user, bot.ErrUnreachable)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lang := s.threadLangLocked(thread)
	s.printLinesLocked("", s.say(lang, "shell.thread.joined", "who", bot.P(person(user)), "thread", bot.C(thread)))
	return nil
}

// Archive prints that thread was archived.
func (s *Shell) Archive(_ context.Context, thread string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	lang := s.threadLangLocked(thread)
	s.printLinesLocked("", s.say(lang, "shell.thread.archived", "thread", bot.C(thread)))
	return nil
}

// Flush prints the reactions gathered so far.
func (s *Shell) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
}

func (s *Shell) flushLocked() {
	if s.reactPost == "" {
		return
	}
	fmt.Fprintf(s.out, "%s: %s\n", s.reactPost, strings.Join(s.reactEmoji, " "))
	s.reactPost, s.reactEmoji = "", nil
}

// threadLangLocked is the language of a thread's name, else the default.
func (s *Shell) threadLangLocked(thread string) string {
	if lang := s.threads[thread]; lang != "" {
		return lang
	}
	return s.defaultLang
}

// text renders t for a terminal. The catalog isolates user text in every
// language, for platforms that lay out bidirectional text; most terminals
// do not, and print the isolates as they are: they are kept only in the
// lines of a right-to-left language, where a terminal that does lay them
// out needs them.
//
// In a right-to-left line that ends with a web address (the dashboard's
// sign-in link), the address goes on a line of its own, without the
// isolate around it: a person who copies it from the terminal copies no
// invisible U+2069 with it, and a line of its own is left to right.
func (s *Shell) text(lang string, t bot.Text, st locales.Style) string {
	out := s.cat.Text(lang, t, st)
	if s.cat.RightToLeft(lang) {
		return addressAtEnd.ReplaceAllString(out, "\n$1")
	}
	return locales.StripIsolates(out)
}

// addressAtEnd is a web address, in its left-to-right isolate, that ends a
// line, with the space before it.
var addressAtEnd = regexp.MustCompile(`(?m) ?\x{2066}(https?://[^\s\x{2066}-\x{2069}]+)\x{2069}$`)

// isPostID reports whether ref looks like an id the shell gave a post.
func isPostID(ref string) bool {
	// Exactly what the shell prints: anything else a person typed (a
	// terminal escape sequence, say) is not echoed back as an id.
	n, ok := strings.CutPrefix(ref, "m")
	whole, frac, dotted := strings.Cut(n, ".")
	return ok && digits(whole) && (!dotted || digits(frac))
}

func digits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// person is how the shell names a user it has only the id of.
func person(id bot.UserID) bot.Person {
	_, name, _ := strings.Cut(string(id), ":")
	return bot.Person{ID: id, Name: name}
}

// printMessageLocked prints a header saying where m is, then its title,
// lines and fields, indented.
func (s *Shell) printMessageLocked(ref string, to bot.Place, m bot.Message, edited bool) {
	st := s.style(m.Ping)
	where := s.placeText(to, m.Lang, st)
	if len(m.Ping) > 0 && to.Kind != bot.InDirect {
		who := make([]bot.Text, len(m.Ping))
		for i, u := range m.Ping {
			who[i] = bot.T("shell.person", "who", bot.P(person(u)))
		}
		where += " · " + s.sayStyled(m.Lang, st, "shell.for", "who", bot.L(who))
	}
	if edited {
		where += " (" + s.say(m.Lang, "shell.edited") + ")"
	}
	s.printLinesLocked(s.header(ref, m.Lang, where), s.body(m, st)...)
}

// header is a message's header line: its id, then where it is in lang.
// The line starts with the id, so a terminal that lays out bidirectional
// text reads it left to right; in a right-to-left language the place is a
// right-to-left isolate (U+2067 … U+2069), so that "[m6] رسالة خاصة إلى
// omar" keeps the name at the end of the Arabic words, on their left.
func (s *Shell) header(ref, lang, where string) string {
	if s.cat.RightToLeft(lang) {
		where = "\u2067" + where + "\u2069"
	}
	return "[" + ref + "] " + where
}

// placeText names a place in lang; the zero Place is a post whose place is
// no longer known.
func (s *Shell) placeText(to bot.Place, lang string, st locales.Style) string {
	switch to.Kind {
	case bot.InCommittee:
		return s.say(lang, "shell.place.committee")
	case bot.InGroup:
		return s.say(lang, "shell.place.group", "group", bot.C(to.Group))
	case bot.InThread:
		return s.say(lang, "shell.place.thread", "thread", bot.C(to.Thread))
	case bot.InDirect:
		return s.sayStyled(lang, st, "shell.place.direct", "who", bot.P(person(to.User)))
	}
	return s.say(lang, "shell.place.unknown")
}

// body renders a message: title, lines, fields as "Label: value", and the
// link to the case's thread.
func (s *Shell) body(m bot.Message, st locales.Style) []string {
	var out []string
	if !m.Title.IsZero() {
		out = append(out, s.text(m.Lang, m.Title, st))
	}
	for _, l := range m.Lines {
		out = append(out, s.text(m.Lang, l, st))
	}
	for _, f := range m.Fields {
		out = append(out, s.text(m.Lang, bot.T("shell.field", "label", bot.X(f.Label), "value", bot.X(f.Value)), st))
	}
	if m.LinkThread && m.Thread != "" {
		out = append(out, s.say(m.Lang, "shell.thread.link", "thread", bot.C(m.Thread)))
	}
	return out
}

// printLinesLocked prints a header (if any) and, indented under it, every
// line of texts; without a header the texts stand at the margin.
func (s *Shell) printLinesLocked(head string, texts ...string) {
	s.flushLocked()
	var b strings.Builder
	pad := ""
	if head != "" {
		b.WriteString(head)
		b.WriteByte('\n')
		pad = indent
	}
	for _, t := range texts {
		for l := range strings.SplitSeq(t, "\n") {
			if l == "" {
				b.WriteByte('\n')
				continue
			}
			b.WriteString(pad)
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	// The transcript is the shell's only output: a failed write has
	// nowhere to be reported but the log.
	if _, err := s.out.Write([]byte(b.String())); err != nil {
		s.log.Warn("write transcript", "err", err)
	}
}

// style is the shell's markup: user text without terminal controls, and
// people by name, "@name" when the message may notify them.
func (s *Shell) style(ping []bot.UserID) locales.Style {
	return locales.Style{
		Escape: Escape,
		Person: func(p bot.Person) string {
			name := p.Name
			if name == "" {
				name = person(p.ID).Name
			}
			if slices.Contains(ping, p.ID) {
				return "@" + Escape(name)
			}
			return Escape(name)
		},
	}
}

// say renders one of the shell's own messages in lang.
func (s *Shell) say(lang, id string, kv ...any) string {
	return s.sayStyled(lang, s.style(nil), id, kv...)
}

func (s *Shell) sayStyled(lang string, st locales.Style, id string, kv ...any) string {
	return s.text(lang, bot.T(id, kv...), st)
}
