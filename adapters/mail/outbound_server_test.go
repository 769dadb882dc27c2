package mail_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// submission is an SMTP submission server in the test process, on go-smtp's
// own server: what it says follows RFC 5321 and RFC 4954 as go-smtp does
// (the replies a Postfix gives are in the end-to-end tests of mailtest).
// It records every letter it accepted and lets a test refuse a step with
// the reply a real server gives (the codes are Postfix's: 550 5.1.1 for an
// unknown mailbox, 450 4.2.0 for greylisting, 535 5.7.8 for a failed
// login).
type submission struct {
	t    *testing.T
	addr string
	// certs is the server's certificate pool, for a client to trust.
	certs *x509.CertPool

	mu   sync.Mutex
	got  []letter
	user string
	pass string
	// mechs are the AUTH mechanisms offered; nil offers PLAIN and LOGIN.
	mechs []string
	// authReply, when set, is the refusal of every login.
	authReply *smtp.SMTPError
	// rcpt and data, when set, decide the answer to RCPT and to the end
	// of the letter (nil takes it).
	rcpt func(to string) error
	data func() error
	// sessions counts the connections that said hello.
	sessions int
}

// letter is one letter the server took.
type letter struct {
	From   string
	To     []string
	Data   []byte
	User   string // who logged in, "" for nobody
	TLS    bool
	Helo   string
	Authed bool
}

// tlsMode is how the test server listens.
type tlsMode int

const (
	clearText tlsMode = iota // no TLS at all
	startTLS                 // clear text, STARTTLS offered
	implicitTLS
)

// newSubmission starts a server on a loopback port, stopped at the end of
// the test.
func newSubmission(t *testing.T, mode tlsMode) *submission {
	t.Helper()
	s := &submission{t: t, user: "helpdesk", pass: "s3cret pass-word"}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true // loopback, as a local Postfix allows
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = newTestLogger(t)
	var l net.Listener
	var err error
	switch mode {
	case clearText:
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case startTLS:
		cfg, pool := testCert(t)
		srv.TLSConfig, s.certs = cfg, pool
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case implicitTLS:
		cfg, pool := testCert(t)
		s.certs = pool
		l, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		// Closing the listener too: Close finds none if Serve has not
		// started yet, and Serve would then wait for ever.
		srv.Close()
		l.Close()
		<-done
	})
	return s
}

// letters are the letters taken so far.
func (s *submission) letters() []letter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]letter(nil), s.got...)
}

func (s *submission) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{s: s, conn: c, cur: letter{Helo: c.Hostname()}}, nil
}

type session struct {
	s    *submission
	conn *smtp.Conn
	cur  letter
}

func (ss *session) AuthMechanisms() []string {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.mechs != nil {
		return ss.s.mechs
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		ss.s.mu.Lock()
		defer ss.s.mu.Unlock()
		if ss.s.authReply != nil {
			return ss.s.authReply
		}
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.cur.User, ss.cur.Authed = user, true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	needAuth := ss.s.user != "" && ss.s.mechs == nil
	ss.s.mu.Unlock()
	if needAuth && !ss.cur.Authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	ss.cur.From = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rcpt := ss.s.rcpt
	ss.s.mu.Unlock()
	if rcpt != nil {
		if err := rcpt(to); err != nil {
			return err
		}
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.data != nil {
		if err := ss.s.data(); err != nil {
			return err
		}
	}
	l := ss.cur
	l.Data = b
	_, l.TLS = ss.conn.TLSConnectionState()
	l.Helo = ss.conn.Hostname()
	ss.s.got = append(ss.s.got, l)
	return nil
}

func (ss *session) Reset()        { ss.cur = letter{User: ss.cur.User, Authed: ss.cur.Authed} }
func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (draft-murchison-sasl-login),
// which go-sasl has only as a client: "Username:" unless the client gave
// it at once, then "Password:".
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch {
	case l.step == 0 && response == nil:
		l.step = 1
		return []byte("Username:"), false, nil
	case l.step <= 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(response))
}

// testCert is a certificate for 127.0.0.1, made for the test, and a pool
// that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// testLogger sends the server's complaints to the test's log while the
// test runs; a connection the server is still closing after the test ended
// must not write to it.
type testLogger struct {
	t    *testing.T
	mu   *sync.Mutex
	done *bool
}

func newTestLogger(t *testing.T) testLogger {
	l := testLogger{t: t, mu: &sync.Mutex{}, done: new(bool)}
	t.Cleanup(func() { l.mu.Lock(); *l.done = true; l.mu.Unlock() })
	return l
}

func (l testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !*l.done {
		l.t.Logf(format, v...)
	}
}

func (l testLogger) Println(v ...any) { l.Printf("%s", fmt.Sprintln(v...)) }

// refuse is an SMTP reply for a test to give.
func refuse(code int, enh smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}
