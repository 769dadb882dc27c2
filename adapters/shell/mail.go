package shell

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/wmse/helpdesk/bot"
)

// Mail in the shell: "/mail" and the lines after it, up to a line that is
// only ".", are one mail as a person writes it — the header, one field a
// line, an empty line, the body — from a requester to the helpdesk
// (Options.Mail, the mail intake). The helpdesk's letters back are printed
// in the transcript as a person reads a mail (Letter, the mail platform's
// way out), numbered as the shell's posts are.

// mailEnd is the line that ends a mail, as in SMTP and mail(1).
const mailEnd = "."

// drafting is a mail being written after /mail.
type drafting struct {
	lines []string
}

// startMail handles "/mail": the lines that follow are a mail.
func (se *session) startMail(args string) {
	switch {
	case args != "":
		se.tell("shell.mail.usage")
		return
	case se.sh.mail == nil:
		se.tell("shell.mail.off")
		return
	}
	se.draft = &drafting{}
	if se.sh.interactive {
		se.tell("shell.mail.start", "address", bot.C(se.sh.mailAddress), "from", bot.C(exampleFrom), "subject", bot.C("Subject: …"))
	}
}

// mailLine takes one line of the mail being written; the line "." sends
// it.
func (se *session) mailLine(ctx context.Context, line string) {
	if strings.TrimSpace(line) != mailEnd {
		se.draft.lines = append(se.draft.lines, strings.TrimSuffix(line, "\r"))
		return
	}
	lines := se.draft.lines
	se.draft = nil
	raw, from, problem := se.sh.compose(lines)
	if problem.ID != "" {
		se.sh.write("", se.sh.text(se.lang(se.speaker), problem, se.sh.style(nil)))
		return
	}
	if err := se.sh.mail(ctx, raw); err != nil {
		se.sh.log.Error("mail", "from", from, "err", err)
		se.tell("shell.failed")
		return
	}
	se.tell("shell.mail.sent", "who", bot.S(from))
}

// compose makes the lines written after /mail one mail, CRLF-ended: as
// written, but for a Date (the shell's time) and a Message-ID, which a
// mail program adds when sending, added when they are missing. It reads
// the header as the helpdesk will, and returns the sender's address, or
// what is wrong with the mail (nothing is sent then).
func (s *Shell) compose(lines []string) (raw []byte, from string, problem bot.Text) {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return nil, "", bot.T("shell.mail.empty")
	}
	// The header: fields up to the first empty line (one of spaces only
	// looks empty, and is taken for one).
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
			break
		}
		if !headerLine(l, i == 0) {
			return nil, "", headerProblem(i+1, l)
		}
	}
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b.Bytes())))
	if err != nil {
		return nil, "", headerProblem(1, lines[0])
	}
	h := gomail.Header{Header: message.Header{Header: th}}
	addrs, err := h.AddressList("From")
	if err != nil || len(addrs) == 0 {
		return nil, "", bot.T("shell.mail.from", "field", bot.C("From:"), "example", bot.C(exampleFrom))
	}
	from = strings.ToLower(addrs[0].Address)
	var add bytes.Buffer
	if !h.Has("Date") {
		add.WriteString("Date: " + s.clock.Now().Format("Mon, 02 Jan 2006 15:04:05 -0700") + "\r\n")
	}
	if !h.Has("Message-Id") {
		_, domain, _ := strings.Cut(from, "@")
		var id [12]byte
		rand.Read(id[:])
		add.WriteString("Message-ID: <shell." + hex.EncodeToString(id[:]) + "@" + domain + ">\r\n")
	}
	return append(add.Bytes(), b.Bytes()...), from, bot.Text{}
}

// exampleFrom is the From line the shell's messages show as an example.
const exampleFrom = "From: Lena Berg <lena@museum.test>"

// headerProblem says that line n, l, is no header line.
func headerProblem(n int, l string) bot.Text {
	return bot.T("shell.mail.header", "n", bot.N(n), "line", bot.S(l), "example", bot.C("Subject: …"))
}

