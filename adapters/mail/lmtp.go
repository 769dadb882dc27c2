package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// LMTPConfig is the listener a mail server hands the helpdesk's mail to.
type LMTPConfig struct {
	Listen string // host:port (or a path for a Unix socket)
	// Recipients are the addresses taken (the helpdesk's, lower case);
	// mail for any other is refused at RCPT.
	Recipients []string
	MaxSize    int64 // 0 is 10 MB
	Domain     string
}

// LMTP is the listener: each mail handed over is taken once its handler
// returned, and only then answered 250; a handler that fails answers 451
// (the mail server keeps the mail and tries again), one that can never
// take it 554.
type LMTP struct {
	cfg    LMTPConfig
	handle Handler
	log    *slog.Logger
	srv    *smtp.Server
}

// NewLMTP returns a listener for cfg handing each mail to h.
func NewLMTP(cfg LMTPConfig, h Handler, log *slog.Logger) *LMTP {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &LMTP{cfg: cfg, handle: h, log: log}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &lmtpSession{l: l}, nil }))
	srv.LMTP = true
	srv.Domain = cfg.Domain
	if srv.Domain == "" {
		srv.Domain = "localhost"
	}
	srv.MaxMessageBytes = cfg.MaxSize
	srv.MaxRecipients = 50
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogLogger{log}
	l.srv = srv
	return l
}

// Serve answers on ln until ctx ends.
func (l *LMTP) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.srv.Shutdown(sctx)
	})
	defer stop()
	err := l.srv.Serve(ln)
	if ctx.Err() != nil || errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

type lmtpSession struct {
	l     *LMTP
	rcpts []string
}

func (s *lmtpSession) Reset()        { s.rcpts = nil }
func (s *lmtpSession) Logout() error { return nil }

func (s *lmtpSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *lmtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.TrimSpace(to))
	if len(s.l.cfg.Recipients) > 0 && !containsFold(s.l.cfg.Recipients, addr) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	s.rcpts = append(s.rcpts, addr)
	return nil
}

// Data takes the mail; over LMTP the same answer goes to every recipient
// (one mail to two of the helpdesk's addresses is one letter).
func (s *lmtpSession) Data(r io.Reader) error {
	return s.take(r)
}

// LMTPData takes the mail and gives each recipient the same status.
func (s *lmtpSession) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	err := s.take(r)
	for _, to := range s.rcpts {
		status.SetStatus(to, err)
	}
	return nil
}

func (s *lmtpSession) take(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		if errors.Is(err, smtp.ErrDataTooLarge) {
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too large"}
		}
		if errors.Is(err, smtp.ErrTooLongLine) {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "a line of the message is too long"}
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "could not read the message; try again"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := s.l.handle(ctx, buf.Bytes())
	switch {
	case err == nil:
		return nil
	case IsPermanent(err):
		s.l.log.Error("mail: a mail cannot be taken; refused", "err", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "the message cannot be read"}
	default:
		s.l.log.Warn("mail: a mail could not be taken now; the mail server will try again", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "not now; try again later"}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// slogLogger gives go-smtp's error log to slog.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) {
	l.log.Warn("mail: lmtp: " + fmt.Sprintf(format, v...))
}
func (l slogLogger) Println(v ...any) { l.log.Warn("mail: lmtp: " + fmt.Sprint(v...)) }
