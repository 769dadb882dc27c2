package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Letters: people who write to the helpdesk by mail. A mailed request is a
// case like any other — its card, thread, votes, groups and support are on
// the chat platform the helpdesk runs on — whose requester lives on
// another platform, "mail": what the core tells them (a question, an
// outcome, a reminder, a reply of staff) goes to that platform's outlet,
// which sends it as a letter. What they write back comes in through
// Receive, which the mail adapter calls for each mail, once it is read,
// before it marks the mail done: the record of its Message-ID in the same
// transaction makes a second delivery of the same mail change nothing.

// MailPlatform is the platform of people the helpdesk knows by their mail
// address ("mail:ana@example.org").
const MailPlatform = "mail"

// Letter is a mail someone sent the helpdesk, as the mail adapter read it.
type Letter struct {
	ID      string // its Message-ID, without the angle brackets
	From    UserID // "mail:" and the address, lower case
	Name    string // the sender's display name, if the mail gave one
	Subject string
	// Text is the body as plain text, quoted history and signature
	// trimmed by the adapter.
	Text string
	// Refs are the Message-IDs of its In-Reply-To and References.
	Refs []string
	// Lang is the language of the address the mail was written to (one
	// address per language): it wins over what the helpdesk knew of the
	// sender. LangHint is a weaker guess (the mail's Content-Language, a
	// detection), taken only for a sender whose language is not known.
	Lang, LangHint string
	// Platform is the chat platform where a new case goes.
	Platform string
	// Files are the files that came with it, kept with the case.
	Files []Attachment
}

// Attachment is a file that came with a mail, kept with its case.
type Attachment struct {
	ID        int64
	CaseID    int64
	Letter    string // the Message-ID of its mail
	Name      string // as the sender named it, made safe to show
	MediaType string // as declared, never sniffed
	Size      int64
	Data      []byte // only when read one at a time
	At        time.Time
}

// MaxFiles is how many files of one mail are kept.
const MaxFiles = 20

// What became of a letter.
const (
	LetterCase      = "case"      // it opened a case
	LetterMessage   = "message"   // it is a message in its case
	LetterHeld      = "held"      // not taken: staff were told (a stranger in someone's case, too many)
	LetterDuplicate = "duplicate" // the same mail again: nothing changed
	LetterCommand   = "command"   // it was a command (mydata, link): the answer went to the address itself
)

// LetterRecord is a mail received, as the store keeps it.
type LetterRecord struct {
	MessageID string
	CaseID    int64
	Sender    UserID
	At        time.Time
	Outcome   string
}

// Receipt says what became of a letter.
type Receipt struct {
	Case    int64
	Outcome string
}

// MaxLetterCasesPerHour is how many new cases one address may open by mail
// in an hour: more is held for staff, not answered.
const MaxLetterCasesPerHour = 3

