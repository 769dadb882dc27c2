package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// The outbound side of the mail platform: the Outlet sends what the core
// tells a requester who writes by mail as a letter, submitted over SMTP
// (or handed to Config.Deliver, as the shell does to print it).
//
// The core sends the mail platform nothing but private messages: a case
// whose requester writes by mail lives on a chat platform (its card,
// thread, votes and groups are there), and only what is addressed to the
// requester comes here (bot.Service's enqueue sends a direct message to
// the platform of its addressee). Everything else a bot.Chat can be asked
// — posts in channels and threads, threads, edits, reactions,
// invitations — has no meaning in mail, and the Outlet refuses it for
// good (ErrUnsupported).

var (
	_ bot.Chat    = (*Outlet)(nil)
	_ bot.Letters = (*Outlet)(nil)
)

// TLSMode is how the Outlet protects its connection to the submission
// server.
type TLSMode string

// The TLS modes.
const (
	// StartTLS connects in clear and upgrades with STARTTLS before
	// anything else (submission, port 587); a server that does not offer
	// STARTTLS is an error, never a fallback to clear text.
	StartTLS TLSMode = "starttls"
	// ImplicitTLS speaks TLS from the first byte (submissions, port 465).
	ImplicitTLS TLSMode = "tls"
	// NoTLS speaks in clear: for a server on the same machine (a local
	// Postfix) or in tests. A password is sent in clear only to a
	// loopback address; New refuses it otherwise.
	NoTLS TLSMode = "none"
)

// Defaults of Config.
const (
	// DefaultDailyCap is how many letters one address gets in 24 hours
	// at most, as Znuny's PostmasterMaxEmailsPerAddress.
	DefaultDailyCap = 40
	// DefaultTimeout bounds one submission, from the dial to the answer
	// to the letter.
	DefaultTimeout = time.Minute
)

// Config is the outbound side of the mail platform. The lead's [mail]
// section of the configuration fills it; the password comes from the
// environment (PasswordFromEnv), never from the configuration file.
type Config struct {
	// Addr is the submission server, host and port
	// ("smtp.example.org:587"). Not needed, and not to be given, with
	// Deliver.
	Addr string
	// Deliver, when set, is handed each letter instead of a submission
	// server: rcpt is its recipient (in ASCII, as RCPT TO would name it),
	// letter the whole mail, header and body, with CRLF line ends. The
	// shell's own mail platform prints its letters this way. TLS,
	// TLSConfig, Username, Password, EnvelopeFrom and HeloName are then
	// unused (Timeout still bounds each call), and Check has nothing to
	// log in to. An error is a letter not sent: the outbox tries it
	// again, or gives it up when the error wraps bot.ErrUnreachable. The
	// daily cap and the sent log count the letters Deliver took as they
	// count those a server took.
	Deliver func(ctx context.Context, rcpt string, letter []byte) error
	// TLS is how the connection is protected; empty means StartTLS.
	TLS TLSMode
	// TLSConfig, if set, is used for the server's certificate (a private
	// CA in RootCAs, tests); its ServerName defaults to Addr's host.
	TLSConfig *tls.Config
	// Username logs in with AUTH PLAIN (or LOGIN, when the server offers
	// only that); empty sends without logging in (a local relay that
	// trusts its clients by address).
	Username string
	// Password is Username's; never logged, never in an error's text.
	Password Secret
	// From is the helpdesk's own address, which requesters write to
	// (its From header and, unless EnvelopeFrom is set, the address
	// bounces go to).
	From string
	// FromName is the helpdesk's display name in From
	// ("Wikimedia Sverige Helpdesk").
	FromName string
	// EnvelopeFrom, if set, is the SMTP sender (MAIL FROM), where
	// delivery reports go, when they should go to another mailbox than
	// From's.
	EnvelopeFrom string
	// Domain is the right-hand side of the Message-IDs of the helpdesk's
	// letters; empty means From's domain. Replies are matched by these
	// ids, so it must not change while cases are open.
	Domain string
	// MessageID, when set, makes the Message-ID (without angle brackets)
	// of the letter of an outbox key, instead of the key itself at
	// Domain. It must give every attempt at a key the same id, and two
	// keys two ids, across restarts. The shell numbers its letters as it
	// numbers its posts ("m12@helpdesk.test"), so that a script can reply
	// to one of them.
	MessageID func(key string) string
	// HeloName is the name the Outlet gives in EHLO; empty means Domain.
	HeloName string
	// DailyCap is how many letters one address gets in any 24 hours;
	// zero means DefaultDailyCap, a negative number no cap.
	DailyCap int
	// SentLog is a file where the Outlet notes each letter it sent (when,
	// to whom, its key), so that the daily cap and the recognition of a
	// letter already sent survive a restart. Empty keeps them in memory
	// only. One Outlet (one process) per file.
	SentLog string
	// Timeout bounds one submission; zero means DefaultTimeout.
	Timeout time.Duration
	// Clock gives the Date of letters and the time of the cap; nil is the
	// wall clock.
	Clock bot.Clock
	// Logger receives what operators should know; nil discards.
	Logger *slog.Logger
}

