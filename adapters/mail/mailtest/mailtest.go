// Package mailtest starts real mail servers for tests: Debian's Postfix and
// Dovecot, on 127.0.0.1, from private configurations in the test's
// temporary folder, stopped when the test ends.
//
// # What it models
//
// A small mail site, as the helpdesk meets it in production:
//
//   - Postfix is the site's receiving server (its MX) and its submission
//     server at once: it listens for SMTP on a free loopback port, accepts
//     mail from loopback clients without authentication, and relays it.
//   - Dovecot holds the mailboxes (Options.Mailboxes) of the site's domains
//     (Options.Domains): Postfix hands their mail to Dovecot over LMTP, and
//     a test reads it over IMAP (plain text, no TLS, LOGIN or
//     AUTHENTICATE PLAIN), with IDLE.
//   - Optionally one more domain (Options.LMTPDomain) is routed by Postfix
//     to an LMTP listener of the test's own, such as the bot's
//     (transport_maps: lmtp:inet:HOST:PORT), as a site that runs its own
//     Postfix would do.
//
// No mail leaves the machine. Mail for an address of a held domain that has
// no mailbox is accepted by Postfix and refused by Dovecot at delivery, so
// Postfix sends a bounce (a multipart/report delivery status notification,
// from MAILER-DAEMON@Hostname, with a null return path) to the envelope
// sender, as an MX that does not check recipients at SMTP time would. Mail
// for any other domain is refused at RCPT time (550: default_transport is
// error). Deferred mail is retried two to three seconds later
// (queue_run_delay is one second, the backoff times three and six, not
// Postfix's minutes), so a test whose LMTP listener answers 4xx, or is
// down for a moment, sees Postfix deliver again soon; in_flow_delay and
// smtpd_error_sleep_time are 0 so that a burst of mail is not slowed down
// for the test's sake.
//
// Dovecot tells a client in IDLE of a new message 500 ms after the message
// arrives (NOTIFY_DELAY_MSECS in its source, not a setting): measured here,
// from the start of Submit to EXISTS, 0.51 s; to an LMTP listener's DATA,
// 1 to 25 ms.
//
// # Authentication-Results
//
// Postfix alone verifies neither SPF, DKIM nor DMARC, and neither does this
// harness. What it can do is what the receiving server's own filter does
// with its verdict: put an Authentication-Results header on top of the
// message, above Postfix's own Received header and everything the sender
// wrote. Options.AuthResults maps an
// envelope sender (MAIL FROM) address or domain, or "<>" for the null
// sender, to that header's value, which the test chooses: mail from
// "example.test" may get "mx.helpdesk.test; dmarc=pass
// header.from=example.test", mail from "forger.test" "mx.helpdesk.test;
// dmarc=fail header.from=example.test". Postfix adds it at SMTP time
// (check_sender_access with a PREPEND action), so it is the topmost
// Authentication-Results header of the delivered message, above any the
// sender forged; a sender not in the map gets none. The header's
// authserv-id is whatever the value says; Options.Hostname is the natural
// one.
//
// # How
//
// Start writes main.cf and master.cf (never reading /etc/postfix) and
// dovecot.conf (never reading /etc/dovecot) into t.TempDir(), with that
// folder's own Postfix queue and data directories and Dovecot state
// directory, on free ports that the test process holds (bound, not
// listening) until they stop, so tests and test packages running at once
// share nothing but the binaries. (Postfix binds its port with
// SO_REUSEPORT, so two instances given the same port would both start and
// share its connections: a port found free and let go is not enough.) It
// runs Postfix's master directly in the foreground ("master -s", what
// "postfix start-fg" runs, without the two seconds of checks of "postfix
// start"), logging to its standard output (maillog_file = /dev/stdout:
// Postfix refuses a log file outside /var) into a file in the temporary
// folder, and "dovecot -F".
// Dovecot's sockets live in a short folder of their own under os.TempDir,
// because Unix socket paths are limited to 108 bytes and a test's
// temporary folder can be longer. Postfix's files are dated a minute back:
// Postfix waits until a configuration file is more than a second old
// before reading it. Both servers greet within about 0.1 s of Start; Start
// waits until both do. At the test's end, Postfix is stopped (SIGTERM, a
// few milliseconds) and Dovecot killed with its processes (its master
// sleeps a fixed second when asked to stop); a watchdog stops both if the
// test process dies first, however it dies.
//
// Postfix's master and Dovecot must be started as root (they drop
// privileges per process), so the tests run as root, as CI's .ci/run does;
// mail is stored as the user nobody, since Dovecot refuses to store mail as
// root. Start skips the test, saying why, when the programs (Debian's
// postfix, dovecot-imapd and dovecot-lmtpd) are missing or the test does
// not run as root. When the test fails, both servers' logs are appended to
// the test's log.
package mailtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-smtp"
)