// Receive takes a mail into the helpdesk: a reply to one of the case's
// letters (by its Message-IDs) or naming its case ("[#42]" in the subject,
// from its requester) is a message in that case — the answer to an open
// question, else a message — and any other mail opens a case. The mail's
// Message-ID is recorded in the same transaction: a second delivery
// changes nothing and says LetterDuplicate.
func (s *Service) Receive(ctx context.Context, l Letter) (Receipt, error) {
	if l.ID == "" || l.From.Platform() != MailPlatform || l.Platform == "" {
		return Receipt{}, fmt.Errorf("receive a letter: an id, a mail sender and a platform are needed (got %q from %q to %q)", l.ID, l.From, l.Platform)
	}
	l.Text = strings.ToValidUTF8(l.Text, "\uFFFD")
	l.Subject = strings.ToValidUTF8(l.Subject, "\uFFFD")
	var rc Receipt
	err := s.update(ctx, func(w *work) error {
		rc = Receipt{}
		if old, err := w.tx.Letter(l.ID); err == nil {
			rc = Receipt{Case: old.CaseID, Outcome: LetterDuplicate}
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		var err error
		rc, err = w.receive(l)
		if err != nil {
			return err
		}
		_, err = w.tx.AddLetter(LetterRecord{MessageID: l.ID, CaseID: rc.Case, Sender: l.From, At: w.now, Outcome: rc.Outcome})
		return err
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("receive letter %s: %w", l.ID, err)
	}
	return rc, nil
}

func (w *work) receive(l Letter) (Receipt, error) {
	if err := w.seeSender(l); err != nil {
		return Receipt{}, err
	}
	if asks(l, "mydata") {
		return Receipt{Outcome: LetterCommand}, w.mailData(l)
	}
	if asks(l, "link") {
		// The code goes to the address itself, whoever wrote.
		return Receipt{Outcome: LetterCommand}, w.mailLinkCode(l.From, w.langOf(l.From))
	}
	c, found, err := w.letterCase(l)
	if err != nil {
		return Receipt{}, err
	}
	if found {
		if c.Requester != l.From {
			// Someone else writing into a case (a reply forwarded to a
			// colleague, a forged sender): never into the case; staff see
			// it and may take it further.
			return Receipt{Case: c.ID, Outcome: LetterHeld}, w.tellStaffOnce(c, "letter.stranger/"+l.ID,
				T("dm.letter.stranger", "id", caseRef(c.ID), "who", S(string(l.From.Local()))))
		}
		if err := w.letterMessage(&c, l); err != nil {
			return Receipt{}, err
		}
		return Receipt{Case: c.ID, Outcome: LetterMessage}, w.keepFiles(c, l)
	}
	recent, err := w.tx.LettersSince(l.From, w.now.Add(-time.Hour), LetterCase)
	if err != nil {
		return Receipt{}, err
	}
	if recent >= MaxLetterCasesPerHour {
		return Receipt{Outcome: LetterHeld}, nil
	}
	if err := w.checkLimit(l.From); err != nil {
		if _, refused := AsRefusal(err); !refused {
			return Receipt{}, err
		}
		// As many open cases as anyone may hold: held for staff, who may
		// answer, rather than a refusal mailed to whoever the sender is.
		return Receipt{Outcome: LetterHeld}, w.tellStaffOnce(Case{Platform: l.Platform}, "letter.limit/"+string(l.From)+"/"+w.now.Format("2006-01-02"),
			T("dm.letter.limit", "who", S(l.From.Local())))
	}
	c, err = w.letterCase0(l)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Case: c.ID, Outcome: LetterCase}, w.keepFiles(c, l)
}

// asks reports whether a letter is the command cmd: its word alone (or
// "/helpdesk" and the word), as the subject or as the whole text.
func asks(l Letter, cmd string) bool {
	is := func(s string) bool {
		s = strings.ToLower(strings.TrimSpace(s))
		return s == cmd || s == "/helpdesk "+cmd
	}
	return is(l.Subject) || is(l.Text)
}

// mailData answers a letter that asks for the sender's data with a
// one-time link to it, mailed to the address itself: a forged sender
// receives nothing. Without a dashboard, staff are the way.
func (w *work) mailData(l Letter) error {
	line := T("mydata.off")
	if base := strings.TrimRight(w.s.cfg.DashboardURL, "/"); base != "" {
		link, err := w.signInLink(l.From, base, MyDataPath)
		if err != nil {
			return err
		}
		line = T("mydata.link", "url", C(link)).Plural(int(SignInValid / time.Minute))
	}
	m := w.to(l.From, line)
	m.Subject = T("mydata.subject")
	return w.enqueue(Case{Platform: l.Platform}, Item{Op: OpPost, Place: Place{Kind: InDirect, User: l.From}, Message: m})
}

// seeSender records what the letter tells of its sender: the name, and the
// language found for them unless they chose one.
func (w *work) seeSender(l Letter) error {
	m, err := w.member(l.From)
	if err != nil {
		return err
	}
	if l.Name != "" {
		m.Name = cleanText(l.Name, false)
	}
	if w.s.langs != nil {
		switch {
		case l.Lang != "":
			if tag, ok := w.s.langs.Match(l.Lang); ok {
				m.Locale = tag
			}
		case l.LangHint != "" && m.Lang == "" && m.Locale == "":
			if tag, ok := w.s.langs.Match(l.LangHint); ok {
				m.Locale = tag
			}
		}
	}
	return w.seen(m)
}

// caseTag finds "[#42]" in a subject.
var caseTag = regexp.MustCompile(`\[#(\d{1,18})\]`)

// letterCase finds the case a letter belongs to: by the Message-ID of one
// of the case's letters among its references, else by the case number in
// its subject when the sender is that case's requester.
func (w *work) letterCase(l Letter) (Case, bool, error) {
	for _, ref := range l.Refs {
		_, c, err := w.tx.PostByRef(l.From.Platform(), strings.Trim(strings.TrimSpace(ref), "<>"))
		if err == nil {
			return c, true, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Case{}, false, err
		}
	}
	if m := caseTag.FindStringSubmatch(l.Subject); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		c, err := w.tx.Case(id)
		if errors.Is(err, ErrNotFound) {
			return Case{}, false, nil
		}
		if err != nil {
			return Case{}, false, err
		}
		if c.Requester == l.From {
			return c, true, nil
		}
	}
	return Case{}, false, nil
}