// headerLine reports whether l can be a line of a mail's header: a field
// ("Subject: Glass plates") or, after the first, the continuation of one
// (begun with a space or a tab).
func headerLine(l string, first bool) bool {
	if l[0] == ' ' || l[0] == '\t' {
		return !first
	}
	name, _, ok := strings.Cut(l, ":")
	name = strings.TrimRight(name, " \t")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// PostID is the shell's id of the message of outbox key key, as its posts
// are numbered ("helpdesk-INSTALL-12" → "m12"): the shell's mail platform
// numbers its letters so (with mail.Config.MessageID), and one numbering
// names every message in the transcript.
func (s *Shell) PostID(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.postIDLocked(key)
}

// letterHeaders are the fields of a letter the transcript shows, in order.
var letterHeaders = []string{"Subject", "From", "To", "Message-ID", "In-Reply-To"}

// Letter prints a letter of the helpdesk's mail platform to rcpt as a
// person reads a mail: a heading with its id (the shell's number of it,
// when its Message-ID is one, else its Message-ID), its Subject, From,
// To, Message-ID and In-Reply-To, and its text. It is the shell's
// mail.Config.Deliver, and never fails: a letter it cannot read is shown
// as it is.
func (s *Shell) Letter(_ context.Context, rcpt string, letter []byte) error {
	e, err := message.Read(bytes.NewReader(letter))
	var body []byte
	if err == nil {
		body, err = io.ReadAll(e.Body)
	}
	if err != nil {
		s.log.Warn("read a letter to print it", "to", rcpt, "err", err)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.printLinesLocked(s.say(s.defaultLang, "shell.letter", "who", bot.S(rcpt)), Escape(string(letter)))
		return nil
	}
	h := gomail.Header{Header: e.Header}
	lang := s.defaultLang
	if tag, ok := s.cat.Match(h.Get("Content-Language")); ok {
		lang = tag
	}
	id, _ := h.MessageID()
	ref := id
	if local, _, _ := strings.Cut(id, "@"); isPostID(local) {
		ref = local
	}
	head := s.header(Escape(ref), lang, s.say(lang, "shell.letter", "who", bot.S(rcpt)))
	var lines []string
	for _, k := range letterHeaders {
		if v := letterField(h, k); v != "" {
			lines = append(lines, k+": "+strings.TrimSpace(Escape(v)))
		}
	}
	lines = append(lines, "")
	clean := Escape
	if s.cat.RightToLeft(lang) {
		clean = escapeKeepIsolates
	}
	text := strings.TrimRight(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	for l := range strings.SplitSeq(text, "\n") {
		lines = append(lines, clean(unstuff(l, flowed(h))))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printLinesLocked(head, lines...)
	return nil
}

// letterField is the value of a field as a mail program shows it: the
// subject decoded, addresses as "Name <address>", ids in angle brackets.
func letterField(h gomail.Header, k string) string {
	switch k {
	case "Subject":
		s, err := h.Subject()
		if err != nil {
			return h.Get(k)
		}
		return s
	case "From", "To":
		list, err := h.AddressList(k)
		if err != nil {
			return h.Get(k)
		}
		var out []string
		for _, a := range list {
			if a.Name != "" {
				out = append(out, a.Name+" <"+a.Address+">")
			} else {
				out = append(out, a.Address)
			}
		}
		return strings.Join(out, ", ")
	case "Message-ID", "In-Reply-To":
		ids, err := h.MsgIDList(k)
		if err != nil {
			return h.Get(k)
		}
		for i, id := range ids {
			ids[i] = "<" + id + ">"
		}
		return strings.Join(ids, " ")
	}
	return h.Get(k)
}

// flowed reports whether the letter's text is format=flowed (RFC 3676).
func flowed(h gomail.Header) bool {
	_, params, err := h.ContentType()
	return err == nil && strings.EqualFold(params["format"], "flowed")
}

// unstuff is a line of the text as a mail program shows it: in a
// format=flowed text, without the space that stuffs a line and the one
// that ends a line to be joined with the next (the transcript keeps the
// letter's lines as they are wrapped); trailing spaces are never shown.
func unstuff(l string, flowed bool) string {
	if flowed && !strings.HasPrefix(l, ">") {
		l = strings.TrimPrefix(l, " ")
	}
	return strings.TrimRight(l, " ")
}

// escapeKeepIsolates is Escape but for the directional isolates (LRI,
// RLI, FSI, PDI) the catalog puts around words of another direction: a
// right-to-left letter keeps them, as the shell's right-to-left lines do,
// for a terminal that lays them out.
func escapeKeepIsolates(s string) string {
	var b strings.Builder
	start := 0
	for i, r := range s {
		if r >= 0x2066 && r <= 0x2069 {
			b.WriteString(Escape(s[start:i]))
			b.WriteRune(r)
			start = i + len(string(r))
		}
	}
	b.WriteString(Escape(s[start:]))
	return b.String()
}