// Options says which mail site Start models.
type Options struct {
	// Domains are the mail domains Dovecot holds mailboxes for, such as
	// "helpdesk.test" and "example.test". The domains of Mailboxes are
	// added to them.
	Domains []string

	// Mailboxes maps each mailbox's address (user@domain, also its IMAP
	// login) to its password.
	Mailboxes map[string]string

	// LMTPDomain, when set, is a domain whose mail Postfix hands over LMTP
	// to LMTPAddr ("127.0.0.1:PORT"), such as the bot's own listener,
	// rather than to Dovecot. It must not be one of Domains.
	LMTPDomain string
	LMTPAddr   string

	// MessageSizeLimit is Postfix's message_size_limit in bytes: larger
	// mail is refused at SMTP time (552 5.3.4). 0 keeps Postfix's default,
	// 10240000.
	MessageSizeLimit int64

	// AuthResults maps an envelope sender address or domain ("<>" for the
	// null sender) to the value of the Authentication-Results header that
	// Postfix puts on top of that sender's mail; see the package
	// documentation.
	AuthResults map[string]string

	// Hostname is Postfix's myhostname: its SMTP greeting, its Received
	// headers, its bounces' sender (MAILER-DAEMON@Hostname). The default
	// is "mx." followed by the first domain.
	Hostname string
}

// Servers are a running Postfix and Dovecot.
type Servers struct {
	t        testing.TB
	opt      Options
	domains  []string
	dir      string // this start's folder, in t.TempDir()
	smtpAddr string // Postfix's smtpd
	imapAddr string // Dovecot's IMAP
	lmtpAddr string // Dovecot's LMTP

	postfix, dovecot *proc
	runDir           string // Dovecot's base_dir, outside t.TempDir()
	releasePorts     func() // lets the ports go, once the servers have stopped
	startup          time.Duration

	stopOnce sync.Once
}

// Message is one message of a mailbox, as IMAP serves it.
type Message struct {
	UID   uint32
	Flags []string
	Raw   []byte // the whole RFC 5322 message, CRLF line ends
}

// Start starts Postfix and Dovecot for the test and stops them when it
// ends; it skips the test when they cannot run here, and fails it when
// they do not start.
func Start(t testing.TB, opt Options) *Servers {
	t.Helper()
	bins, why := findBinaries()
	if why != "" {
		t.Skipf("mailtest: %s: skipping (CI's .ci/run installs Debian's postfix, dovecot-imapd and dovecot-lmtpd)", why)
	}
	if os.Geteuid() != 0 {
		t.Skip("mailtest: Postfix and Dovecot must be started as root (they drop privileges per process): skipping; CI runs the tests as root")
	}
	domains, err := checkOptions(&opt)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}

	top := t.TempDir()
	// The servers' unprivileged processes (postfix, dovecot, nobody) read
	// their maps and write the mailboxes below this folder: let them in.
	for _, d := range []string{filepath.Dir(top), top} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("mailtest: %v", err)
		}
	}

	began := time.Now()
	for attempt := 1; ; attempt++ {
		s := &Servers{t: t, opt: opt, domains: domains, dir: filepath.Join(top, fmt.Sprint(attempt))}
		err := s.start(bins)
		if err == nil {
			s.startup = time.Since(began)
			t.Cleanup(s.stop)
			return s
		}
		logs := s.Logs()
		s.kill()
		// A port reserved is not taken by another bind to port 0, but a
		// program may have asked for it by number: take others and try
		// again.
		if attempt < 3 && strings.Contains(logs, "in use") {
			t.Logf("mailtest: a port was taken meanwhile, starting again: %v", err)
			continue
		}
		t.Fatalf("mailtest: %v\n%s", err, logs)
	}
}

