// Package shell is a chat in the terminal: one person plays requester,
// committee, working groups and staff, and watches a case go through the
// whole Helpdesk Process. It is the platform the helpdesk runs on when no
// other is configured, and the easiest way to try it.
//
// Lines typed (or piped in) are commands: /as NAME [LANG] to speak as
// someone, /helpdesk … for the helpdesk's commands, /react and /unreact for
// reactions, /wait to let time pass, /mail to write the helpdesk a mail,
// /help and /quit. Everything the helpdesk posts is printed with where it
// went and an id to react on, and its letters as a mail is read.
package shell

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Platform is the shell's platform name: the prefix of its user ids
// ("shell:ana") and the name under which it is attached to the service.
const Platform = "shell"

// DefaultSpeaker is who speaks when the shell starts: a community member,
// so that the first thing to do is to ask for help.
const DefaultSpeaker = "rita"

// maxLine is the longest input line the shell reads, in bytes.
const maxLine = 1 << 20

// Options configure a Shell.
type Options struct {
	// Catalog renders every text; required.
	Catalog *locales.Catalog
	// Clock is the shell's time; nil starts a new one at the current time.
	Clock *Clock
	// Roster says who plays which part; nil means nobody has a role.
	Roster Roster
	// Out receives the transcript; nil discards it.
	Out io.Writer
	// Interactive shows a welcome and prompts, and does not echo input.
	Interactive bool
	// Locale is the platform locale of people without one of their own
	// (from the environment: LocaleFromEnv).
	Locale string
	// DefaultLang is the language of the shell's own texts for people
	// whose locale the helpdesk does not speak; "" means English.
	DefaultLang string
	// Speaker is who speaks first; "" means DefaultSpeaker.
	Speaker string
	// Logger receives what operators should know; nil discards.
	Logger *slog.Logger
	// Mail hands the helpdesk a mail someone wrote with /mail, whole
	// (the mail intake's mail.Taker.Handle); nil leaves /mail off.
	Mail func(ctx context.Context, raw []byte) error
	// MailAddress is the helpdesk's address, which /mail names at the
	// terminal.
	MailAddress string
	// Outboxes are other platforms whose outbox the shell delivers after
	// each line, after its own, so that what the line caused there shows
	// in order: the shell's own mail platform, whose letters it prints
	// (Letter).
	Outboxes []string
}

// Shell is the terminal chat. It implements bot.Chat and bot.Archiver by
// printing, and Run reads what people type. Its methods are safe for
// concurrent use.
type Shell struct {
	cat         *locales.Catalog
	clock       *Clock
	roster      Roster
	interactive bool
	locale      string
	defaultLang string
	speaker     string
	log         *slog.Logger
	mail        func(ctx context.Context, raw []byte) error
	mailAddress string
	outboxes    []string

	mu         sync.Mutex // guards the transcript and what the shell knows of it
	out        io.Writer
	keys       map[string]string          // message key → post id
	posts      map[string]post            // by post id
	threads    map[string]string          // thread id → language of its name
	held       map[string]map[string]bool // post id → the helpdesk's reactions on it
	seq        int
	reactPost  string   // the post of the reactions not printed yet
	reactEmoji []string // and the reactions
}

// New returns a shell; attach it to the service under Platform, then Run it.
func New(o Options) *Shell {
	s := &Shell{
		cat:         o.Catalog,
		clock:       o.Clock,
		roster:      o.Roster,
		interactive: o.Interactive,
		locale:      o.Locale,
		defaultLang: o.DefaultLang,
		speaker:     o.Speaker,
		log:         o.Logger,
		mail:        o.Mail,
		mailAddress: o.MailAddress,
		outboxes:    o.Outboxes,
		out:         o.Out,
		keys:        map[string]string{},
		posts:       map[string]post{},
		threads:     map[string]string{},
		held:        map[string]map[string]bool{},
	}
	if s.clock == nil {
		s.clock = NewClock(time.Now())
	}
	if s.roster == nil {
		s.roster = Roster{}
	}
	if s.defaultLang == "" {
		s.defaultLang = "en"
	}
	if s.speaker == "" {
		s.speaker = DefaultSpeaker
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.out == nil {
		s.out = io.Discard
	}
	return s
}

// Clock returns the shell's clock, which the service should tell time by.
func (s *Shell) Clock() *Clock { return s.clock }

// LocaleFromEnv turns a POSIX locale ("sv_SE.UTF-8", "pt_BR@euro") into a
// BCP 47 tag ("sv-SE"); "C", "POSIX" and "" give "". getenv is os.Getenv
// or a stand-in; LC_ALL, then LC_MESSAGES, then LANG is read, as POSIX
// programs do.
func LocaleFromEnv(getenv func(string) string) string {
	var v string
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v = getenv(k); v != "" {
			break
		}
	}
	v, _, _ = strings.Cut(v, ".")
	v, _, _ = strings.Cut(v, "@")
	if v == "C" || v == "POSIX" {
		return ""
	}
	return strings.ReplaceAll(v, "_", "-")
}

