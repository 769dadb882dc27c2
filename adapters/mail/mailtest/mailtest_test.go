package mailtest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/wmse/helpdesk/adapters/mail/mailtest"
)

const (
	helpdesk   = "helpdesk@helpdesk.test"
	helpdeskPw = "helpdesk-secret"
	alice      = "alice@example.test"
	alicePw    = "alice-secret"
)

func site() mailtest.Options {
	return mailtest.Options{
		Domains:   []string{"helpdesk.test", "example.test"},
		Mailboxes: map[string]string{helpdesk: helpdeskPw, alice: alicePw},
	}
}

// A Swedish request with a PDF goes in by SMTP and comes out of IMAP byte
// for byte, its subject encoded on the way (RFC 2047) and decoded after.
func TestSubmittedMailIsReadBackIntact(t *testing.T) {
	t.Parallel()
	s := mailtest.Start(t, site())
	t.Logf("Postfix and Dovecot greeting %v after Start began", s.StartupTime())

	subject := "Ärende: bilder från Örebro läns museum – får vi ladda upp dem?"
	body := "Hej!\r\n\r\nVi har 1 200 fotografier från 1900-talets Örebro. Går det att ladda upp dem till Commons?\r\n\r\nMed vänliga hälsningar\r\nÅsa\r\n"
	pdf := fakePDF()
	msg := writeMail(t, subject, body, "förteckning över bilder.pdf", pdf)
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !isASCII(head) || !bytes.Contains(head, []byte("Subject: =?utf-8?")) {
		t.Fatalf("the message's header is not RFC 2047-encoded ASCII:\n%s", head)
	}

	if err := s.Submit(alice, []string{helpdesk}, msg); err != nil {
		t.Fatal(err)
	}
	got := s.WaitMessages(helpdesk, helpdeskPw, 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1", len(got))
	}
	raw := got[0].Raw
	// Postfix and Dovecot add their trace headers on top, and nothing else.
	if !bytes.HasSuffix(raw, msg) {
		t.Fatalf("the message read back does not end with the one submitted:\n%s", raw)
	}
	added := string(raw[:len(raw)-len(msg)])
	for _, h := range []string{"Return-Path: <" + alice + ">", "Delivered-To: " + helpdesk, "Received: from client.mailtest.test"} {
		if !strings.Contains(added, h) {
			t.Errorf("the headers the servers added lack %q:\n%s", h, added)
		}
	}
	if slices.Contains(got[0].Flags, `\Seen`) {
		t.Errorf("reading the message marked it seen: %v", got[0].Flags)
	}

	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if subj, err := r.Header.Subject(); err != nil || subj != subject {
		t.Errorf("subject %q (%v), want %q", subj, err, subject)
	}
	var text string
	var attachments int
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			text = string(data)
		case *mail.AttachmentHeader:
			attachments++
			name, err := h.Filename()
			if err != nil || name != "förteckning över bilder.pdf" {
				t.Errorf("attachment's name %q (%v)", name, err)
			}
			if ct, _, _ := h.ContentType(); ct != "application/pdf" {
				t.Errorf("attachment's type %q", ct)
			}
			if !bytes.Equal(data, pdf) {
				t.Errorf("the PDF came back as %d different bytes, want %d", len(data), len(pdf))
			}
		}
	}
	if text != body {
		t.Errorf("text %q, want %q", text, body)
	}
	if attachments != 1 {
		t.Errorf("%d attachments, want 1", attachments)
	}
}

