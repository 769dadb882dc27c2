package bot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Linked identities: one person with a Discord account, a Mattermost
// account and a mail address links them explicitly, with a one-time code
// given to one identity and typed by the other (for a mail address, the
// code is mailed to it: whoever types it reads that mailbox). Once linked
// the helpdesk treats them as one person: one language, one list of cases
// (mine, mydata, the dashboard), one vote in a round, recusal from their
// own cases whichever identity they act with. Roles still hold only where
// each platform's roster gives them. Nothing is ever linked by name.

// LinkCodeValid is how long a link code may be typed.
const LinkCodeValid = 15 * time.Minute

// MaxLinkCodes is how many live link codes one identity holds.
const MaxLinkCodes = 3

// linkAlphabet has no letters or digits people confuse (0 O, 1 I L).
const linkAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// linkCodeLen: 31^10 ≈ 8·10^14 codes, against a few guesses a minute.
const linkCodeLen = 10

// newLinkCode is a fresh code, written in two groups of five for reading.
func newLinkCode() string {
	b := make([]byte, linkCodeLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24 and later)
	var out strings.Builder
	for i, c := range b {
		if i == linkCodeLen/2 {
			out.WriteByte('-')
		}
		// 256 % 31 = 8: the first 8 letters are a little likelier,
		// which costs well under a bit of the code's 49.
		out.WriteByte(linkAlphabet[int(c)%len(linkAlphabet)])
	}
	return out.String()
}

// normalCode is a code as typed, as it was made: upper case, without
// spaces or dashes.
func normalCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\u00a0':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, strings.TrimSpace(s))
}

// linkCmd is "/helpdesk link" (a code to type with another identity),
// "/helpdesk link CODE" (link this identity to the code's) and
// "/helpdesk link ADDRESS" (a code mailed to that address).
func (s *Service) linkCmd(ctx context.Context, a asker, args string) (Response, error) {
	arg := strings.TrimSpace(args)
	switch {
	case arg == "":
		code, err := s.newLinkCodeFor(ctx, a.ID)
		if err != nil {
			return Response{}, err
		}
		return s.reply(a.lang, T("link.code", "code", C(code), "cmd", command("link "+code)).Plural(int(LinkCodeValid/time.Minute))), nil
	case isAddress(arg):
		to, _ := namedOutright(arg)
		if to == a.ID {
			return Response{}, refuse(Malformed, "link.self")
		}
		if s.outlet(MailPlatform) == nil {
			return Response{}, refuse(NotNow, "link.mail.off")
		}
		err := s.update(ctx, func(w *work) error { return w.mailLinkCode(to, a.lang) })
		if err != nil {
			return Response{}, err
		}
		return s.reply(a.lang, T("link.mail.sent", "to", S(to.Local()), "cmd", command("link CODE"))), nil
	}
	code := normalCode(arg)
	var other Member
	err := s.update(ctx, func(w *work) error {
		from, err := w.tx.TakeLinkCode(SecretHash(code), w.now)
		if errors.Is(err, ErrNotFound) {
			return refuse(NoSuch, "link.unknown", "cmd", command("link"))
		}
		if err != nil {
			return err
		}
		me, err := w.member(a.ID)
		if err != nil {
			return err
		}
		switch {
		case from == a.ID:
			return refuse(Malformed, "link.self")
		case me.Is(from):
			return refuse(NotNow, "link.already")
		}
		if err := w.tx.Link(from, a.ID, w.now); err != nil {
			return err
		}
		if other, err = w.member(from); err != nil {
			return err
		}
		// The language one chose is the person's: the identity that
		// had none takes the other's.
		if me.Lang == "" && other.Lang != "" {
			if err := w.tx.SetLang(a.ID, other.Lang); err != nil {
				return err
			}
		} else if other.Lang == "" && me.Lang != "" {
			if err := w.tx.SetLang(from, me.Lang); err != nil {
				return err
			}
		}
		w.membersChanged = true
		// The other identity is told, where the helpdesk reaches it.
		if s.outlet(from.Platform()) != nil {
			m := w.to(from, T("link.done.other", "who", P(Person{ID: a.ID, Name: a.Name}), "platform", C(a.ID.Platform()), "cmd", command("unlink")))
			if from.Platform() == MailPlatform {
				m.Subject = T("link.subject")
			}
			if err := w.enqueue(Case{Platform: from.Platform()}, Item{Op: OpPost, Place: Place{Kind: InDirect, User: from}, Message: m}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Response{}, err
	}
	name := other.Name
	if name == "" {
		name = other.ID.Local()
	}
	return s.reply(a.lang, T("link.done", "who", P(Person{ID: other.ID, Name: name}), "platform", C(other.ID.Platform()), "cmd", command("unlink"))), nil
}

// isAddress reports whether s is a mail address, as a command gives one.
func isAddress(s string) bool {
	id, ok := namedOutright(s)
	return ok && id.Platform() == MailPlatform
}

// newLinkCodeFor keeps a new code for who and returns it.
func (s *Service) newLinkCodeFor(ctx context.Context, who UserID) (string, error) {
	code := newLinkCode()
	err := s.update(ctx, func(w *work) error {
		return w.tx.AddLinkCode(SecretHash(normalCode(code)), who, w.now, w.now.Add(LinkCodeValid), MaxLinkCodes)
	})
	if err != nil {
		return "", fmt.Errorf("link code: %w", err)
	}
	return code, nil
}

// mailLinkCode mails a new code to the address to: typed in chat, it
// proves its typist reads that mailbox.
func (w *work) mailLinkCode(to UserID, lang string) error {
	code := newLinkCode()
	if err := w.tx.AddLinkCode(SecretHash(normalCode(code)), to, w.now, w.now.Add(LinkCodeValid), MaxLinkCodes); err != nil {
		return err
	}
	m := w.to(to, T("link.mail.code", "code", C(code), "cmd", command("link "+code)).Plural(int(LinkCodeValid/time.Minute)))
	if known, err := w.member(to); err == nil && known.Lang == "" && known.Locale == "" {
		m.Lang = lang // a stranger to the helpdesk: the language of who asked
	}
	m.Subject = T("link.subject")
	return w.enqueue(Case{Platform: MailPlatform}, Item{Op: OpPost, Place: Place{Kind: InDirect, User: to}, Message: m})
}

// unlinkCmd is "/helpdesk unlink": this identity is a person of its own
// again; the others stay linked among themselves.
func (s *Service) unlinkCmd(ctx context.Context, a asker, _ string) (Response, error) {
	var was bool
	err := s.update(ctx, func(w *work) error {
		var err error
		was, err = w.tx.Unlink(a.ID)
		w.membersChanged = true
		return err
	})
	if err != nil {
		return Response{}, err
	}
	if !was {
		return s.reply(a.lang, T("link.none", "cmd", command("link"))), nil
	}
	return s.reply(a.lang, T("link.undone")), nil
}

// casesOf lists the cases m filed with any of their identities, by number.
func (w *work) casesOf(m Member, f CaseFilter) ([]Case, error) {
	var out []Case
	for _, id := range m.IDs() {
		f.Requester = id
		cs, err := w.tx.Cases(f)
		if err != nil {
			return nil, fmt.Errorf("read cases of %s: %w", id, err)
		}
		out = append(out, cs...)
	}
	if len(m.Also) > 0 {
		slices.SortFunc(out, func(a, b Case) int { return int(a.ID - b.ID) })
	}
	return out, nil
}
