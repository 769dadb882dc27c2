package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/wmse/helpdesk/bot"
)

// Core is what the intake needs of the helpdesk's core (bot.Service).
type Core interface {
	Receive(ctx context.Context, l bot.Letter) (bot.Receipt, error)
	Bounced(ctx context.Context, to bot.UserID, letter string) error
	TellStaff(ctx context.Context, key string, t bot.Text) error
}

var _ Core = (*bot.Service)(nil)

// Taker takes raw mail into the core: what both ways in (IMAP, LMTP)
// hand over. A person's mail becomes a letter for bot.Service.Receive; a
// delivery report about one of the helpdesk's letters marks its reader
// unreachable; machine mail is dropped (never answered); mail whose
// sender the helpdesk's own server could not vouch for, and mail too
// large, is held for staff, who are told.
type Taker struct {
	Core Core
	// Platform is the chat platform where mailed cases go.
	Platform string
	// Read are the options of Read (the helpdesk's domain and addresses,
	// the authserv-id, sizes, languages).
	Read ReadOptions
	// Log receives what operators should know; nil discards.
	Log *slog.Logger
}

// Handle takes one mail (a Handler).
func (t *Taker) Handle(ctx context.Context, raw []byte) error {
	log := t.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// The files that came with it, kept whole (a file cut by the cap or
	// damaged is left out), without the images of a signature or an HTML
	// body (inline).
	var files []bot.Attachment
	opt := t.Read
	opt.Attachment = func(a Attachment, body io.Reader) error {
		data, err := io.ReadAll(body)
		if err != nil || a.Inline || len(files) == bot.MaxFiles {
			return err
		}
		files = append(files, bot.Attachment{Name: a.Name, MediaType: a.MediaType, Size: int64(len(data)), Data: data})
		return nil
	}
	in, err := Read(bytes.NewReader(raw), opt)
	if errors.Is(err, ErrUnreadable) {
		return Permanent(err)
	}
	if err != nil {
		return err // the bytes could not be read now: hand it over again
	}
	switch {
	case in.Bounce != nil:
		// A report about a mail that could not be delivered: if it is one
		// of the helpdesk's letters, its reader is unreachable.
		for _, r := range in.Bounce.Failed {
			to, err := ParseAddress(r.Address)
			if err != nil {
				continue
			}
			if err := t.Core.Bounced(ctx, UserID(to), in.Bounce.MessageID); err != nil {
				return err
			}
		}
		log.Info("mail: a delivery report", "id", in.ID, "failed", len(in.Bounce.Failed))
		return nil
	case in.Machine != "":
		log.Info("mail: machine mail, not answered", "id", in.ID, "rule", in.Machine)
		return nil
	case in.Oversized:
		log.Warn("mail: a mail too large, held", "id", in.ID, "size", in.Size)
		return t.Core.TellStaff(ctx, "mail.oversized/"+in.ID, bot.T("dm.mail.oversized", "who", bot.S(in.From), "size", bot.N(int(in.Size>>20))))
	case in.Auth.Trust == TrustFail || in.Auth.Trust == TrustMissing:
		// The receiving server did not vouch for the sender: never into a
		// case, never answered (the From may be someone else's).
		log.Warn("mail: sender not vouched for, held", "id", in.ID, "trust", in.Auth.Trust, "why", in.Auth.Reason)
		return t.Core.TellStaff(ctx, "mail.untrusted/"+in.ID, bot.T("dm.mail.untrusted", "who", bot.S(in.From), "subject", bot.S(clip(in.Subject, 120))))
	}
	from, err := ParseAddress(in.From)
	if err != nil {
		log.Warn("mail: no sender's address; not taken", "id", in.ID, "err", err)
		return nil
	}
	letter := bot.Letter{
		ID: in.ID, From: UserID(from), Name: in.Name, Subject: in.Subject, Text: in.Text,
		Refs: in.Refs, Platform: t.Platform,
	}
	for _, f := range files {
		for _, a := range in.Attachments {
			// Only those whose bytes are all there.
			if a.Name == f.Name && a.MediaType == f.MediaType && a.Size == f.Size && !a.TooLarge && !a.Damaged {
				letter.Files = append(letter.Files, f)
				break
			}
		}
	}
	if in.LangSource == LangByAddress {
		letter.Lang = in.Lang
	} else {
		letter.LangHint = in.Lang
	}
	rc, err := t.Core.Receive(ctx, letter)
	if err != nil {
		return fmt.Errorf("take mail %s: %w", in.ID, err)
	}
	log.Info("mail: taken", "id", in.ID, "case", rc.Case, "outcome", rc.Outcome)
	return nil
}

// clip keeps at most n characters of s, for a notice.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