// A client in IDLE hears of a new mail without asking: the latency, from
// the start of Submit to Dovecot's EXISTS, is logged.
func TestIdleSeesNewMail(t *testing.T) {
	t.Parallel()
	s := mailtest.Start(t, site())
	t.Logf("Postfix and Dovecot greeting %v after Start began", s.StartupTime())

	c, err := s.Login(helpdesk, helpdeskPw)
	if err != nil {
		t.Fatal(err)
	}
	updates := make(chan client.Update, 64)
	c.Updates = updates
	if _, err := c.Select("INBOX", false); err != nil {
		t.Fatal(err)
	}
	for len(updates) > 0 { // SELECT's untagged OKs
		<-updates
	}

	// As a mail client does: IDLE until the server says something, then
	// leave IDLE to look (and to read what go-imap recorded without racing
	// its reader), then IDLE again.
	const n = 3
	var latencies []time.Duration
	for i := 1; i <= n; i++ {
		stop := make(chan struct{})
		idled := make(chan error, 1)
		go func() { idled <- c.Idle(stop, nil) }()
		time.Sleep(50 * time.Millisecond) // for IDLE to be on the wire

		msg := plainMail(fmt.Sprintf("idle.%d@example.test", i), fmt.Sprintf("Fråga %d", i), "Hej!\r\n")
		sent := time.Now()
		if err := s.Submit(alice, []string{helpdesk}, msg); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case u := <-updates:
				if _, ok := u.(*client.MailboxUpdate); ok { // EXISTS
					latencies = append(latencies, time.Since(sent))
					break wait
				}
			case err := <-idled:
				t.Fatalf("IDLE ended: %v", err)
			case <-timeout:
				t.Fatalf("no EXISTS in IDLE within 10 s of mail %d\n%s", i, s.Logs())
			}
		}
		close(stop)
		if err := <-idled; err != nil {
			t.Fatalf("IDLE: %v", err)
		}
		for len(updates) > 0 {
			<-updates
		}
		if got := c.Mailbox().Messages; got != uint32(i) {
			t.Fatalf("after mail %d, the INBOX holds %d messages", i, got)
		}
	}
	slices.Sort(latencies)
	t.Logf("IDLE latency, from Submit's start to EXISTS, %d mails: min %v, median %v, max %v",
		n, latencies[0].Round(time.Millisecond), latencies[n/2].Round(time.Millisecond), latencies[n-1].Round(time.Millisecond))
}

// Mail for the LMTP-routed domain reaches the test's own LMTP server, with
// its envelope, with the harness's Authentication-Results on top of any
// the sender wrote; mail the LMTP server defers comes again within seconds.
func TestLMTPDomainReachesOwnListener(t *testing.T) {
	t.Parallel()
	lmtp := startLMTP(t)
	opt := mailtest.Options{
		Domains:    []string{"example.test"},
		Mailboxes:  map[string]string{alice: alicePw},
		LMTPDomain: "helpdesk.test",
		LMTPAddr:   lmtp.addr,
		Hostname:   "mx.helpdesk.test",
		AuthResults: map[string]string{
			"example.test": "mx.helpdesk.test; dmarc=pass (p=none) header.from=example.test",
			"forger.test":  "mx.helpdesk.test; dmarc=fail (p=reject) header.from=example.test",
		},
	}
	s := mailtest.Start(t, opt)

	forgedAR := "Authentication-Results: mx.helpdesk.test; dmarc=pass header.from=example.test\r\n"
	cases := []struct {
		from, wantAR string
	}{
		{alice, "Authentication-Results: " + opt.AuthResults["example.test"]},
		{"mallory@forger.test", "Authentication-Results: " + opt.AuthResults["forger.test"]},
	}
	for i, c := range cases {
		msg := append([]byte(forgedAR), plainMail(fmt.Sprintf("lmtp.%d@example.test", i), "Begäran", "Hej!\r\n")...)
		sent := time.Now()
		if err := s.Submit(c.from, []string{"Helpdesk+sv@helpdesk.test"}, msg); err != nil {
			t.Fatal(err)
		}
		d := lmtp.next(t, s)
		t.Logf("LMTP delivery %d, from Submit's start to the listener's DATA: %v", i, d.at.Sub(sent).Round(100*time.Microsecond))
		if d.from != c.from || !slices.Equal(d.rcpts, []string{"Helpdesk+sv@helpdesk.test"}) {
			t.Errorf("envelope %s → %v, want %s → [Helpdesk+sv@helpdesk.test]", d.from, d.rcpts, c.from)
		}
		if !bytes.HasSuffix(d.data, msg) {
			t.Errorf("the listener got a message that does not end with the one submitted:\n%s", d.data)
		}
		if ar := firstHeader(d.data, "Authentication-Results"); ar != c.wantAR {
			t.Errorf("topmost Authentication-Results %q, want %q", ar, c.wantAR)
		}
	}

	// A sender the map does not name gets no header from the harness.
	msg := plainMail("lmtp.none@example.test", "Hej", "Hej!\r\n")
	if err := s.Submit("someone@elsewhere.test", []string{"helpdesk@helpdesk.test"}, msg); err != nil {
		t.Fatal(err)
	}
	if d := lmtp.next(t, s); bytes.Contains(d.data, []byte("Authentication-Results")) {
		t.Errorf("mail from an unmapped sender got an Authentication-Results header:\n%s", d.data)
	}

	// The listener defers once (451); Postfix tries again soon.
	lmtp.deferNext()
	msg = plainMail("lmtp.retry@example.test", "Igen", "Hej!\r\n")
	if err := s.Submit(alice, []string{"helpdesk@helpdesk.test"}, msg); err != nil {
		t.Fatal(err)
	}
	accepted := time.Now()
	d := lmtp.next(t, s)
	if !bytes.HasSuffix(d.data, msg) || d.attempt != 2 {
		t.Fatalf("after a 451, delivery attempt %d of\n%s", d.attempt, d.data)
	}
	t.Logf("a deferred mail was delivered again %v after Postfix's 250", d.at.Sub(accepted).Round(time.Millisecond))
}