func checkOptions(opt *Options) ([]string, error) {
	seen := map[string]bool{}
	var domains []string
	add := func(d string) error {
		d = strings.ToLower(d)
		if !validDomain(d) {
			return fmt.Errorf("%q is not a domain name", d)
		}
		if !seen[d] {
			seen[d] = true
			domains = append(domains, d)
		}
		return nil
	}
	for _, d := range opt.Domains {
		if err := add(d); err != nil {
			return nil, err
		}
	}
	addrs := make([]string, 0, len(opt.Mailboxes))
	for a := range opt.Mailboxes {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		local, domain, ok := strings.Cut(a, "@")
		if !ok || local == "" || strings.ContainsAny(local, ": \t\r\n\\\"") {
			return nil, fmt.Errorf("mailbox %q is not an address user@domain", a)
		}
		if p := opt.Mailboxes[a]; strings.ContainsAny(p, ":\r\n") {
			return nil, fmt.Errorf("the password of %s has a colon or a line break, which Dovecot's passwd-file cannot hold", a)
		}
		if err := add(domain); err != nil {
			return nil, err
		}
	}
	if len(domains) == 0 && opt.LMTPDomain == "" {
		return nil, errors.New("no domain: give Domains, Mailboxes or LMTPDomain")
	}
	if opt.LMTPDomain != "" {
		opt.LMTPDomain = strings.ToLower(opt.LMTPDomain)
		if !validDomain(opt.LMTPDomain) {
			return nil, fmt.Errorf("LMTPDomain %q is not a domain name", opt.LMTPDomain)
		}
		if seen[opt.LMTPDomain] {
			return nil, fmt.Errorf("LMTPDomain %s is also a domain of Dovecot's", opt.LMTPDomain)
		}
		host, port, err := net.SplitHostPort(opt.LMTPAddr)
		if err != nil || net.ParseIP(host) == nil || port == "" {
			return nil, fmt.Errorf("LMTPAddr %q is not IP:PORT", opt.LMTPAddr)
		}
	} else if opt.LMTPAddr != "" {
		return nil, errors.New("LMTPAddr without LMTPDomain")
	}
	for k, v := range opt.AuthResults {
		if k == "" || strings.ContainsAny(k, " \t\r\n") || strings.ContainsAny(v, "\r\n") || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("AuthResults[%q] = %q: want a sender address or domain and a one-line value", k, v)
		}
	}
	if opt.MessageSizeLimit < 0 {
		return nil, errors.New("MessageSizeLimit is negative")
	}
	if opt.Hostname == "" {
		first := opt.LMTPDomain
		if len(domains) > 0 {
			first = domains[0]
		}
		opt.Hostname = "mx." + first
	}
	if !validDomain(opt.Hostname) {
		return nil, fmt.Errorf("Hostname %q is not a domain name", opt.Hostname)
	}
	return domains, nil
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func (s *Servers) start(bins *binaries) error {
	ports, release, err := reservePorts(3)
	if err != nil {
		return err
	}
	s.releasePorts = release
	s.smtpAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	s.imapAddr = fmt.Sprintf("127.0.0.1:%d", ports[1])
	s.lmtpAddr = fmt.Sprintf("127.0.0.1:%d", ports[2])
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	// Dovecot first: Postfix delivers to it.
	if err := s.startDovecot(bins); err != nil {
		return fmt.Errorf("dovecot: %w", err)
	}
	if err := s.startPostfix(bins); err != nil {
		return fmt.Errorf("postfix: %w", err)
	}
	return nil
}

// stop stops both servers (Postfix first: it delivers to Dovecot), then
// appends their logs to a failed test's log.
func (s *Servers) stop() {
	s.stopOnce.Do(func() {
		var errs []error
		if s.postfix != nil {
			errs = append(errs, s.postfix.stop(5*time.Second))
		}
		if s.dovecot != nil {
			errs = append(errs, s.dovecot.stop(5*time.Second))
		}
		if s.runDir != "" {
			errs = append(errs, os.RemoveAll(s.runDir))
		}
		if s.releasePorts != nil {
			s.releasePorts()
		}
		if err := errors.Join(errs...); err != nil {
			s.t.Errorf("mailtest: stopping the servers: %v", err)
		}
		if s.t.Failed() {
			s.t.Logf("mailtest: the servers' logs:\n%s", s.Logs())
		}
	})
}

// kill stops whatever a failed start left running, without complaint.
func (s *Servers) kill() {
	for _, p := range []*proc{s.postfix, s.dovecot} {
		if p != nil {
			_ = p.stop(time.Second)
		}
	}
	if s.runDir != "" {
		_ = os.RemoveAll(s.runDir)
	}
	if s.releasePorts != nil {
		s.releasePorts()
	}
}