// replyPrefix matches the reply and forward markers of mail clients in
// many languages ("Re:", "SV:", "VS:", "AW:", "Fwd:", "RE: RE:", "Re[2]:").
var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|sv|vs|aw|wg|fw|fwd|tr|rv|res|enc|odp|antw|ynt|رد|توجيه)(\[\d+\])?\s*[:：]\s*)+`)

// Subject is a mail subject without reply and forward markers and the
// helpdesk's case tag: what a person wrote.
func Subject(s string) string {
	s = replyPrefix.ReplaceAllString(strings.TrimSpace(s), "")
	s = caseTag.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// letterCase0 opens a case from a letter: its subject is the title, its
// text the description.
func (w *work) letterCase0(l Letter) (Case, error) {
	title := Subject(l.Subject)
	text := cleanText(l.Text, true)
	if title == "" {
		title = strings.Join(strings.Fields(text), " ")
	}
	title = cut(cleanText(title, false), maxTitle)
	if text == "" {
		text = title
	}
	text = cut(text, MaxText)
	m, err := w.member(l.From)
	if err != nil {
		return Case{}, err
	}
	lang := w.s.pickLang(m.Lang, m.Locale)
	sub := Submission{Kind: RequestForm, Type: Other, Values: map[string]string{"title": title, "description": text}}
	return w.openCaseOn(w.s.casePlatform(l.Platform), m, lang, sub)
}

// maxTitle is the longest title of a case (the request form's).
const maxTitle = 100

// cut keeps at most n characters of s, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// letterMessage takes what the requester wrote into their case: the answer
// to the committee's open question, else a message in its thread.
func (w *work) letterMessage(c *Case, l Letter) error {
	text := cut(cleanText(l.Text, true), MaxText)
	if text == "" {
		return nil // an empty reply says nothing
	}
	if c.Outcome == Resolved {
		// A rating by letter: a number from 1 to 5 first, maybe a few
		// words after it.
		first, rest, _ := strings.Cut(text, " ")
		if n, err := strconv.Atoi(latinDigits(strings.TrimRight(strings.TrimSuffix(first, "/5"), ".,!"))); err == nil && n >= 1 && n <= 5 {
			return w.rate(c, l.From, n, strings.TrimSpace(rest))
		}
	}
	if c.Stage == NeedsInfo || c.Stage == InitialReview {
		if _, open, err := w.openQuestion(*c); err != nil {
			return err
		} else if open {
			return w.answerQuestion(c, l.From, text)
		}
	}
	if err := w.said(*c, l.From, EvMessage, text); err != nil {
		return err
	}
	return w.toThread(*c, w.committeeMsg(T("thread.message", "who", P(w.person(l.From))), Quoted(text)))
}

// keepFiles keeps a letter's files with its case and lists them in the
// thread, for the committee and staff to download from the dashboard.
func (w *work) keepFiles(c Case, l Letter) error {
	if len(l.Files) == 0 {
		return nil
	}
	var lines []Text
	for i, f := range l.Files {
		if i == MaxFiles {
			break
		}
		f.CaseID, f.Letter, f.At = c.ID, l.ID, w.now
		if err := w.tx.AddAttachment(&f); err != nil {
			return fmt.Errorf("keep a file of case %d: %w", c.ID, err)
		}
		name := f.Name
		if name == "" {
			name = f.MediaType
		}
		lines = append(lines, T("thread.file", "name", S(name), "kb", N(int((f.Size+1023)/1024))))
	}
	m := w.committeeMsg(append([]Text{T("thread.files", "who", P(w.person(l.From))).Plural(len(lines))}, lines...)...)
	return w.toThread(c, m)
}

// Attachment reads a file of case id for viewer: the committee and staff
// of the case's platform may download them.
func (s *Service) Attachment(ctx context.Context, viewer Viewer, caseID, id int64) (Attachment, error) {
	var a Attachment
	err := s.view(ctx, func(w *work) error {
		c, err := w.loadCase(caseID)
		if err != nil {
			return err
		}
		if !seesFiles(viewer.Member, c) {
			return refuse(NotYours, "web.error.files")
		}
		if a, err = w.tx.Attachment(caseID, id); errors.Is(err, ErrNotFound) {
			return refuse(NoSuch, "web.error.not_found")
		}
		return err
	})
	return a, err
}

// reply has staff write to a case's requester, wherever they are (by mail,
// or privately in the chat); the thread keeps a copy.
func (s *Service) replyCmd(ctx context.Context, a asker, args string) (Response, error) {
	return s.onCase(ctx, a, "reply", args, func(w *work, c *Case, rest string) (Text, error) {
		if !a.Roles.Staff {
			return Text{}, refuse(NotYours, "error.staff_only")
		}
		if a.Is(c.Requester) {
			return Text{}, refuse(NotYours, "error.recused", "id", caseRef(c.ID))
		}
		text, err := textArg(fmt.Sprintf("reply #%d", c.ID), "hint.text", rest)
		if err != nil {
			return Text{}, err
		}
		if err := w.said(*c, a.ID, EvReplied, text); err != nil {
			return Text{}, err
		}
		if err := w.toThread(*c, w.committeeMsg(T("thread.replied", "who", P(w.person(a.ID))), Quoted(text))); err != nil {
			return Text{}, err
		}
		if err := w.tellRequester(*c, NoPost, T("dm.reply", "id", caseRef(c.ID), "title", c.TitleArg(), "who", P(w.person(a.ID))), Quoted(text),
			T(byMail(*c, "dm.reply.how"), "cmd", command(fmt.Sprintf("status #%d", c.ID)))); err != nil {
			return Text{}, err
		}
		return T("reply.replied", "id", caseRef(c.ID)), nil
	})
}

// Bounced records that a letter could not be delivered, as a delivery
// report about it said: its reader's address is marked unreachable, and
// the case's thread and staff are told, once per letter. A report about a
// letter the helpdesk does not know changes nothing.
func (s *Service) Bounced(ctx context.Context, to UserID, letter string) error {
	return s.update(ctx, func(w *work) error {
		// Only a report about one of the helpdesk's letters, to that
		// address, counts: anyone can write a delivery report.
		_, c, err := w.tx.PostByRef(to.Platform(), strings.Trim(letter, "<> "))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Requester != to {
			return nil
		}
		if err := w.tx.SetReachable(to, false, w.now); err != nil {
			return err
		}
		first, err := w.tx.FirstNotice(UserID(c.Platform+":"), "bounce/"+letter, w.now, IncidentKept)
		if err != nil || !first {
			return err
		}
		if err := w.toThread(c, w.committeeMsg(T("thread.bounced", "who", S(to.Local())))); err != nil {
			return err
		}
		return w.tellStaffOnce(c, "bounce/"+letter, T("dm.bounced", "id", caseRef(c.ID), "who", S(to.Local())))
	})
}