// write prints the shell's own lines, after the helpdesk's pending
// reactions.
func (s *Shell) write(head string, texts ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printLinesLocked(head, texts...)
}

// raw prints text as it is (an echo, a prompt).
func (s *Shell) raw(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	if _, err := io.WriteString(s.out, text); err != nil {
		s.log.Warn("write transcript", "err", err)
	}
}

// Run plays the conversation read from in against svc, to which the shell
// must be attached, until the input ends, someone types /quit or ctx is
// done. It first makes the roster known to the helpdesk and does the work
// left from an earlier run. Errors of the helpdesk are logged and shown as
// an apology, never fatal; Run returns an error only when the roster cannot
// be recorded or the input cannot be read.
func (s *Shell) Run(ctx context.Context, svc *bot.Service, in io.Reader) error {
	se := &session{sh: s, svc: svc, locales: map[string]string{}}
	for _, name := range s.roster.Names() {
		if err := svc.MemberSeen(ctx, se.member(name)); err != nil {
			return fmt.Errorf("record %s: %w", name, err)
		}
	}
	if err := se.become(ctx, s.speaker, ""); err != nil {
		return err
	}
	if s.interactive {
		se.welcome()
	}
	// Reminders and deadlines that fell due while the shell was not
	// running, and work an earlier run left undone.
	if err := svc.Tick(ctx); err != nil {
		s.log.Error("timers", "err", err)
	}
	se.deliver(ctx)

	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		// This goroutine may outlive Run, blocked on a terminal read,
		// when ctx ends first; it then ends with the process.
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 64*1024), maxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()

	for {
		if s.interactive && se.draft == nil {
			s.raw(se.speaker + "> ")
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			s.raw("\n")
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			if s.interactive {
				s.raw("\n")
			}
			if se.draft != nil {
				se.draft = nil
				se.tell("shell.mail.unended")
			}
			select {
			case err := <-readErr:
				if err != nil {
					return fmt.Errorf("read input: %w", err)
				}
			default:
			}
			return nil
		}
		if !s.interactive {
			se.echo(line)
		}
		quit := se.handle(ctx, line)
		se.deliver(ctx)
		if quit || ctx.Err() != nil {
			return nil
		}
	}
}

// session is the state of one conversation: who speaks, the locales people
// were given, the form being filled in. Only Run's goroutine uses it.
type session struct {
	sh      *Shell
	svc     *bot.Service
	speaker string
	locales map[string]string // by name, set with /as NAME LANG
	form    *filling
	draft   *drafting // the mail being written after /mail
}

// filling is a form being filled in, one field per line.
type filling struct {
	form   *bot.Form
	inv    bot.Invocation
	values map[string]string
	ask    []bot.FormField // the fields still to ask, in order
}

// echo prints an input line so that a piped transcript reads like a
// conversation; comments, blank lines and the lines of a mail stand as
// they are.
func (se *session) echo(line string) {
	if se.draft != nil {
		se.sh.raw(Escape(line) + "\n")
		return
	}
	t := strings.TrimSpace(line)
	if (se.form == nil && t == "") || se.comment(t) {
		se.sh.raw(Escape(t) + "\n")
		return
	}
	se.sh.raw(se.speaker + "> " + Escape(line) + "\n")
}

// comment reports whether the trimmed line t is a comment: it starts with
// #. While a form is open, a person at the terminal may answer with such
// a line (a title may begin with #), but a script's notes may stand
// between the answers it gives a form.
func (se *session) comment(t string) bool {
	return strings.HasPrefix(t, "#") && (se.form == nil || !se.sh.interactive)
}

