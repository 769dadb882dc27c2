package shell_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
)

// The shell's own mail platform in these tests, as cmd/helpdesk makes it.
const (
	helpdeskAddress = "helpdesk@helpdesk.test"
	lenaAddress     = "lena@museum.test"
)

// newMailHarness is a shell with its own mail platform: /mail hands mail
// to the mail intake, whose cases go to the shell, and the helpdesk's
// letters are printed, numbered as the shell's posts.
func newMailHarness(t *testing.T) *harness {
	t.Helper()
	var taker *mail.Taker
	h := newHarness(t, "", func(o *shell.Options) {
		o.Mail = func(ctx context.Context, raw []byte) error { return taker.Handle(ctx, raw) }
		o.MailAddress = helpdeskAddress
		o.Outboxes = []string{mail.Platform}
	})
	taker = &mail.Taker{Core: h.svc, Platform: shell.Platform, Read: mail.ReadOptions{
		OwnDomain: "helpdesk.test", OwnAddresses: []string{helpdeskAddress}, Match: h.cat.Match,
	}}
	outlet, err := mail.New(mail.Config{
		From: helpdeskAddress, FromName: "Helpdesk", Clock: h.sh.Clock(), Deliver: h.sh.Letter,
		MessageID: func(key string) string { return h.sh.PostID(key) + "@helpdesk.test" },
	}, h.cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { outlet.Close() })
	h.svc.Attach(mail.Platform, outlet)
	return h
}

// letter is a letter as the transcript shows it.
type letter struct {
	id     string            // the shell's id of it ("m6")
	header map[string]string // the fields shown
	text   string            // its text, lines joined by spaces (as format=flowed joins them)
	raw    string
}

// letters finds the letters to rcpt in a transcript, in order.
func letters(t *testing.T, h *harness, out, lang, rcpt string) []letter {
	t.Helper()
	head := regexp.MustCompile(`^\[(m[0-9.]+)\] ` + regexp.QuoteMeta(h.text(lang, "shell.letter", "who", bot.S(rcpt))) + `$`)
	var found []letter
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := head.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		l := letter{id: m[1], header: map[string]string{}, raw: lines[i] + "\n"}
		inHeader := true
		var text []string
		for i++; i < len(lines) && (lines[i] == "" || strings.HasPrefix(lines[i], indent)); i++ {
			l.raw += lines[i] + "\n"
			line := strings.TrimPrefix(lines[i], indent)
			switch {
			case inHeader && line == "":
				inHeader = false
			case inHeader:
				k, v, _ := strings.Cut(line, ": ")
				l.header[k] = v
			default:
				text = append(text, line)
			}
		}
		i--
		l.text = strings.Join(strings.Fields(strings.Join(text, " ")), " ")
		found = append(found, l)
	}
	return found
}

// flat is a text with its lines joined and spaces collapsed, as a letter's
// text is compared.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

const glasplatar = "Glasplåtar från Örebro"

// lenasRequest is a Swedish request by mail, as a mail program writes it.
const lenasRequest = `/mail
From: Lena Berg <lena@museum.test>
To: helpdesk@helpdesk.test
Subject: Glasplåtar från Örebro
Content-Language: sv

Hej!

Vi har 300 glasplåtar från Örebro som vi vill lägga upp på Wikimedia Commons.

# Det här är ingen kommentar.
/quit är inte heller ett kommando.

Lena Berg
.
`

