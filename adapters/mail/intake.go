package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Two ways in, one path. Mail reaches the helpdesk either from a mailbox
// it reads over IMAP (a hosted mailbox) or from a mail server that hands
// it over by LMTP (one's own Postfix). Either way each mail's raw bytes go
// to one Handler, and the mail is marked done — a keyword set in the
// mailbox, a 250 answered over LMTP — only once the handler returned nil,
// which it does after the transaction that records the mail committed.
// Killed at any moment, the mail is handed over again on the next run,
// and the core recognises it by its Message-ID: nothing is lost, nothing
// doubled.

// Handler takes one mail. A nil error means it is recorded (or was
// before) and may be marked done; an error that is Permanent means the
// mail can never be taken (it is marked done all the same, and logged);
// any other error means "not now": the mail is handed over again later.
type Handler func(ctx context.Context, raw []byte) error

// Permanent marks an error of a Handler that trying again cannot cure: a
// mail that cannot be read at all.
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// IMAPConfig is the helpdesk's mailbox.
type IMAPConfig struct {
	Addr string // host:port
	// TLS is "tls" (implicit, port 993), "starttls" or "none" (loopback
	// and tests only).
	TLS      string
	User     string
	Password string // from the environment or a file, never logged
	Mailbox  string // "" is INBOX
	// DoneKeyword is the keyword that marks a mail taken; "" is
	// DefaultDoneKeyword. Unlike \Seen it is not changed by a person
	// reading the mailbox by hand.
	DoneKeyword string
	// CatchUp is how often the mailbox is searched for mail not yet taken
	// even when IDLE says nothing (IDLE can go silent for hours on some
	// servers); 0 is DefaultCatchUp.
	CatchUp time.Duration
	// MaxSize is the largest mail fetched whole; larger ones are handed
	// over cut, for the handler to report as too large. 0 is 10 MB.
	MaxSize int64
}

// Defaults of IMAPConfig.
const (
	DefaultDoneKeyword = "$HelpdeskDone"
	DefaultCatchUp     = 5 * time.Minute
	DefaultMaxSize     = 10 << 20
)

// IMAP reads the helpdesk's mailbox: every mail not yet marked done, at
// start and after every reconnect, then what IDLE announces, with a
// catch-up every CatchUp.
type IMAP struct {
	cfg    IMAPConfig
	handle Handler
	log    *slog.Logger

	mu      sync.Mutex
	idleAt  time.Time // when the last IDLE began, for tests and metrics
	fetched int
}