// Postfix refuses a mail larger than message_size_limit at SMTP time.
func TestMessageSizeLimit(t *testing.T) {
	t.Parallel()
	opt := site()
	opt.MessageSizeLimit = 64 << 10
	s := mailtest.Start(t, opt)

	big := plainMail("big@example.test", "Stor", strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", 2<<10))
	err := s.Submit(alice, []string{helpdesk}, big)
	var serr *smtp.SMTPError
	if !errors.As(err, &serr) || serr.Code != 552 || serr.EnhancedCode != (smtp.EnhancedCode{5, 3, 4}) {
		t.Fatalf("submitting %d bytes over a limit of %d: %v, want 552 5.3.4", len(big), opt.MessageSizeLimit, err)
	}
	t.Logf("refused: %v", err)
	small := plainMail("small@example.test", "Liten", "Hej!\r\n")
	if err := s.Submit(alice, []string{helpdesk}, small); err != nil {
		t.Fatal(err)
	}
	s.WaitMessages(helpdesk, helpdeskPw, 1, 10*time.Second)
}

// Mail to a held domain's unknown user comes back to its sender as a
// delivery report from MAILER-DAEMON; mail to a domain nobody holds is
// refused at once.
func TestUndeliverableMail(t *testing.T) {
	t.Parallel()
	s := mailtest.Start(t, site())
	err := s.Submit(helpdesk, []string{"someone@elsewhere.test"}, plainMail("away@helpdesk.test", "Svar", "Hej!\r\n"))
	var serr *smtp.SMTPError
	if !errors.As(err, &serr) || serr.Code != 550 {
		t.Errorf("mail to another domain: %v, want 550", err)
	}
	if err := s.Submit(helpdesk, []string{"nobody@example.test"}, plainMail("bounce@helpdesk.test", "Svar", "Hej!\r\n")); err != nil {
		t.Fatal(err)
	}
	got := s.WaitMessages(helpdesk, helpdeskPw, 1, 10*time.Second)
	r, err := mail.CreateReader(bytes.NewReader(got[0].Raw))
	if err != nil {
		t.Fatal(err)
	}
	ct, params, _ := r.Header.ContentType()
	from, _ := r.Header.AddressList("From")
	if ct != "multipart/report" || params["report-type"] != "delivery-status" ||
		r.Header.Get("Return-Path") != "<>" || len(from) != 1 || from[0].Address != "MAILER-DAEMON@mx.helpdesk.test" {
		t.Errorf("not a bounce: %s; %v; Return-Path %q; From %v", ct, params, r.Header.Get("Return-Path"), from)
	}
	if !bytes.Contains(got[0].Raw, []byte("<nobody@example.test>")) || !bytes.Contains(got[0].Raw, []byte("Message-Id: <bounce@helpdesk.test>")) {
		t.Errorf("the bounce names neither the address nor the mail:\n%s", got[0].Raw)
	}
	if len(got) != 1 {
		t.Errorf("%d messages, want the bounce only", len(got))
	}
}

// writeMail writes a multipart message with go-message: a text and an
// attachment.
func writeMail(t *testing.T, subject, body, filename string, attachment []byte) []byte {
	t.Helper()
	var h mail.Header
	h.SetDate(time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600)))
	h.SetAddressList("From", []*mail.Address{{Name: "Åsa Öberg", Address: alice}})
	h.SetAddressList("To", []*mail.Address{{Name: "Helpdesk", Address: helpdesk}})
	h.SetSubject(subject)
	h.SetMessageID("roundtrip.1@example.test")
	var buf bytes.Buffer
	mw, err := mail.CreateWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	tw, err := mw.CreateInline()
	if err != nil {
		t.Fatal(err)
	}
	var th mail.InlineHeader
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	w, err := tw.CreatePart(th)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, body)
	w.Close()
	tw.Close()
	var ah mail.AttachmentHeader
	ah.SetContentType("application/pdf", nil)
	ah.SetFilename(filename)
	w, err = mw.CreateAttachment(ah)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(attachment)
	w.Close()
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// plainMail is a small text message, its subject encoded per RFC 2047.
func plainMail(id, subject, body string) []byte {
	var h mail.Header
	h.SetDate(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC))
	h.SetAddressList("From", []*mail.Address{{Address: alice}})
	h.SetAddressList("To", []*mail.Address{{Address: helpdesk}})
	h.SetSubject(subject)
	h.SetMessageID(id)
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var buf bytes.Buffer
	w, err := mail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		panic(err)
	}
	io.WriteString(w, body)
	w.Close()
	return buf.Bytes()
}