// deliver does the helpdesk's pending work so that the transcript shows
// what the last line caused before the next one is read: the shell's
// own, then that of the other platforms it prints (its mail).
func (se *session) deliver(ctx context.Context) {
	for _, p := range append([]string{Platform}, se.sh.outboxes...) {
		if _, err := se.svc.Deliver(ctx, p); err != nil && ctx.Err() == nil {
			se.sh.log.Error("deliver", "platform", p, "err", err)
			se.tell("shell.failed")
		}
	}
	se.sh.Flush()
}

// handle acts on one line and reports whether the shell should stop.
func (se *session) handle(ctx context.Context, line string) bool {
	if se.draft != nil {
		// A line of a mail, whatever it looks like ("#", "/").
		se.mailLine(ctx, line)
		return false
	}
	t := strings.TrimSpace(line)
	if se.comment(t) {
		return false
	}
	if se.form != nil {
		if !strings.HasPrefix(t, "/") {
			se.answer(ctx, t)
			return false
		}
		se.form = nil
		se.tell("shell.form.cancelled")
	}
	if t == "" {
		return false
	}
	word := strings.Fields(t)[0]
	rest := strings.TrimSpace(t[len(word):])
	switch strings.ToLower(word) {
	case "/as":
		se.as(ctx, rest)
	case "/helpdesk":
		se.command(ctx, rest)
	case "/react":
		se.react(ctx, rest, true)
	case "/unreact":
		se.react(ctx, rest, false)
	case "/wait":
		se.wait(ctx, rest)
	case "/mail":
		se.startMail(rest)
	case "/help":
		se.tell("shell.help")
	case "/quit", "/exit":
		se.tell("shell.bye")
		return true
	default:
		se.tell("shell.unknown", "line", bot.S(t))
	}
	return false
}

// lang is the language of the shell's own texts for a person: the one they
// chose with /helpdesk language, else their locale, as the core decides.
func (se *session) lang(name string) string {
	if se.svc != nil {
		// A short read of one row; the session's lines carry no context.
		return se.svc.LangOf(context.Background(), UserID(name), se.locale(name))
	}
	if loc := se.locale(name); loc != "" {
		if tag, ok := se.sh.cat.Match(loc); ok {
			return tag
		}
	}
	return se.sh.defaultLang
}

// locale is a person's platform locale: the one /as gave them, else the
// roster's, else the environment's.
func (se *session) locale(name string) string {
	if l := se.locales[name]; l != "" {
		return l
	}
	if p, ok := se.sh.roster[name]; ok && p.Lang != "" {
		return p.Lang
	}
	return se.sh.locale
}

// member is what the platform tells the helpdesk of a person.
func (se *session) member(name string) bot.Member {
	return bot.Member{ID: UserID(name), Name: name, Locale: se.locale(name), Roles: se.sh.roster[name].Roles}
}

// invocation is the current speaker using a command.
func (se *session) invocation() bot.Invocation {
	m := se.member(se.speaker)
	return bot.Invocation{User: m.ID, Name: m.Name, Locale: m.Locale, Roles: &m.Roles}
}

// tell prints one of the shell's messages to the speaker, in their
// language.
func (se *session) tell(id string, kv ...any) {
	se.sh.write("", se.sh.say(se.lang(se.speaker), id, kv...))
}

// become makes name the speaker and tells the helpdesk about them.
func (se *session) become(ctx context.Context, name, locale string) error {
	if locale != "" {
		se.locales[name] = locale
	}
	se.speaker = name
	if err := se.svc.MemberSeen(ctx, se.member(name)); err != nil {
		return fmt.Errorf("record %s: %w", name, err)
	}
	return nil
}

// as handles "/as NAME [LANG]".
func (se *session) as(ctx context.Context, args string) {
	f := strings.Fields(args)
	if len(f) == 0 || len(f) > 2 {
		se.tell("shell.as.usage")
		return
	}
	name := strings.ToLower(f[0])
	if !ValidName(name) {
		se.tell("shell.as.bad_name", "name", bot.S(f[0]))
		return
	}
	locale := ""
	if len(f) == 2 {
		locale = f[1]
	}
	if err := se.become(ctx, name, locale); err != nil {
		se.sh.log.Error("record member", "name", name, "err", err)
		se.tell("shell.failed")
		return
	}
	lang := se.lang(name)
	if locale != "" {
		if _, ok := se.sh.cat.Match(locale); !ok {
			se.tell("shell.as.lang_unsupported", "given", bot.S(locale), "lang", bot.Lang(lang), "langs", bot.C(strings.Join(se.sh.cat.Supported(), ", ")))
		}
	}
	se.tell("shell.as.now", "who", bot.S(name), "roles", bot.X(se.rolesText(name)), "lang", bot.Lang(lang))
}

