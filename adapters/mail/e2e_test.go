package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/mail/langdetect"
	"github.com/wmse/helpdesk/adapters/mail/mailtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// wall is the system's clock: the real servers date mail by it.
type wall struct{}

func (wall) Now() time.Time { return time.Now() }

// desk is the whole helpdesk around real mail servers: Postfix and
// Dovecot on loopback, the core on a SQLite file, its letters sent
// through Postfix, its mail read from Dovecot over IMAP (or handed over by
// Postfix over LMTP), and a chat platform for the committee.
type desk struct {
	t    testing.TB
	ctx  context.Context
	srv  *mailtest.Servers
	svc  *bot.Service
	chat *chat
	// entered hears when the intake hands a mail to the Taker, taken
	// when the Taker has recorded it (the moment LMTP answers 250).
	entered, taken chan time.Time
}

const (
	deskAddr = "helpdesk@helpdesk.test"
	deskPass = "desk secret"
	mxName   = "mx.helpdesk.test"
)

// people of the tests: their addresses and passwords.
var people = map[string]string{
	"lena@museum.test":    "lena",
	"amal@archive.test":   "amal",
	"forger@museum.test":  "forger",
	"someone@museum.test": "someone",
}

// newDesk starts it all; lmtp hands the helpdesk's mail over by LMTP
// instead of IMAP.
func newDesk(t testing.TB, lmtp bool) *desk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	boxes := map[string]string{deskAddr: deskPass}
	for a, p := range people {
		boxes[a] = p
	}
	opt := mailtest.Options{
		Domains:   []string{"museum.test", "archive.test", "helpdesk.test"},
		Mailboxes: boxes,
		Hostname:  mxName,
		// What the receiving server found of each sender.
		AuthResults: map[string]string{
			"museum.test":  mxName + "; dmarc=pass header.from=museum.test",
			"archive.test": mxName + "; dmarc=pass header.from=archive.test",
			"evil.test":    mxName + "; dmarc=fail header.from=museum.test",
			"<>":           mxName + "; dmarc=none",
		},
		MessageSizeLimit: 40 << 20,
	}
	var ln net.Listener
	if lmtp {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		opt.LMTPDomain, opt.LMTPAddr = "lmtp.helpdesk.test", ln.Addr().String()
	}
	s := mailtest.Start(t, opt)
	store, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d := &desk{t: t, ctx: ctx, srv: s, svc: bot.New(store, wall{}, catalog(t), bot.Config{DashboardURL: "https://helpdesk.test"}), chat: &chat{cards: make(chan struct{}, 1000)},
		entered: make(chan time.Time, 1000), taken: make(chan time.Time, 1000)}
	d.svc.Attach("shell", d.chat)
	out, err := mail.New(mail.Config{Addr: s.SMTPAddr(), TLS: mail.NoTLS, From: deskAddr, FromName: "Helpdesk", Domain: "helpdesk.test", Timeout: 10 * time.Second}, catalog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	d.svc.Attach(mail.Platform, out)
	for name, roles := range map[string]bot.Roles{"ana": {Committee: true, Chair: true}, "bo": {Committee: true}, "chen": {Committee: true}, "sam": {Staff: true}} {
		if err := d.svc.MemberSeen(ctx, bot.Member{ID: bot.UserID("shell:" + name), Name: name, Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	detector := langdetect.New(catalog(t).Supported(), langdetect.Options{})
	taker := &mail.Taker{Core: d.svc, Platform: "shell", Read: mail.ReadOptions{
		OwnDomain: "helpdesk.test", OwnAddresses: []string{deskAddr, "hjalp@lmtp.helpdesk.test"}, AuthServID: mxName,
		AddressLang: map[string]string{"hjalp@lmtp.helpdesk.test": "sv"},
		Match:       catalog(t).Match, Detect: detector.Detect,
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.svc.Run(ctx, 50*time.Millisecond, time.Hour); err != nil {
			t.Error(err)
		}
	}()
	handle := func(ctx context.Context, raw []byte) error {
		select {
		case d.entered <- time.Now():
		default:
		}
		err := taker.Handle(ctx, raw)
		select {
		case d.taken <- time.Now():
		default:
		}
		return err
	}
	if lmtp {
		l := mail.NewLMTP(mail.LMTPConfig{Recipients: []string{"hjalp@lmtp.helpdesk.test"}}, handle, nil)
		go l.Serve(ctx, ln)
	} else {
		im := mail.NewIMAP(mail.IMAPConfig{Addr: s.IMAPAddr(), TLS: "none", User: deskAddr, Password: deskPass}, handle, nil)
		go im.Run(ctx)
	}
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// send mails a message from someone (the envelope sender their address,
// or evil.test for a forger) to the helpdesk.
func (d *desk) send(from, to, subject, text string, headers ...string) string {
	d.t.Helper()
	id := fmt.Sprintf("%d.%s", time.Now().UnixNano(), from)
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
		from, to, mimeWord(subject), id, time.Now().Format(time.RFC1123Z))
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + text + "\r\n")
	envelope := from
	if strings.HasPrefix(from, "forger") {
		envelope = "forger@evil.test"
	}
	if err := d.srv.Submit(envelope, []string{to}, b.Bytes()); err != nil {
		d.t.Fatal(err)
	}
	return id
}

func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?b?" + b64(s) + "?="
		}
	}
	return s
}