// fakePDF is a PDF's outline with every byte value in it, so that a
// transfer encoding that loses one shows.
func fakePDF() []byte {
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 256 >>\nstream\n")
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, "\nendstream\nendobj\n%%EOF\n"...)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// firstHeader is the topmost field named name, unfolded, as "Name: value".
func firstHeader(msg []byte, name string) string {
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, name) {
			for _, cont := range lines[i+1:] {
				if cont == "" || (cont[0] != ' ' && cont[0] != '\t') {
					break
				}
				l += cont
			}
			return l
		}
	}
	return ""
}

// lmtpServer is a go-smtp LMTP server standing in for the bot's listener.
type lmtpServer struct {
	addr       string
	deliveries chan delivery
	mu         sync.Mutex
	deferring  bool
	attempts   map[string]int // by Message-Id
}

type delivery struct {
	from    string
	rcpts   []string
	data    []byte
	at      time.Time
	attempt int
}

func startLMTP(t *testing.T) *lmtpServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ls := &lmtpServer{addr: l.Addr().String(), deliveries: make(chan delivery, 16), attempts: map[string]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &lmtpSession{s: ls}, nil
	}))
	srv.LMTP = true
	srv.Domain = "bot.helpdesk.test"
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ls
}

func (ls *lmtpServer) deferNext() {
	ls.mu.Lock()
	ls.deferring = true
	ls.mu.Unlock()
}

func (ls *lmtpServer) next(t *testing.T, s *mailtest.Servers) delivery {
	t.Helper()
	select {
	case d := <-ls.deliveries:
		return d
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing reached the LMTP listener within 10 s\n%s", s.Logs())
		return delivery{}
	}
}

type lmtpSession struct {
	s     *lmtpServer
	from  string
	rcpts []string
}

func (ss *lmtpSession) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *lmtpSession) Logout() error { return nil }
func (ss *lmtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *lmtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}
func (ss *lmtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	at := time.Now()
	m, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	id, _ := m.Header.MessageID()
	ss.s.mu.Lock()
	ss.s.attempts[id]++
	attempt := ss.s.attempts[id]
	deferring := ss.s.deferring
	ss.s.deferring = false
	ss.s.mu.Unlock()
	if deferring {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailtest: not now"}
	}
	ss.s.deliveries <- delivery{from: ss.from, rcpts: slices.Clone(ss.rcpts), data: data, at: at, attempt: attempt}
	return nil
}