// rolesText names the parts a person plays.
func (se *session) rolesText(name string) bot.Text {
	r := se.sh.roster[name].Roles
	var parts []bot.Text
	if r.Chair {
		parts = append(parts, bot.T("shell.role.chair"))
	} else if r.Committee {
		parts = append(parts, bot.T("shell.role.committee"))
	}
	for _, g := range r.Groups {
		parts = append(parts, bot.T("shell.role.group", "group", bot.C(g)))
	}
	if r.Staff {
		parts = append(parts, bot.T("shell.role.staff"))
	}
	if len(parts) == 0 {
		return bot.T("shell.role.member")
	}
	return bot.T("list", "items", bot.L(parts))
}

// welcome introduces the shell and its cast.
func (se *session) welcome() {
	lang := se.lang(se.speaker)
	var committee, groups, staff []bot.Text
	for _, name := range se.sh.roster.Names() {
		r := se.sh.roster[name].Roles
		switch {
		case r.Chair:
			committee = append(committee, bot.T("shell.welcome.person", "who", bot.S(name), "what", bot.X(bot.T("shell.role.chair"))))
		case r.Committee:
			committee = append(committee, bot.T("shell.person", "who", bot.S(name)))
		}
		for _, g := range r.Groups {
			groups = append(groups, bot.T("shell.welcome.person", "who", bot.S(name), "what", bot.C(g)))
		}
		if r.Staff {
			staff = append(staff, bot.T("shell.person", "who", bot.S(name)))
		}
	}
	lines := []string{se.sh.say(lang, "shell.welcome")}
	for _, part := range []struct {
		id     string
		people []bot.Text
	}{{"shell.welcome.committee", committee}, {"shell.welcome.groups", groups}, {"shell.welcome.staff", staff}} {
		if len(part.people) > 0 {
			lines = append(lines, se.sh.say(lang, part.id, "people", bot.L(part.people)))
		}
	}
	lines = append(lines, se.sh.say(lang, "shell.welcome.start", "who", bot.S(se.speaker), "roles", bot.X(se.rolesText(se.speaker))))
	se.sh.write("", lines...)
}

// command passes what follows /helpdesk to the helpdesk.
func (se *session) command(ctx context.Context, line string) {
	inv := se.invocation()
	se.respond(inv, se.svc.Command(ctx, inv, line))
}

// respond shows the helpdesk's answer: a reply, or a form to fill in.
func (se *session) respond(inv bot.Invocation, r bot.Response) {
	if r.Reply != nil {
		se.reply(inv, *r.Reply)
	}
	if r.Form != nil {
		se.form = &filling{form: r.Form, inv: inv, values: map[string]string{}, ask: r.Form.Fields}
		se.sh.write("", se.sh.text(r.Form.Lang, r.Form.Title, se.sh.style(nil)))
		se.prompt()
	}
}

// reply prints a private answer to the person who asked.
func (se *session) reply(inv bot.Invocation, m bot.Message) {
	st := se.sh.style(m.Ping)
	head := "→ " + se.sh.sayStyled(m.Lang, st, "shell.reply", "who", bot.P(bot.Person{ID: inv.User, Name: inv.Name}))
	se.sh.write(head, se.sh.body(m, st)...)
}

// prompt asks for the next field of the form.
func (se *session) prompt() {
	f := se.form
	fld := f.ask[0]
	st := se.sh.style(nil)
	id := "shell.form.optional"
	if fld.Required {
		id = "shell.form.required"
	}
	lines := []string{se.sh.sayStyled(f.form.Lang, st, id, "label", bot.X(fld.Label), "max", bot.N(fld.MaxLen))}
	if !fld.Help.IsZero() {
		lines = append(lines, indent+se.sh.text(f.form.Lang, fld.Help, st))
	}
	se.sh.write("", lines...)
}