// NewIMAP returns a reader of cfg's mailbox handing each mail to h.
func NewIMAP(cfg IMAPConfig, h Handler, log *slog.Logger) *IMAP {
	if cfg.Mailbox == "" {
		cfg.Mailbox = "INBOX"
	}
	if cfg.DoneKeyword == "" {
		cfg.DoneKeyword = DefaultDoneKeyword
	}
	if cfg.CatchUp <= 0 {
		cfg.CatchUp = DefaultCatchUp
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &IMAP{cfg: cfg, handle: h, log: log}
}

// Run reads the mailbox until ctx ends, connecting again after any
// failure (waiting 1 s, then twice as long each time, at most 5 minutes).
func (m *IMAP) Run(ctx context.Context) error {
	wait := time.Second
	for {
		start := time.Now()
		err := m.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			wait = time.Second // it ran a while: a new failure, not the same one
		}
		m.log.Warn("mail: the mailbox connection ended; connecting again", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

// dial connects and logs in.
func (m *IMAP) dial(ctx context.Context) (*client.Client, error) {
	d := &net.Dialer{Timeout: 30 * time.Second}
	host, _, _ := net.SplitHostPort(m.cfg.Addr)
	var c *client.Client
	var err error
	switch m.cfg.TLS {
	case "tls":
		c, err = client.DialWithDialerTLS(d, m.cfg.Addr, &tls.Config{ServerName: host})
	default:
		c, err = client.DialWithDialer(d, m.cfg.Addr)
		if err == nil && m.cfg.TLS == "starttls" {
			err = c.StartTLS(&tls.Config{ServerName: host})
		}
	}
	if err != nil {
		if c != nil {
			c.Logout()
		}
		return nil, fmt.Errorf("connect to %s: %w", m.cfg.Addr, err)
	}
	c.Timeout = 2 * time.Minute
	c.ErrorLog = slogLogger{m.log}
	if err := c.Login(m.cfg.User, m.cfg.Password); err != nil {
		c.Logout()
		// The server's words, never the password.
		return nil, fmt.Errorf("log in to %s as %s: %w", m.cfg.Addr, m.cfg.User, err)
	}
	return c, nil
}

// Check logs in and opens the mailbox, changing nothing: for helpdesk
// check.
func (m *IMAP) Check(ctx context.Context) error {
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Logout()
	status, err := c.Select(m.cfg.Mailbox, true)
	if err != nil {
		return fmt.Errorf("open %s: %w", m.cfg.Mailbox, err)
	}
	if !keywordsAllowed(status.PermanentFlags, m.cfg.DoneKeyword) && len(status.PermanentFlags) > 0 {
		return fmt.Errorf("the mailbox %s does not keep the keyword %s", m.cfg.Mailbox, m.cfg.DoneKeyword)
	}
	return nil
}

// session is one connection: catch up, then IDLE until something arrives
// or the catch-up is due, and again.
func (m *IMAP) session(ctx context.Context) error {
	updates := make(chan client.Update, 64)
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Logout()
	c.Updates = updates
	// The client blocks while its updates are not read: they are always
	// read, and folded into one signal that something changed.
	news := make(chan struct{}, 1)
	drained := make(chan struct{})
	defer func() { close(drained) }()
	go func() {
		for {
			select {
			case u := <-updates:
				if _, ok := u.(*client.MailboxUpdate); ok {
					select {
					case news <- struct{}{}:
					default:
					}
				}
			case <-drained:
				return
			}
		}
	}()
	status, err := c.Select(m.cfg.Mailbox, false)
	if err != nil {
		return fmt.Errorf("select %s: %w", m.cfg.Mailbox, err)
	}
	if !keywordsAllowed(status.PermanentFlags, m.cfg.DoneKeyword) {
		return fmt.Errorf("the mailbox %s does not keep the keyword %s (its permanent flags: %v)", m.cfg.Mailbox, m.cfg.DoneKeyword, status.PermanentFlags)
	}
	// Logging out ends an IDLE in progress when ctx ends.
	stopped := context.AfterFunc(ctx, func() { c.Terminate() })
	defer stopped()
	for {
		if err := m.catchUp(ctx, c); err != nil {
			return err
		}
		if err := m.idle(ctx, c, news); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// keywordsAllowed reports whether the mailbox keeps keyword: named among
// its permanent flags, or any keyword allowed (\*).
func keywordsAllowed(flags []string, keyword string) bool {
	for _, f := range flags {
		if f == `\*` || f == keyword {
			return true
		}
	}
	return false
}

// idle waits for news: a new mail, the catch-up's time, or the end.
func (m *IMAP) idle(ctx context.Context, c *client.Client, news <-chan struct{}) error {
	stop := make(chan struct{})
	done := make(chan error, 1)
	m.mu.Lock()
	m.idleAt = time.Now()
	m.mu.Unlock()
	go func() { done <- c.Idle(stop, &client.IdleOptions{LogoutTimeout: 20 * time.Minute}) }()
	timer := time.NewTimer(m.cfg.CatchUp)
	defer timer.Stop()
	stopped := false
	for {
		select {
		case <-news:
			if !stopped {
				close(stop)
				stopped = true
			}
		case <-timer.C:
			if !stopped {
				close(stop)
				stopped = true
			}
		case <-ctx.Done():
			if !stopped {
				close(stop)
				stopped = true
			}
		case err := <-done:
			return err
		}
	}
}

// catchUp hands over every mail not yet marked done, oldest first, and
// marks each done once taken.
func (m *IMAP) catchUp(ctx context.Context, c *client.Client) error {
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{m.cfg.DoneKeyword, imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return fmt.Errorf("search the mailbox: %w", err)
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	for _, uid := range uids {
		if ctx.Err() != nil {
			return nil
		}
		raw, err := m.fetch(c, uid)
		if err != nil {
			return err
		}
		err = m.handle(ctx, raw)
		switch {
		case err == nil:
		case IsPermanent(err):
			m.log.Error("mail: a mail cannot be taken; marked done", "uid", uid, "err", err)
		default:
			// Not now (the database is busy, the core failed): the next
			// catch-up hands it over again.
			return fmt.Errorf("take mail %d: %w", uid, err)
		}
		if err := m.markDone(c, uid); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads one mail's raw bytes without setting \Seen.
func (m *IMAP) fetch(c *client.Client, uid uint32) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 1)
	errc := make(chan error, 1)
	go func() { errc <- c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch) }()
	var raw []byte
	for msg := range ch {
		if r := msg.GetBody(section); r != nil {
			b, err := io.ReadAll(io.LimitReader(r, m.cfg.MaxSize+1))
			if err != nil {
				return nil, fmt.Errorf("read mail %d: %w", uid, err)
			}
			raw = b
		}
	}
	if err := <-errc; err != nil {
		return nil, fmt.Errorf("fetch mail %d: %w", uid, err)
	}
	m.mu.Lock()
	m.fetched++
	m.mu.Unlock()
	return raw, nil
}

// markDone sets the done keyword on a mail taken.
func (m *IMAP) markDone(c *client.Client, uid uint32) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	item := imap.FormatFlagsOp(imap.AddFlags, true)
	if err := c.UidStore(set, item, []any{m.cfg.DoneKeyword}, nil); err != nil {
		return fmt.Errorf("mark mail %d done: %w", uid, err)
	}
	return nil
}