// A requester's mail opens a case whose card is on the committee channel;
// the helpdesk's letter back prints as a mail in her language, numbered as
// the shell's posts, its Message-ID that number; the committee's question
// is a letter in reply to it; her reply to the question, by its
// Message-ID, is the answer in the case's history.
func TestAMailThroughTheShell(t *testing.T) {
	h := newMailHarness(t)
	out := h.play(lenasRequest)
	wantIn(t, out,
		"rita> /mail\nFrom: Lena Berg <lena@museum.test>\n",
		"\n# Det här är ingen kommentar.\n/quit är inte heller ett kommando.\n",
		h.text("en", "shell.mail.sent", "who", bot.S(lenaAddress)),
	)
	wantBlock(t, out, committee, h.text("en", "card.title", "id", bot.C("#1"), "title", bot.S(glasplatar)))
	if d := h.record(1).Case.Description; !strings.Contains(d, "\n# Det här är ingen kommentar.\n/quit är inte heller ett kommando.\n") {
		t.Errorf("the lines of the mail that look like a comment and a command are not its text: %q", d)
	}
	got := letters(t, h, out, "sv", lenaAddress)
	if len(got) != 1 {
		t.Fatalf("%d letters to lena, want 1", len(got))
	}
	opening := got[0]
	if opening.header["Subject"] != "[#1] "+glasplatar || opening.header["To"] != lenaAddress ||
		opening.header["From"] != "Helpdesk <"+helpdeskAddress+">" || opening.header["Message-ID"] != "<"+opening.id+"@helpdesk.test>" {
		t.Errorf("the opening letter's header: %q (id %s)", opening.header, opening.id)
	}
	if _, ok := opening.header["In-Reply-To"]; ok || len(opening.header) != 4 {
		t.Errorf("the opening letter shows %q", opening.header)
	}
	if want := flat(h.text("sv", "dm.opened.next.mail")); !strings.Contains(opening.text, want) {
		t.Errorf("the opening letter lacks %q:\n%s", want, opening.raw)
	}

	// The committee asks; the question is a letter in reply to the first.
	out = h.play("/as bo\n/helpdesk ask #1 Vilken licens vill ni ge skanningarna?\n")
	got = letters(t, h, out, "sv", lenaAddress)
	if len(got) != 1 {
		t.Fatalf("%d letters to lena, want 1", len(got))
	}
	question := got[0]
	if question.header["In-Reply-To"] != opening.header["Message-ID"] || question.header["Subject"] != "[#1] "+glasplatar {
		t.Errorf("the question's letter: %q", question.header)
	}
	if !strings.Contains(question.raw, "    > Vilken licens vill ni ge skanningarna?\n") {
		t.Errorf("the question is not quoted:\n%s", question.raw)
	}

	// Lena replies to it, by its Message-ID only (no case number in the
	// subject): her answer.
	out = h.play("/mail\nFrom: lena@museum.test\nSubject: Licens\nIn-Reply-To: " + question.header["Message-ID"] + "\n\nCC0, tack.\n.\n")
	wantBlock(t, out, anyThread, h.text("en", "thread.answered", "who", bot.P(bot.Person{Name: "Lena Berg"})), "CC0, tack.")
	found := false
	for _, e := range h.record(1).Events {
		found = found || e.Actor == "mail:"+lenaAddress && e.Text == "CC0, tack."
	}
	if !found {
		t.Errorf("her answer is not in the case's history: %+v", h.record(1).Events)
	}
}

// What /mail hands over is the mail as written, CRLF-ended, with a Date
// (the shell's time) and a Message-ID when it has none; a mail that has
// both is handed over as it is.
func TestMailIsHandedOverAsWritten(t *testing.T) {
	var mu sync.Mutex
	var got [][]byte
	h := newHarness(t, "", func(o *shell.Options) {
		o.Mail = func(_ context.Context, raw []byte) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, raw)
			return nil
		}
	})
	h.play("/mail\nFrom: lena@museum.test\nSubject: Hej\n\nText\n  indented\n.\n" +
		"/mail\nDate: Mon, 2 Mar 2026 10:00:00 +0100\nMessage-ID: <a1@museum.test>\nFrom: lena@museum.test\n\nText\n.\n")
	if len(got) != 2 {
		t.Fatalf("%d mails handed over", len(got))
	}
	added := regexp.MustCompile(`^Date: Mon, 02 Mar 2026 09:00:00 \+0000\r\nMessage-ID: <shell\.[0-9a-f]{24}@museum\.test>\r\n`)
	if !added.Match(got[0]) {
		t.Errorf("no Date and Message-ID added: %q", got[0])
	}
	if rest := added.ReplaceAllString(string(got[0]), ""); rest != "From: lena@museum.test\r\nSubject: Hej\r\n\r\nText\r\n  indented\r\n" {
		t.Errorf("the mail as written: %q", rest)
	}
	if string(got[1]) != "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\nMessage-ID: <a1@museum.test>\r\nFrom: lena@museum.test\r\n\r\nText\r\n" {
		t.Errorf("a whole mail was changed: %q", got[1])
	}
}

