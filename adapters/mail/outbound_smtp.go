package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wmse/helpdesk/bot"
)

// SendError is a letter the submission server did not take, or could not
// be given. It wraps bot.ErrUnreachable when the server refused the
// recipient or the letter for good (a 5xx to RCPT or to the letter, other
// than one that says the helpdesk itself is at fault): the outbox gives the
// letter up, marks the person unreachable and shows staff the letter.
// Anything else passes: a 4xx, a network failure, a timeout, and a refusal
// of the helpdesk's own login or sender — a configuration that the
// operators mend, after which the outbox's retries deliver what waited
// (about five hours of them). Its text never holds the password.
type SendError struct {
	// Step is what the Outlet was doing: "connect", "tls", "hello",
	// "login", "sender", "recipient" or "letter".
	Step string
	// Code is the server's reply code (550), zero when it gave none.
	Code int
	// Enhanced is the server's RFC 3463 status (5.1.1), zero when none.
	Enhanced [3]int
	// Text is what the server said, or the network's failure.
	Text string
	// Wait is how long a 4xx asked to wait ("try again in 5 minutes"),
	// zero when it did not say.
	Wait time.Duration
	// Refused is true when the recipient or the letter was refused for
	// good.
	Refused bool
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "smtp %s", e.Step)
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %d", e.Code)
		if e.Enhanced != [3]int{} {
			fmt.Fprintf(&b, " %d.%d.%d", e.Enhanced[0], e.Enhanced[1], e.Enhanced[2])
		}
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	if e.Refused {
		b.WriteString(" (refused for good)")
	}
	return b.String()
}

// Unwrap is bot.ErrUnreachable for a refusal for good, else nothing.
func (e *SendError) Unwrap() error {
	if e.Refused {
		return bot.ErrUnreachable
	}
	return nil
}

// RetryAfter is the wait the server asked for (bot.RetryAfterer).
func (e *SendError) RetryAfter() time.Duration { return e.Wait }

// Check connects to the submission server, protects the connection and
// logs in as a letter would, and leaves without sending anything
// (`helpdesk check`). Errors are *SendError. With Config.Deliver there is
// no server, and nothing to check.
func (o *Outlet) Check(ctx context.Context) error {
	if o.cfg.Deliver != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	defer context.AfterFunc(ctx, func() { c.Close() })()
	if err := o.login(ctx, c); err != nil {
		return err
	}
	if err := c.Quit(); err != nil {
		return o.failure(ctx, "hello", err)
	}
	return nil
}