// answer takes a line as the answer to the field asked, or asks that
// field again at once, saying why, when the helpdesk would refuse it (too
// long, or empty and required); after the last field it submits the form.
func (se *session) answer(ctx context.Context, value string) {
	f := se.form
	if problem, ok := f.ask[0].Check(value); !ok {
		se.sh.write("", se.sh.text(f.form.Lang, problem, se.sh.style(nil)))
		se.prompt()
		return
	}
	f.values[f.ask[0].Name] = value
	f.ask = f.ask[1:]
	if len(f.ask) > 0 {
		se.prompt()
		return
	}
	sub := bot.Submission{Kind: f.form.Kind, Type: f.form.Type, Values: f.values}
	r := se.svc.Submit(ctx, f.inv, sub)
	if len(r.FieldErrors) == 0 {
		se.form = nil
		se.respond(f.inv, r)
		return
	}
	// Ask again for the fields in error only, keeping the others.
	lines := []string{se.sh.say(f.form.Lang, "shell.form.fix")}
	for _, fld := range f.form.Fields {
		if t, ok := r.FieldErrors[fld.Name]; ok {
			lines = append(lines, indent+se.sh.text(f.form.Lang, t, se.sh.style(nil)))
			f.ask = append(f.ask, fld)
		}
	}
	if len(f.ask) == 0 {
		// Errors for fields the form does not have: nothing to ask again.
		se.form = nil
		if r.Reply != nil {
			se.reply(f.inv, *r.Reply)
		}
		return
	}
	se.sh.write("", lines...)
	se.prompt()
}

// react handles "/react TARGET EMOJI" and "/unreact TARGET EMOJI", where
// TARGET is "#N" (the case's message where the emoji means something now)
// or a post id shown in the transcript.
func (se *session) react(ctx context.Context, args string, add bool) {
	usage := "shell.react.usage"
	if !add {
		usage = "shell.unreact.usage"
	}
	f := strings.Fields(args)
	if len(f) != 2 {
		se.tell(usage)
		return
	}
	target, name := f[0], f[1]
	emoji := bot.EmojiFromName(name)
	if strings.HasPrefix(emoji, ":") && strings.HasSuffix(emoji, ":") && len(emoji) > 1 {
		se.tell("shell.react.bad_emoji", "emoji", bot.S(name))
		return
	}
	user := UserID(se.speaker)
	var ref string
	if n, ok := strings.CutPrefix(target, "#"); ok {
		var id int64
		if _, err := fmt.Sscan(n, &id); err != nil || id <= 0 || fmt.Sprint(id) != n {
			se.tell(usage)
			return
		}
		r, err := se.svc.ReactionTarget(ctx, id, user, emoji)
		switch {
		case errors.Is(err, bot.ErrNotFound):
			se.tell("shell.react.nothing", "id", bot.C(target), "emoji", bot.S(emoji))
			return
		case err != nil:
			se.sh.log.Error("find reaction target", "case", id, "err", err)
			se.tell("shell.failed")
			return
		}
		ref = r
	} else if isPostID(target) {
		ref = target
	} else {
		se.tell(usage)
		return
	}
	r := bot.Reaction{Post: ref, User: user, Name: se.speaker, Emoji: emoji}
	var err error
	id := "shell.react.done"
	if add {
		err = se.svc.ReactionAdded(ctx, r)
	} else {
		id = "shell.unreact.done"
		err = se.svc.ReactionRemoved(ctx, r)
	}
	if err != nil {
		se.sh.log.Error("reaction", "post", ref, "user", user, "emoji", emoji, "err", err)
		se.tell("shell.failed")
		return
	}
	se.tell(id, "who", bot.S(se.speaker), "emoji", bot.S(emoji), "post", bot.C(ref))
}

// wait handles "/wait DURATION": time passes, and what fell due happens.
func (se *session) wait(ctx context.Context, args string) {
	d, err := ParseDuration(args)
	if err != nil || d <= 0 {
		se.tell("shell.wait.bad", "given", bot.S(args))
		return
	}
	now := se.sh.clock.Advance(d)
	se.tell("shell.wait.done", "at", bot.At(now))
	if err := se.svc.Tick(ctx); err != nil {
		se.sh.log.Error("timers", "err", err)
		se.tell("shell.failed")
	}
}