// Secret is a password. It prints, formats and logs as "[redacted]", so
// that a Config written to a log or an error gives nothing away.
type Secret struct{ s string }

// NewSecret wraps a password.
func NewSecret(s string) Secret { return Secret{s} }

// Reveal is the password itself, for the one place that sends it.
func (s Secret) Reveal() string { return s.s }

// IsZero reports whether no password is set.
func (s Secret) IsZero() bool { return s.s == "" }

// String hides the password.
func (s Secret) String() string { return "[redacted]" }

// GoString hides the password from %#v.
func (s Secret) GoString() string { return "[redacted]" }

// LogValue hides the password from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText hides the password from encoders (JSON, TOML).
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// The environment variables that hold the submission password: the
// password itself, or the name of a file that holds it (a container's
// secret).
const (
	PasswordEnv     = "HELPDESK_SMTP_PASSWORD"
	PasswordFileEnv = "HELPDESK_SMTP_PASSWORD_FILE"
)

// PasswordFromEnv reads the submission password from the environment
// (env is os.Getenv or a test's map): PasswordEnv, or the file named by
// PasswordFileEnv, whose final line break is not part of it. A password
// may hold spaces. Neither set is no password. Errors name the variable,
// never the secret.
func PasswordFromEnv(env func(string) string) (Secret, error) {
	direct, file := env(PasswordEnv), env(PasswordFileEnv)
	switch {
	case direct != "" && file != "":
		return Secret{}, fmt.Errorf("both %s and %s are set; set one", PasswordEnv, PasswordFileEnv)
	case direct != "":
		return NewSecret(direct), nil
	case file != "":
		buf, err := os.ReadFile(file)
		if err != nil {
			return Secret{}, fmt.Errorf("%s: cannot read the file: %w", PasswordFileEnv, err)
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(buf), "\n"), "\r")
		if s == "" {
			return Secret{}, fmt.Errorf("%s: the file is empty", PasswordFileEnv)
		}
		return NewSecret(s), nil
	}
	return Secret{}, nil
}

// ErrUnsupported is what the Outlet answers to anything but a private
// message to a person of the mail platform. It is a permanent error for
// the outbox (it wraps bot.ErrUnreachable: nothing but a letter can
// reach anyone here), and the core never asks for it.
var ErrUnsupported = fmt.Errorf("the mail platform only sends letters to people who write by mail: %w", bot.ErrUnreachable)

// ErrDailyCap means the address has had as many letters in the last 24
// hours as Config.DailyCap allows. It wraps bot.ErrUnreachable: the outbox
// gives the letter up, marks the person unreachable and puts the letter
// in the case's thread for staff.
var ErrDailyCap = fmt.Errorf("daily cap of letters reached: %w", bot.ErrUnreachable)

// Outlet is the mail platform's bot.Chat: each private message to a person
// of the platform ("mail:lena@museum.se") is a letter, submitted over SMTP
// (or handed to Config.Deliver).
// It is a bot.Letters: the core gives each letter the references of the
// case's earlier letters, which become its In-Reply-To and References, and
// records the reference Post returns (the letter's Message-ID) so that a
// reply finds its case.
type Outlet struct {
	cfg  Config
	cat  *locales.Catalog
	log  *slog.Logger
	from string // Config.From, parsed
	env  string // the SMTP sender
	host string // Addr's host, for TLS

	// mu serialises letters: the cap is counted and the letter sent as
	// one step (the core sends one at a time anyway).
	mu   sync.Mutex
	sent *sentLog
}