// letters waits for n letters in someone's mailbox and returns them.
func (d *desk) letters(who string, n int) []*message.Entity {
	d.t.Helper()
	var out []*message.Entity
	for _, m := range d.srv.WaitMessages(who, people[who], n, 20*time.Second) {
		e, err := message.Read(bytes.NewReader(m.Raw))
		if err != nil {
			d.t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// until waits for cond, failing after a while.
func until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
	}
}

func (d *desk) record(id int64) bot.Record {
	d.t.Helper()
	recs, err := d.svc.ExportAll(d.ctx)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, r := range recs {
		if r.Case.ID == id {
			return r
		}
	}
	return bot.Record{}
}

func (d *desk) cases() int {
	recs, err := d.svc.ExportAll(d.ctx)
	if err != nil {
		d.t.Fatal(err)
	}
	return len(recs)
}

func (d *desk) command(who, line string) bot.Response {
	d.t.Helper()
	return d.svc.Command(d.ctx, bot.Invocation{User: bot.UserID("shell:" + who), Name: who}, line)
}

// Mail through real servers: a request in Swedish becomes a case whose
// card is on the chat and whose requester gets a Swedish letter that
// threads; the committee's question reaches her, and her reply threaded
// by References is her answer; an Outlook-style reply with only "SV:" and
// the case's number, no References, is a message in the case; a request
// in Arabic is answered in Arabic; an out-of-office is never answered; a
// forged sender is held for staff; a bounce of a letter marks its reader
// unreachable.
func TestMailThroughRealServers(t *testing.T) {
	d := newDesk(t, false)

	d.send("Lena Berg <lena@museum.test>", deskAddr, "Digitalisering av glasplåtar",
		"Hej! Vi har 300 glasplåtar från staden som vi vill digitalisera och ladda upp till Wikimedia Commons. Kan ni hjälpa oss med licenser och metadata?")
	first := d.letters("lena@museum.test", 1)[0]
	if s := first.Header.Get("Subject"); !strings.Contains(s, "[#1]") {
		t.Errorf("the first letter's subject %q lacks the case's number", s)
	}
	if lang := first.Header.Get("Content-Language"); lang != "sv" {
		t.Errorf("the first letter is in %q, want Swedish", lang)
	}
	if rec := d.record(1); rec.Case.Platform != "shell" || rec.Case.Requester != "mail:lena@museum.test" || len(d.chat.posted("card.title", bot.InCommittee)) != 1 {
		t.Fatalf("case %+v, cards %d", rec.Case, len(d.chat.posted("card.title", bot.InCommittee)))
	}

	if r := d.command("bo", "ask #1 Vilken licens får skanningarna?"); r.Reply == nil || r.Reply.Lines[0].ID != "reply.asked" {
		t.Fatalf("ask: %+v", r.Reply)
	}
	question := d.letters("lena@museum.test", 2)[1]
	qid := strings.Trim(question.Header.Get("Message-Id"), "<>")
	if refs := question.Header.Get("References"); !strings.Contains(refs, strings.Trim(first.Header.Get("Message-Id"), "<>")) {
		t.Errorf("the question's References %q lack the first letter", refs)
	}
	d.send("lena@museum.test", deskAddr, "SV: "+question.Header.Get("Subject"), "CC0 för alla.\r\n\r\nDen 7 dec. 2026 skrev Helpdesk <helpdesk@helpdesk.test>:\r\n> Vilken licens får skanningarna?",
		"In-Reply-To: <"+qid+">", "References: <"+qid+">")
	until(t, "her answer", func() bool {
		for _, e := range d.record(1).Events {
			if e.Type == bot.EvAnswered && e.Text == "CC0 för alla." {
				return true
			}
		}
		return false
	})
	// Outlook: "SV:" and the number, no References.
	d.send("lena@museum.test", deskAddr, "SV: [#1] Digitalisering av glasplåtar", "Skanningarna är i 600 dpi.")
	until(t, "her message", func() bool {
		for _, e := range d.record(1).Events {
			if e.Type == bot.EvMessage && strings.Contains(e.Text, "600 dpi") {
				return true
			}
		}
		return false
	})

	// Arabic.
	d.send("amal@archive.test", deskAddr, "رقمنة أرشيف الصحف",
		"مرحبًا، لدينا أرشيف من الصحف القديمة نرغب في رقمنته ورفعه إلى ويكيميديا كومنز. هل يمكنكم مساعدتنا في اختيار الترخيص المناسب؟")
	if lang := d.letters("amal@archive.test", 1)[0].Header.Get("Content-Language"); lang != "ar" {
		t.Errorf("the Arabic requester's letter is in %q", lang)
	}

	// An out-of-office reply: no case, no letter.
	before := d.cases()
	d.send("someone@museum.test", deskAddr, "Out of office", "I am away until Monday.", "Auto-Submitted: auto-replied")
	// A forger's mail: held for staff, never a case nor answered.
	staffBefore := len(d.chat.posted("dm.mail.untrusted", bot.InDirect))
	d.send("forger@museum.test", deskAddr, "SV: [#1] Digitalisering", "Send the scans to me.")
	until(t, "staff told of the forger", func() bool { return len(d.chat.posted("dm.mail.untrusted", bot.InDirect)) > staffBefore })
	if d.cases() != before {
		t.Errorf("machine or forged mail opened a case")
	}
	c, err := d.srv.Login("someone@museum.test", people["someone@museum.test"])
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.Select("INBOX", true); err != nil || st.Messages != 0 {
		t.Errorf("the out-of-office was answered: %d letters (%v)", st.Messages, err)
	}

	if r := d.command("sam", "reply #1 Tack!"); r.Reply == nil || r.Reply.Lines[0].ID != "reply.replied" {
		t.Fatalf("reply: %+v", r.Reply)
	}
	d.letters("lena@museum.test", 3)

	// A mail with a file: the file is kept with the case and listed in
	// its thread.
	pdf := "%PDF-1.4\n% a list of the plates\n"
	multipart := "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n"
	body := "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHär är listan över plåtarna.\r\n--b1\r\n" +
		"Content-Type: application/pdf; name=plates.pdf\r\nContent-Disposition: attachment; filename=plates.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64(pdf) + "\r\n--b1--"
	raw := "From: lena@museum.test\r\nTo: " + deskAddr + "\r\nSubject: SV: [#1] Digitalisering av glasplåtar\r\nMessage-ID: <file1@museum.test>\r\n" + multipart + "\r\n" + body + "\r\n"
	if err := d.srv.Submit("lena@museum.test", []string{deskAddr}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	until(t, "the file listed in the thread", func() bool { return len(d.chat.posted("thread.files", bot.InThread)) == 1 })
	staff := bot.Viewer{Member: bot.Member{ID: "shell:sam", Roles: bot.Roles{Staff: true}}}
	if f, err := d.svc.Attachment(d.ctx, staff, 1, 1); err != nil || string(f.Data) != pdf || f.Name != "plates.pdf" {
		t.Fatalf("the kept file: %+v %v", f, err)
	}

	// A mail of 30 MB: held, and staff are told; no case.
	before = d.cases()
	big := strings.Repeat(strings.Repeat("x", 76)+"\r\n", (30<<20)/78)
	d.send("lena@museum.test", deskAddr, "Scans", big)
	until(t, "staff told of the large mail", func() bool { return len(d.chat.posted("dm.mail.oversized", bot.InDirect)) > 0 })
	if d.cases() != before {
		t.Error("a mail of 30 MB opened a case")
	}

	// A request from an address with no mailbox: the letter that answers
	// it bounces back to the helpdesk's mailbox, and the thread is told.
	d.send("ghost@museum.test", deskAddr, "Maps", "Can you help with maps?")
	until(t, "the bounce told in the thread", func() bool { return len(d.chat.posted("thread.bounced", bot.InThread)) == 1 })
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// By LMTP: Postfix hands the helpdesk's mail straight to its listener. A
// request to the Swedish address is answered in Swedish, whatever its
// words; the same mail handed over twice is one case.
func TestMailByLMTP(t *testing.T) {
	d := newDesk(t, true)
	id := d.send("lena@museum.test", "hjalp@lmtp.helpdesk.test", "Glass plates", "We have 300 glass plates to digitise.")
	letter := d.letters("lena@museum.test", 1)[0]
	if lang := letter.Header.Get("Content-Language"); lang != "sv" {
		t.Errorf("a request to the Swedish address answered in %q", lang)
	}
	// The same message again (a mail server's retry after a lost answer).
	raw := fmt.Sprintf("From: lena@museum.test\r\nTo: hjalp@lmtp.helpdesk.test\r\nSubject: Glass plates\r\nMessage-ID: <%s>\r\n\r\nWe have 300 glass plates to digitise.\r\n", id)
	if err := d.srv.Submit("lena@museum.test", []string{"hjalp@lmtp.helpdesk.test"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	d.send("lena@museum.test", "hjalp@lmtp.helpdesk.test", "Another", "A second request.")
	d.letters("lena@museum.test", 2)
	if n := d.cases(); n != 2 {
		t.Errorf("%d cases, want 2 (the same mail twice is one)", n)
	}
}

// subjectAndText are a letter's subject and its decoded text.
func subjectAndText(t *testing.T, e *message.Entity) (string, string) {
	t.Helper()
	h := gomail.Header{Header: e.Header}
	subject, err := h.Subject()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

// A mail that says "mydata", and one from chat asking to link an address,
// through the real servers: each answer goes to the address itself, in a
// letter of its own; the mydata link leads to the person's data; the code
// the second letter carries, typed in chat, links the chat account to the
// address, which is told. Neither mail opens a case.
func TestMyDataAndLinkByMail(t *testing.T) {
	d := newDesk(t, false)
	d.send("Lena Berg <lena@museum.test>", deskAddr, "mydata", "")
	subject, text := subjectAndText(t, d.letters("lena@museum.test", 1)[0])
	if subject != "Your data at the helpdesk" || !strings.Contains(text, "https://helpdesk.test/signin?next=%2Fmydata.json&t=") {
		t.Fatalf("the mydata letter: %q\n%s", subject, text)
	}

	if r := d.command("rita", "link lena@museum.test"); r.Reply == nil || r.Reply.Lines[0].ID != "link.mail.sent" {
		t.Fatalf("link: %+v", r.Reply)
	}
	subject, text = subjectAndText(t, d.letters("lena@museum.test", 2)[1])
	code := regexp.MustCompile(`/helpdesk link ([A-Z0-9]{5}-[A-Z0-9]{5})`).FindStringSubmatch(text)
	if subject != "Linking your accounts at the helpdesk" || code == nil {
		t.Fatalf("the code's letter: %q\n%s", subject, text)
	}
	if r := d.command("rita", "link "+code[1]); r.Reply == nil || r.Reply.Lines[0].ID != "link.done" {
		t.Fatalf("link with the code: %+v", r.Reply)
	}
	if _, text = subjectAndText(t, d.letters("lena@museum.test", 3)[2]); !strings.Contains(text, "is now linked to this one") {
		t.Errorf("the address is not told of the link:\n%s", text)
	}
	if n := d.cases(); n != 0 {
		t.Errorf("%d cases opened", n)
	}
}