// Logs returns Postfix's and Dovecot's logs so far.
func (s *Servers) Logs() string {
	var b strings.Builder
	for _, f := range []struct{ name, path string }{
		{"postfix", filepath.Join(s.dir, "postfix.log")},
		{"dovecot", filepath.Join(s.dir, "dovecot.log")},
	} {
		data, err := os.ReadFile(f.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		const max = 64 << 10
		if len(data) > max {
			data = append([]byte("[…]"), data[len(data)-max:]...)
		}
		fmt.Fprintf(&b, "--- %s (%s)\n%s", f.name, f.path, data)
		if err != nil {
			fmt.Fprintf(&b, "(%v)\n", err)
		}
	}
	return b.String()
}

// SMTPAddr is Postfix's SMTP address, host:port.
func (s *Servers) SMTPAddr() string { return s.smtpAddr }

// IMAPAddr is Dovecot's IMAP address, host:port (plain text, no TLS).
func (s *Servers) IMAPAddr() string { return s.imapAddr }

// DovecotLMTPAddr is Dovecot's own LMTP address, host:port, to which
// Postfix delivers the held domains' mail; a test may deliver there
// directly, bypassing Postfix.
func (s *Servers) DovecotLMTPAddr() string { return s.lmtpAddr }

// Hostname is Postfix's myhostname (Options.Hostname or its default).
func (s *Servers) Hostname() string { return s.opt.Hostname }

// StartupTime is how long Start took to have both servers greeting.
func (s *Servers) StartupTime() time.Duration { return s.startup }

// Submit sends msg over SMTP to Postfix, with the envelope sender from (""
// for the null sender, as a bounce has) and recipients to. It returns
// Postfix's refusal as an *smtp.SMTPError; nil means Postfix has queued
// the message (250 after DATA), not that it has been delivered.
func (s *Servers) Submit(from string, to []string, msg []byte) error {
	c, err := smtp.Dial(s.smtpAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.mailtest.test"); err != nil {
		return err
	}
	if err := c.SendMail(from, to, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// Login connects to Dovecot's IMAP server and logs in; the client is
// logged out when the test ends, if it has not been before.
func (s *Servers) Login(user, pass string) (*client.Client, error) {
	c, err := client.Dial(s.imapAddr)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pass); err != nil {
		c.Close()
		return nil, fmt.Errorf("IMAP login of %s: %w", user, err)
	}
	s.t.Cleanup(func() {
		select {
		case <-c.LoggedOut():
		default:
			// Bounded: a client stuck in IDLE or on a dead server would
			// otherwise hold the test's end.
			done := make(chan struct{})
			go func() {
				_ = c.Logout()
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(2 * time.Second):
				c.Close()
			}
		}
	})
	return c, nil
}

// WaitMessages logs in as user and waits until the INBOX holds at least n
// messages, then returns all of them in UID order, read without setting
// \Seen. It fails the test (with the servers' logs) if that takes longer
// than timeout, so it must be called from the test's goroutine.
func (s *Servers) WaitMessages(user, pass string, n int, timeout time.Duration) []Message {
	s.t.Helper()
	msgs, err := s.waitMessages(user, pass, n, timeout)
	if err != nil {
		s.t.Fatalf("mailtest: %v\n%s", err, s.Logs())
	}
	return msgs
}

func (s *Servers) waitMessages(user, pass string, n int, timeout time.Duration) ([]Message, error) {
	deadline := time.Now().Add(timeout)
	c, err := s.Login(user, pass)
	if err != nil {
		return nil, err
	}
	defer c.Logout()
	// EXAMINE: read-only, so that reading changes nothing in the mailbox.
	mbox, err := c.Select("INBOX", true)
	if err != nil {
		return nil, err
	}
	count := mbox.Messages
	for int(count) < n {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s's INBOX holds %d messages after %v, want %d", user, count, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
		// NOOP lets Dovecot report new messages (EXISTS), which go-imap
		// counts in the selected mailbox's status.
		if err := c.Noop(); err != nil {
			return nil, err
		}
		count = c.Mailbox().Messages
	}
	seq := new(imap.SeqSet)
	seq.AddRange(1, count)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, count)
	if err := c.Fetch(seq, []imap.FetchItem{imap.FetchUid, imap.FetchFlags, section.FetchItem()}, ch); err != nil {
		return nil, err
	}
	var msgs []Message
	for m := range ch {
		body := m.GetBody(section)
		if body == nil {
			return nil, fmt.Errorf("message %d came without its body", m.SeqNum)
		}
		var raw bytes.Buffer
		if _, err := raw.ReadFrom(body); err != nil {
			return nil, err
		}
		msgs = append(msgs, Message{UID: m.Uid, Flags: m.Flags, Raw: raw.Bytes()})
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].UID < msgs[j].UID })
	return msgs, nil
}