// A mail that is no mail is not handed over, and the shell says why in the
// speaker's language; so does a mail the input ends in, and /mail where
// the shell has no mail.
func TestMailThatCannotBeSent(t *testing.T) {
	handed := 0
	h := newHarness(t, "", func(o *shell.Options) {
		o.Mail = func(context.Context, []byte) error { handed++; return nil }
	})
	out := h.play("/mail\nSubject: no sender\n.\n" +
		"/mail\n\nHej, no header\n.\n" +
		"/mail\nFrom: Lena Berg\n <lena@museum.test>\n.\n" +
		"/mail\n.\n" +
		"/mail now\n" +
		"/as rita sv\n/mail\nFrom: lena@museum.test\nSubject: never ended\n")
	wantIn(t, out,
		h.text("en", "shell.mail.from", "field", bot.C("From:"), "example", bot.C("From: Lena Berg <lena@museum.test>")),
		h.text("en", "shell.mail.header", "n", bot.N(1), "line", bot.S("Hej, no header"), "example", bot.C("Subject: …")),
		h.text("en", "shell.mail.empty"),
		h.text("en", "shell.mail.usage"),
		h.text("sv", "shell.mail.unended"),
	)
	if handed != 1 {
		t.Errorf("%d mails handed over, want the one with a continued From", handed)
	}
	off := newHarness(t, "")
	wantIn(t, off.play("/mail\nFrom: lena@museum.test\n.\n"), off.text("en", "shell.mail.off"))
}

// At the terminal /mail says how to write a mail, and the prompt waits
// until it is sent.
func TestInteractiveMail(t *testing.T) {
	h := newHarness(t, "")
	h.sh = shell.New(shell.Options{Catalog: h.cat, Clock: shell.NewClock(t0), Roster: demoRoster(), Out: &h.out, Interactive: true,
		Mail: func(context.Context, []byte) error { return nil }, MailAddress: helpdeskAddress})
	h.svc.Attach(shell.Platform, h.sh)
	out := h.play("/mail\nFrom: lena@museum.test\n\n# text\n.\n")
	start := h.text("en", "shell.mail.start", "address", bot.C(helpdeskAddress), "from", bot.C("From: Lena Berg <lena@museum.test>"), "subject", bot.C("Subject: …"))
	wantIn(t, out, "rita> "+start+"\n"+h.text("en", "shell.mail.sent", "who", bot.S(lenaAddress))+"\nrita> ")
}

// A letter prints as a mail program shows it: its text decoded (base64
// here), the stuffing of format=flowed undone, what could repaint the
// terminal taken out; a letter that is no mail prints as it is.
func TestLetterPrinting(t *testing.T) {
	h := newHarness(t, "")
	body := base64.StdEncoding.EncodeToString([]byte(" From the archive\r\n> quoted\r\nA line that goes on \r\nand ends.\r\n"))
	raw := "From: Helpdesk <helpdesk@helpdesk.test>\r\nTo: lena@museum.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_=1B[2J!?=\r\n" +
		"Message-ID: <helpdesk-x-3@helpdesk.test>\r\nIn-Reply-To: <m1@helpdesk.test>\r\nX-Other: not shown\r\nContent-Language: fr\r\n" +
		"Content-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n"
	if err := h.sh.Letter(context.Background(), lenaAddress, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	want := "[helpdesk-x-3@helpdesk.test] " + h.text("fr", "shell.letter", "who", bot.S(lenaAddress)) + "\n" +
		"    Subject: Grüße !\n" +
		"    From: Helpdesk <helpdesk@helpdesk.test>\n" +
		"    To: lena@museum.test\n" +
		"    Message-ID: <helpdesk-x-3@helpdesk.test>\n" +
		"    In-Reply-To: <m1@helpdesk.test>\n" +
		"\n" +
		"    From the archive\n" +
		"    > quoted\n" +
		"    A line that goes on\n" +
		"    and ends.\n"
	if got := h.out.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
	h.out.Reset()
	if err := h.sh.Letter(context.Background(), lenaAddress, []byte("\x00\x1b[2Jnot a mail")); err != nil {
		t.Fatal(err)
	}
	if got := h.out.String(); bytes.ContainsAny([]byte(got), "\x00\x1b") || !strings.Contains(got, "not a mail") {
		t.Errorf("a letter that is no mail: %q", got)
	}
}
