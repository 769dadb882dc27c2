package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/mail/langdetect"
	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
)

// mailSection is [mail]: the helpdesk's own address, where its mail comes
// in (a mailbox over IMAP, or a mail server over LMTP) and how its letters
// go out (SMTP submission). The passwords come from the environment:
// HELPDESK_IMAP_PASSWORD and HELPDESK_SMTP_PASSWORD, or a file named by
// HELPDESK_IMAP_PASSWORD_FILE and HELPDESK_SMTP_PASSWORD_FILE.
type mailSection struct {
	Address string `toml:"address"` // helpdesk@wikimedia.se
	Name    string `toml:"name"`    // the display name of its letters
	// Platform is the chat platform mailed cases go to; the one running
	// when it is one (the shell in the shell).
	Platform string `toml:"platform"`
	// Languages map other addresses of the helpdesk to the language of
	// those who write to them ({"hjalp@wikimedia.se" = "sv"}).
	Languages map[string]string `toml:"languages"`
	// AuthservID is the authserv-id of the helpdesk's own receiving
	// server's Authentication-Results: mail it does not vouch for
	// (dmarc=pass) is held for staff. Without it, senders are not checked.
	AuthservID string `toml:"authserv_id"`
	MaxSizeMB  int    `toml:"max_size_mb"`

	IMAP *mailIMAPSection `toml:"imap"`
	LMTP *mailLMTPSection `toml:"lmtp"`
	SMTP mailSMTPSection  `toml:"smtp"`
}

type mailIMAPSection struct {
	Addr    string `toml:"addr"` // imap.example.org:993
	TLS     string `toml:"tls"`  // tls (default), starttls, none (loopback only)
	User    string `toml:"user"`
	Mailbox string `toml:"mailbox"`  // INBOX
	CatchUp string `toml:"catch_up"` // 5m
}

type mailLMTPSection struct {
	Listen string `toml:"listen"` // 127.0.0.1:2424
}

type mailSMTPSection struct {
	Addr     string `toml:"addr"` // smtp.example.org:587
	TLS      string `toml:"tls"`  // starttls (default), tls, none (loopback only)
	User     string `toml:"user"`
	DailyCap *int   `toml:"daily_cap"` // letters to one address a day (40)
	SentLog  string `toml:"sent_log"`  // a file that keeps the cap across restarts
}

// The environment variables of the mail passwords.
const (
	imapPasswordEnv     = "HELPDESK_IMAP_PASSWORD"
	imapPasswordFileEnv = "HELPDESK_IMAP_PASSWORD_FILE"
	smtpPasswordEnv     = "HELPDESK_SMTP_PASSWORD"
	smtpPasswordFileEnv = "HELPDESK_SMTP_PASSWORD_FILE"
)

// passwordFromEnv reads a password from the environment or a file named
// there: passwords may hold spaces; a file's last line break is not part
// of it. Its errors name the variable, never the password.
func passwordFromEnv(env func(string) string, name, fileName string) (string, error) {
	direct, file := env(name), env(fileName)
	switch {
	case direct != "" && file != "":
		return "", fmt.Errorf("both %s and %s are set; set one", name, fileName)
	case direct != "":
		return direct, nil
	case file != "":
		buf, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s: cannot read the file: %w", fileName, err)
		}
		return strings.TrimRight(string(buf), "\r\n"), nil
	}
	return "", nil
}

// mailRunner is the mail platform: its outlet attached to the core as
// "mail", and the ways mail comes in.
type mailRunner struct {
	outlet *mail.Outlet
	// taker is the intake both ways in hand mail to; the shell's /mail
	// too.
	taker   *mail.Taker
	address string // the helpdesk's address
	imap    *mail.IMAP
	lmtp    *mail.LMTP
	listen  string
	log     *slog.Logger
}