// New makes an Outlet that renders letters with cat. It checks cfg and
// opens (or creates) the sent log; Close closes it. Nothing is sent and
// no connection is made until the first letter (Check tries one). Letters
// go to the submission server at Addr, or to Deliver: exactly one of the
// two is given.
func New(cfg Config, cat *locales.Catalog) (*Outlet, error) {
	if cat == nil {
		return nil, errors.New("mail outlet: no message catalog")
	}
	from, err := ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail outlet: From: %w", err)
	}
	env := from
	if cfg.EnvelopeFrom != "" {
		if env, err = ParseAddress(cfg.EnvelopeFrom); err != nil {
			return nil, fmt.Errorf("mail outlet: EnvelopeFrom: %w", err)
		}
	}
	if cfg.Domain == "" {
		_, cfg.Domain, _ = strings.Cut(from, "@")
	}
	cfg.Domain = strings.ToLower(cfg.Domain)
	if !validDomain(cfg.Domain) {
		return nil, fmt.Errorf("mail outlet: %q is not a domain for Message-IDs", cfg.Domain)
	}
	if cfg.HeloName == "" {
		cfg.HeloName = cfg.Domain
	}
	if strings.ContainsAny(cfg.HeloName, " \r\n\t") {
		return nil, fmt.Errorf("mail outlet: HeloName %q has spaces in it", cfg.HeloName)
	}
	if strings.ContainsFunc(cfg.FromName, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, errors.New("mail outlet: FromName has a control character in it")
	}
	var host string
	switch {
	case cfg.Deliver != nil && cfg.Addr != "":
		return nil, fmt.Errorf("mail outlet: both Addr %q and Deliver are given: letters go to one of them", cfg.Addr)
	case cfg.Deliver == nil:
		host, _, err = net.SplitHostPort(cfg.Addr)
		if err != nil || host == "" {
			return nil, fmt.Errorf("mail outlet: Addr %q is not a host and port", cfg.Addr)
		}
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = StartTLS
	case StartTLS, ImplicitTLS, NoTLS:
	default:
		return nil, fmt.Errorf("mail outlet: TLS %q is none of %q, %q, %q", cfg.TLS, StartTLS, ImplicitTLS, NoTLS)
	}
	if cfg.Username != "" && cfg.Password.IsZero() {
		return nil, fmt.Errorf("mail outlet: a username and no password (set %s or %s)", PasswordEnv, PasswordFileEnv)
	}
	if cfg.Username != "" && cfg.TLS == NoTLS && cfg.Deliver == nil && !loopback(host) {
		return nil, fmt.Errorf("mail outlet: the password would cross the network in clear to %s: use TLS %q or %q", host, StartTLS, ImplicitTLS)
	}
	if cfg.DailyCap == 0 {
		cfg.DailyCap = DefaultDailyCap
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sent, err := openSentLog(cfg.SentLog, cfg.Clock.Now())
	if err != nil {
		return nil, fmt.Errorf("mail outlet: %w", err)
	}
	return &Outlet{cfg: cfg, cat: cat, log: log, from: from, env: env, host: host, sent: sent}, nil
}

// Close closes the sent log.
func (o *Outlet) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sent.close()
}

// Letters marks the Outlet as a platform whose private messages are
// letters (bot.Letters).
func (*Outlet) Letters() {}