// submit hands letter to the submission server for rcpt, or to
// Config.Deliver: one connection per letter (they are few, and a
// connection held open between them is one more thing to time out).
func (o *Outlet) submit(ctx context.Context, rcpt string, letter []byte) error {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	if o.cfg.Deliver != nil {
		return o.cfg.Deliver(ctx, rcpt, letter)
	}
	c, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// The client's own deadlines are per command; the context bounds the
	// whole letter and ends it when the helpdesk stops.
	defer context.AfterFunc(ctx, func() { c.Close() })()
	if err := o.login(ctx, c); err != nil {
		return err
	}
	if err := c.Mail(o.env, nil); err != nil {
		return o.failure(ctx, "sender", err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return o.failure(ctx, "recipient", err)
	}
	w, err := c.Data()
	if err != nil {
		return o.failure(ctx, "letter", err)
	}
	if _, err := w.Write(letter); err != nil {
		w.Close()
		return o.failure(ctx, "letter", err)
	}
	if err := w.Close(); err != nil {
		return o.failure(ctx, "letter", err)
	}
	// The letter is the server's now: a failure to say goodbye is none.
	c.Quit()
	return nil
}

// connect dials the server, protects the connection as configured and
// says hello.
func (o *Outlet) connect(ctx context.Context) (*smtp.Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", o.cfg.Addr)
	if err != nil {
		return nil, o.failure(ctx, "connect", err)
	}
	tlsConfig := o.tlsConfig()
	var c *smtp.Client
	switch o.cfg.TLS {
	case ImplicitTLS:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, o.failure(ctx, "tls", err)
		}
		c = smtp.NewClient(tc)
	case StartTLS:
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		c, err = smtp.NewClientStartTLS(conn, tlsConfig)
		stop()
		if err != nil {
			conn.Close()
			return nil, o.failure(ctx, "tls", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = o.cfg.Timeout, o.cfg.Timeout
	// After STARTTLS the client has forgotten its hello: this one is said
	// inside TLS, with the helpdesk's own name.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err = c.Hello(o.cfg.HeloName)
	stop()
	if err != nil {
		c.Close()
		return nil, o.failure(ctx, "hello", err)
	}
	return c, nil
}

// tlsConfig is the configured TLS settings, naming the server.
func (o *Outlet) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if o.cfg.TLSConfig != nil {
		cfg = o.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = o.host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// login authenticates, with PLAIN when the server offers it, else LOGIN.
func (o *Outlet) login(ctx context.Context, c *smtp.Client) error {
	if o.cfg.Username == "" {
		return nil
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", o.cfg.Username, o.cfg.Password.Reveal())
	case c.SupportsAuth(sasl.Login):
		a = sasl.NewLoginClient(o.cfg.Username, o.cfg.Password.Reveal())
	default:
		return &SendError{Step: "login", Text: "the server offers neither AUTH PLAIN nor AUTH LOGIN"}
	}
	if err := c.Auth(a); err != nil {
		return o.failure(ctx, "login", err)
	}
	return nil
}

// failure makes err, met at step, a *SendError: the server's reply kept,
// the password taken out of every word, and the kind decided.
func (o *Outlet) failure(ctx context.Context, step string, err error) *SendError {
	e := &SendError{Step: step}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		e.Code, e.Text = se.Code, se.Message
		if se.EnhancedCode != smtp.NoEnhancedCode {
			e.Enhanced = [3]int(se.EnhancedCode)
		}
	} else {
		e.Text = err.Error()
		if ctx.Err() != nil {
			e.Text = fmt.Sprintf("gave up after %s (%s)", o.cfg.Timeout, e.Text)
		}
	}
	e.Text = o.redact(e.Text)
	switch {
	case e.Code >= 500 && e.Code < 600:
		e.Refused = (step == "recipient" || step == "letter") && !ownFault(e.Code, e.Enhanced)
	case e.Code >= 400 && e.Code < 500:
		e.Wait = retryHint(e.Text)
	}
	return e
}

// ownFault reports whether a refusal is the helpdesk's doing rather than
// the recipient's: it is not logged in or not allowed to send as its
// sender (530, 534, 535, 538; 5.7.0, 5.7.8 – 5.7.12), it spoke the
// protocol wrong (5.5.x), or the server takes no mail at all (5.3.1,
// 5.3.2). Such a refusal marks nobody unreachable.
func ownFault(code int, enh [3]int) bool {
	switch code {
	case 530, 534, 535, 538:
		return true
	}
	switch {
	case enh[0] != 5:
		return false
	case enh[1] == 7 && (enh[2] == 0 || enh[2] >= 8 && enh[2] <= 12):
		return true
	case enh[1] == 5:
		return true
	case enh[1] == 3 && (enh[2] == 1 || enh[2] == 2):
		return true
	}
	return false
}

// retryWords finds a wait in a server's words: "try again in 5 minutes",
// "greylisted for 300 seconds", "retry in 60s".
var retryWords = regexp.MustCompile(`(?i)\b(\d{1,5})\s*(s|secs?|seconds?|mins?|minutes?|hours?)\b`)

// retryHint is the wait a temporary refusal names, at most an hour; zero
// when it names none.
func retryHint(text string) time.Duration {
	m := retryWords.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	unit := time.Second
	switch u := strings.ToLower(m[2]); {
	case strings.HasPrefix(u, "min"):
		unit = time.Minute
	case strings.HasPrefix(u, "hour"):
		unit = time.Hour
	}
	return min(time.Duration(n)*unit, time.Hour)
}

// redact takes the password out of text, as it is and as the SASL
// exchange encodes it: a server that repeats what it was sent in its
// refusal must not put the password in a log.
func (o *Outlet) redact(text string) string {
	p := o.cfg.Password.Reveal()
	if p == "" {
		return text
	}
	plainBlob := base64.StdEncoding.EncodeToString(bytes.Join([][]byte{nil, []byte(o.cfg.Username), []byte(p)}, []byte{0}))
	for _, s := range []string{plainBlob, base64.StdEncoding.EncodeToString([]byte(p)), p} {
		text = strings.ReplaceAll(text, s, "[redacted]")
	}
	return text
}