// setupMail builds the mail platform from [mail] and attaches its outlet;
// nil, nil without [mail]. chat names the chat platforms running (the
// shell's when none).
func setupMail(ps platformSetup, chat []string) (*mailRunner, error) {
	sec := ps.File.Mail
	if sec == nil {
		return nil, nil
	}
	var problems []string
	bad := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	addr, err := mail.ParseAddress(sec.Address)
	if err != nil {
		bad("mail.address: %q is not an e-mail address", sec.Address)
	}
	platform := sec.Platform
	switch {
	case platform == "" && len(chat) == 1:
		platform = chat[0]
	case platform == "":
		bad("mail.platform: name the chat platform mailed cases go to (one of %s)", strings.Join(chat, ", "))
	default:
		found := false
		for _, c := range chat {
			found = found || c == platform
		}
		if !found {
			bad("mail.platform: %q is not running (running: %s)", platform, strings.Join(chat, ", "))
		}
	}
	if sec.IMAP == nil && sec.LMTP == nil {
		bad("mail: mail comes in by [mail.imap] or [mail.lmtp]: give one")
	}
	tlsOf := func(key, v, def string) string {
		if v == "" {
			return def
		}
		if v != "tls" && v != "starttls" && v != "none" {
			bad("%s: %q is not tls, starttls or none", key, v)
		}
		return v
	}
	smtpPass, err := passwordFromEnv(ps.Env, smtpPasswordEnv, smtpPasswordFileEnv)
	if err != nil {
		bad("%v", err)
	}
	var cap int
	if sec.SMTP.DailyCap != nil {
		if cap = *sec.SMTP.DailyCap; cap == 0 {
			cap = -1 // written 0: no cap
		}
	}
	outCfg := mail.Config{
		Addr: sec.SMTP.Addr, Username: sec.SMTP.User, Password: mail.NewSecret(smtpPass),
		From: addr, FromName: sec.Name, DailyCap: cap, SentLog: sec.SMTP.SentLog, Logger: ps.Log,
	}
	switch tlsOf("mail.smtp.tls", sec.SMTP.TLS, "starttls") {
	case "tls":
		outCfg.TLS = mail.ImplicitTLS
	case "none":
		outCfg.TLS = mail.NoTLS
	default:
		outCfg.TLS = mail.StartTLS
	}
	if sec.SMTP.Addr == "" {
		bad("mail.smtp.addr: the submission server the helpdesk's letters go through (like smtp.example.org:587)")
	}
	maxSize := int64(sec.MaxSizeMB) << 20
	langs := map[string]string{}
	for a, l := range sec.Languages {
		tag, ok := ps.Catalog.Match(l)
		if !ok {
			bad("mail.languages: the helpdesk does not speak %q (for %s)", l, a)
		}
		langs[strings.ToLower(a)] = tag
	}
	r := &mailRunner{log: ps.Log, address: addr}
	read := mail.ReadOptions{
		MaxSize: maxSize, OwnDomain: domainOf(addr), OwnAddresses: append([]string{addr}, keys(langs)...),
		AuthServID: sec.AuthservID, AddressLang: langs, Match: ps.Catalog.Match,
		Detect: langdetect.New(ps.Catalog.Supported(), langdetect.Options{}).Detect,
	}
	taker := &mail.Taker{Core: ps.Service, Platform: platform, Read: read, Log: ps.Log}
	r.taker = taker
	if im := sec.IMAP; im != nil {
		pass, err := passwordFromEnv(ps.Env, imapPasswordEnv, imapPasswordFileEnv)
		if err != nil {
			bad("%v", err)
		}
		var every time.Duration
		if im.CatchUp != "" {
			if every, err = time.ParseDuration(im.CatchUp); err != nil || every < time.Minute {
				bad("mail.imap.catch_up: %q is not a duration of at least 1m", im.CatchUp)
			}
		}
		if im.Addr == "" || im.User == "" {
			bad("mail.imap: addr and user are needed")
		}
		r.imap = mail.NewIMAP(mail.IMAPConfig{Addr: im.Addr, TLS: tlsOf("mail.imap.tls", im.TLS, "tls"), User: im.User, Password: pass,
			Mailbox: im.Mailbox, CatchUp: every, MaxSize: maxSize}, taker.Handle, ps.Log)
	}
	if l := sec.LMTP; l != nil {
		if _, _, err := net.SplitHostPort(l.Listen); err != nil {
			bad("mail.lmtp.listen: %q is not an address like 127.0.0.1:2424", l.Listen)
		}
		r.listen = l.Listen
		r.lmtp = mail.NewLMTP(mail.LMTPConfig{Recipients: read.OwnAddresses, MaxSize: maxSize, Domain: domainOf(addr)}, taker.Handle, ps.Log)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	if r.outlet, err = mail.New(outCfg, ps.Catalog); err != nil {
		return nil, fmt.Errorf("mail.smtp: %w", err)
	}
	ps.Service.Attach(mail.Platform, r.outlet)
	return r, nil
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Run takes mail in until ctx ends; the outbox worker sends the letters.
func (r *mailRunner) Run(ctx context.Context) error {
	defer r.outlet.Close()
	g, ctx := errgroup.WithContext(ctx)
	if r.imap != nil {
		g.Go(func() error { return r.imap.Run(ctx) })
	}
	if r.lmtp != nil {
		ln, err := net.Listen("tcp", r.listen)
		if err != nil {
			return fmt.Errorf("mail.lmtp.listen: %w", err)
		}
		r.log.Info("mail: LMTP listening", "addr", ln.Addr().String())
		g.Go(func() error { return r.lmtp.Serve(ctx, ln) })
	}
	return g.Wait()
}

// Check logs in to the submission server and the mailbox, sending and
// changing nothing.
func (r *mailRunner) Check(ctx context.Context) error {
	if err := r.outlet.Check(ctx); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if r.imap != nil {
		if err := r.imap.Check(ctx); err != nil {
			return fmt.Errorf("imap: %w", err)
		}
	}
	return nil
}

// The shell's own mail platform, when no [mail] is configured: the
// helpdesk's address there (on a domain reserved for tests, RFC 2606) and
// the name its letters are signed with.
const (
	shellMailAddress = "helpdesk@helpdesk.test"
	shellMailName    = "Helpdesk"
)

// shellTaker is the intake of the shell's own mail platform: what /mail
// hands a mail to, read as the real intake reads it (the language told
// from the text, no server to vouch for senders), its cases on the
// shell.
func shellTaker(ps platformSetup) *mail.Taker {
	read := mail.ReadOptions{
		OwnDomain: domainOf(shellMailAddress), OwnAddresses: []string{shellMailAddress}, Match: ps.Catalog.Match,
		Detect: langdetect.New(ps.Catalog.Supported(), langdetect.Options{}).Detect,
	}
	return &mail.Taker{Core: ps.Service, Platform: shell.Platform, Read: read, Log: ps.Log}
}

// shellOutlet is the way out of the shell's own mail platform: its
// letters are printed in sh's transcript, numbered as its posts (the
// letter printed as [m12] is <m12@helpdesk.test>, which a script's reply
// can name), dated by the shell's clock, so that a script plays the same
// way every time.
func shellOutlet(ps platformSetup, sh *shell.Shell) (*mail.Outlet, error) {
	return mail.New(mail.Config{
		From: shellMailAddress, FromName: shellMailName, Clock: sh.Clock(), Logger: ps.Log,
		Deliver:   sh.Letter,
		MessageID: func(key string) string { return sh.PostID(key) + "@" + domainOf(shellMailAddress) },
	}, ps.Catalog)
}

// deliverMail sends [mail]'s letters in the shell, where no outbox worker
// runs for it, until ctx ends: mail comes in at any time there, and a
// letter the server put off is tried again. (The shell's own mail
// platform needs none: the shell delivers its letters after each line,
// so that they print in order.)
func deliverMail(ctx context.Context, svc *bot.Service, log *slog.Logger) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if _, err := svc.Deliver(ctx, mail.Platform); err != nil && ctx.Err() == nil {
			log.Error("mail: outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