// Post sends m as a letter to to.User, a person of the mail platform, and
// returns the letter's Message-ID without angle brackets: its reference.
//
// The Message-ID is made of m.Key, so every attempt at the same outbox
// item has the same one. A key the Outlet has sent already (noted in the
// sent log, which lasts two days and, with Config.SentLog, restarts)
// returns that reference and sends nothing. SMTP itself does not
// deduplicate: a letter accepted by the server just before a crash, and
// not yet noted, is sent again with the same Message-ID, which mail
// programs that drop duplicates (Gmail, a Sieve "duplicate" rule) drop,
// and which finds its case either way.
//
// Errors: ErrUnsupported (wrapping bot.ErrUnreachable) for anything but a
// private message to a person of the mail platform; ErrDailyCap (wrapping
// bot.ErrUnreachable) when the address had its letters for the day; a
// *SendError otherwise, wrapping bot.ErrUnreachable when the server
// refused the recipient or the letter for good (5xx), and passing
// (retried by the outbox) for a 4xx, a network failure, or a refusal that
// is the helpdesk's own configuration (a login, the sender). With
// Config.Deliver, its error, wrapped.
func (o *Outlet) Post(ctx context.Context, to bot.Place, m bot.Message) (string, error) {
	if to.Kind != bot.InDirect {
		return "", fmt.Errorf("post to %s: %w", to.Kind, ErrUnsupported)
	}
	rcpt, err := AddressOf(to.User)
	if err == nil {
		rcpt, err = asciiAddress(rcpt)
	}
	if err != nil {
		return "", fmt.Errorf("letter to %s: %w: %w", to.User, err, ErrUnsupported)
	}
	key := m.Key
	if key == "" {
		// The core always gives a key; without one, a letter of its own.
		key = "x-" + randomToken()
	}
	id := o.MessageID(key)
	if !validMessageID(id) {
		return "", fmt.Errorf("letter of %s: %q is not a Message-ID", key, id)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.cfg.Clock.Now()
	if o.sent.has(key, now) {
		return id, nil
	}
	if o.cfg.DailyCap > 0 {
		if n := o.sent.count(rcpt, now); n >= o.cfg.DailyCap {
			return "", fmt.Errorf("letter %s to %s: %d letters in 24 hours: %w", id, rcpt, n, ErrDailyCap)
		}
	}
	letter, err := o.compose(rcpt, id, now, m)
	if err != nil {
		return "", fmt.Errorf("letter %s: %w", id, err)
	}
	if err := o.submit(ctx, rcpt, letter); err != nil {
		return "", fmt.Errorf("letter %s: %w", id, err)
	}
	if err := o.sent.add(sentEntry{At: now, To: rcpt, Key: key}); err != nil {
		// The letter is sent: reporting a failure would send it again.
		o.log.Error("mail: a letter was sent but the sent log could not note it; after a restart the cap may count it short", "letter", id, "err", err)
	}
	return id, nil
}

// MessageID is the Message-ID (without angle brackets) of the letter of
// outbox key key: Config.MessageID's, else the key, with every character
// but letters, digits, "-" and "_" written as "=XX" (so that two keys
// never make one id), "@" and the configured domain.
func (o *Outlet) MessageID(key string) string {
	if o.cfg.MessageID != nil {
		return o.cfg.MessageID(key)
	}
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String() + "@" + o.cfg.Domain
}

// StartThread is not something mail does: ErrUnsupported.
func (o *Outlet) StartThread(context.Context, string, bot.Message) (string, error) {
	return "", fmt.Errorf("start a thread: %w", ErrUnsupported)
}

// Edit is not something mail does (a letter sent stays as it was):
// ErrUnsupported.
func (o *Outlet) Edit(context.Context, string, bot.Message) error {
	return fmt.Errorf("edit a letter: %w", ErrUnsupported)
}

// React is not something mail does: ErrUnsupported.
func (o *Outlet) React(context.Context, string, string) error {
	return fmt.Errorf("react to a letter: %w", ErrUnsupported)
}

// Invite is not something mail does: ErrUnsupported.
func (o *Outlet) Invite(context.Context, string, bot.UserID) error {
	return fmt.Errorf("invite to a thread: %w", ErrUnsupported)
}

// validDomain reports whether d can stand right of "@" in a Message-ID: a
// dot-atom of letters, digits, "-" and ".".
func validDomain(d string) bool {
	if d == "" || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// validMessageID reports whether id can stand between the angle brackets
// of a Message-ID: a dot-atom of ASCII letters, digits and the other
// characters RFC 5322 allows in one, "@", a domain.
func validMessageID(id string) bool {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || !validDomain(domain) || local == "" || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", r)) {
			return false
		}
	}
	return true
}

// asciiAddress is addr as SMTP without SMTPUTF8 and a plain header carry
// it: an internationalised domain ("räksmörgås.se") in its ASCII form
// (IDNA), which every server takes. A local part in another script would
// need SMTPUTF8 all the way to the reader's server and message/global
// headers: not supported, ErrBadAddress.
func asciiAddress(addr string) (string, error) {
	local, domain, _ := strings.Cut(addr, "@")
	for i := 0; i < len(local); i++ {
		if local[i] >= 0x80 {
			return "", fmt.Errorf("%q: a local part in another script than ASCII: %w", addr, ErrBadAddress)
		}
	}
	d, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", fmt.Errorf("%q: %w", addr, ErrBadAddress)
	}
	return local + "@" + d, nil
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
