package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SignInValid is how long a link of /helpdesk dashboard lets its person
// in: long enough to open it, short enough that one found later in a
// chat's history is of no use.
const SignInValid = 15 * time.Minute

// SessionValid is how long a dashboard session lasts after sign-in.
const SessionValid = 12 * time.Hour

// A person holds at most MaxSignInLinks live sign-in links and
// MaxSessions open sessions: asking for one more drops their oldest, so
// that neither grows without bound however often someone asks.
const (
	MaxSignInLinks = 5
	MaxSessions    = 10
)

// SessionsPerPage is how many sessions a page of the staff's list shows.
const SessionsPerPage = 50

// SignInPath is the dashboard's page that a sign-in link opens.
const SignInPath = "/signin"

// NewSecret returns 32 random bytes, written for a URL: the secret of a
// sign-in link or a session.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24 and later)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecretHash is what the store keeps of a secret: its SHA-256, in hex.
// Whoever reads the database (or a backup) learns no link nor session.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SignInLink is a one-time link to the dashboard as the store keeps it.
type SignInLink struct {
	User    UserID
	Expires time.Time
	Used    bool
}

// SessionInfo is an open session, as staff see it. ID is a short prefix
// of its hash: enough to end it, nothing to sign in with.
type SessionInfo struct {
	ID      string
	User    UserID
	Created time.Time
	Expires time.Time
}

// SessionIDLen is the length of a SessionInfo.ID.
const SessionIDLen = 16

// dashboard answers with a one-time link to the web dashboard, privately.
// Everyone known to the helpdesk may have one: what the dashboard shows
// them follows their roles, read at each request.
func (s *Service) dashboard(ctx context.Context, a asker, _ string) (Response, error) {
	base := strings.TrimRight(s.cfg.DashboardURL, "/")
	if base == "" {
		return s.reply(a.lang, T("dashboard.off")), nil
	}
	link, err := s.signInLink(ctx, a.ID, base, "")
	if err != nil {
		return Response{}, fmt.Errorf("dashboard link: %w", err)
	}
	return s.reply(a.lang, T("dashboard.link", "url", C(link)).Plural(int(SignInValid/time.Minute))), nil
}

// signInLink makes a one-time sign-in link for who, leading to next (a
// path of the dashboard; empty for its first page).
func (s *Service) signInLink(ctx context.Context, who UserID, base, next string) (string, error) {
	var link string
	err := s.update(ctx, func(w *work) error {
		var err error
		link, err = w.signInLink(who, base, next)
		return err
	})
	return link, err
}

// signInLink keeps a new one-time link for who in the transaction and
// returns it.
func (w *work) signInLink(who UserID, base, next string) (string, error) {
	secret := NewSecret()
	if err := w.tx.AddSignIn(SecretHash(secret), who, w.now, w.now.Add(SignInValid), MaxSignInLinks); err != nil {
		return "", err
	}
	q := url.Values{"t": {secret}}
	if next != "" {
		q.Set("next", next)
	}
	return base + SignInPath + "?" + q.Encode(), nil
}

// SignIn spends the one-time link whose secret is secret and starts a
// session: it returns the session's secret (for a cookie) and who signed
// in. A link unknown, used or expired is a Refusal that says so. The link
// is looked up with a read first: a made-up secret never takes the
// store's writer.
func (s *Service) SignIn(ctx context.Context, secret string) (string, Viewer, error) {
	hash := SecretHash(secret)
	check := func(w *work) (SignInLink, error) {
		l, err := w.tx.SignInLink(hash)
		switch {
		case errors.Is(err, ErrNotFound):
			return l, refuse(NoSuch, "web.signin.unknown", "cmd", command("dashboard"))
		case err != nil:
			return l, fmt.Errorf("read a sign-in link: %w", err)
		case l.Used:
			return l, refuse(NotNow, "web.signin.used", "cmd", command("dashboard"))
		case !w.now.Before(l.Expires):
			return l, refuse(NotNow, "web.signin.expired", "cmd", command("dashboard"))
		}
		return l, nil
	}
	if err := s.view(ctx, func(w *work) error { _, err := check(w); return err }); err != nil {
		return "", Viewer{}, err
	}
	session := NewSecret()
	var v Viewer
	err := s.update(ctx, func(w *work) error {
		// Again in the writer: two presses of one link sign in once.
		l, err := check(w)
		if err != nil {
			return err
		}
		if err := w.tx.UseSignIn(hash, w.now); err != nil {
			return fmt.Errorf("spend a sign-in link: %w", err)
		}
		if v, err = w.viewer(l.User); err != nil {
			return err
		}
		v.session = SecretHash(session)
		return w.tx.StartSession(v.session, l.User, w.now, w.now.Add(SessionValid), MaxSessions)
	})
	if err != nil {
		return "", Viewer{}, err
	}
	return session, v, nil
}

// Session returns who holds the open session whose secret is secret, with
// their roles as the roster has them now; ErrNotFound when there is none
// (unknown, ended, expired, or a person the helpdesk no longer knows).
// The viewer knows its session: Sessions marks it as theirs.
func (s *Service) Session(ctx context.Context, secret string) (Viewer, error) {
	var v Viewer
	hash := SecretHash(secret)
	err := s.view(ctx, func(w *work) error {
		user, err := w.tx.Session(hash, w.now)
		if err != nil {
			return err
		}
		v, err = w.viewer(user)
		return err
	})
	if err != nil {
		return Viewer{}, err
	}
	v.session = hash
	return v, nil
}

// SignOut ends the session whose secret is secret.
func (s *Service) SignOut(ctx context.Context, v Viewer, secret string) error {
	return s.update(ctx, func(w *work) error {
		_, err := w.tx.EndSession(SecretHash(secret), v.ID, "", w.now)
		return err
	})
}

// SessionsPage is one page of the open sessions.
type SessionsPage struct {
	Rows        []SessionRow
	Total       int
	Page, Pages int
}

// SessionRow is an open session with its person.
type SessionRow struct {
	SessionInfo
	Who Person
	// Current is the session the viewer reads the list in: ending it is
	// signing out.
	Current bool
}

// Sessions lists the open sessions of the viewer's platform, newest
// first, page by page: for staff alone.
func (s *Service) Sessions(ctx context.Context, v Viewer, page int) (SessionsPage, error) {
	if !isStaff(v.Member) {
		return SessionsPage{}, refuse(NotYours, "web.error.staff_only")
	}
	page = clampPage(page)
	var out SessionsPage
	err := s.view(ctx, func(w *work) error {
		list, total, err := w.tx.Sessions(v.ID.Platform(), w.now, (page-1)*SessionsPerPage, SessionsPerPage)
		if err != nil {
			return err
		}
		out = SessionsPage{Total: total, Page: page, Pages: pages(total, SessionsPerPage)}
		if page > out.Pages {
			// Past the end: the last page.
			out.Page = out.Pages
			if list, _, err = w.tx.Sessions(v.ID.Platform(), w.now, (out.Page-1)*SessionsPerPage, SessionsPerPage); err != nil {
				return err
			}
		}
		for _, si := range list {
			// The list has a prefix of each hash: enough to tell
			// sessions apart (SessionIDLen hex digits).
			current := si.User == v.ID && len(si.ID) == SessionIDLen && strings.HasPrefix(v.session, si.ID)
			out.Rows = append(out.Rows, SessionRow{SessionInfo: si, Who: w.person(si.User), Current: current})
		}
		return nil
	})
	if err != nil {
		return SessionsPage{}, fmt.Errorf("sessions: %w", err)
	}
	return out, nil
}

// EndSession ends the session of the viewer's platform whose
// SessionInfo.ID is id, for staff; it reports whether one was open.
func (s *Service) EndSession(ctx context.Context, v Viewer, id string) (bool, error) {
	if !isStaff(v.Member) {
		return false, refuse(NotYours, "web.error.staff_only")
	}
	if len(id) != SessionIDLen || strings.Trim(id, "0123456789abcdef") != "" {
		return false, nil
	}
	var ended bool
	err := s.update(ctx, func(w *work) error {
		var err error
		ended, err = w.tx.EndSession(id, v.ID, v.ID.Platform(), w.now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("end a session: %w", err)
	}
	return ended, nil
}

// viewer is person id as a page sees them, roles as they are now;
// ErrNotFound when the helpdesk does not know them.
func (w *work) viewer(id UserID) (Viewer, error) {
	m, err := w.tx.Member(id)
	if err != nil {
		return Viewer{}, err
	}
	return Viewer{Member: m, Lang: w.s.pickLang(m.Lang, m.Locale)}, nil
}

// maxPage bounds the page numbers people ask for: a page beyond the last
// shows the last, and no arithmetic on a page number can overflow.
const maxPage = 1 << 20

// clampPage is a page number within 1 … maxPage.
func clampPage(n int) int { return min(max(n, 1), maxPage) }

// pages is how many pages of per hold total rows (at least one).
func pages(total, per int) int { return max((total+per-1)/per, 1) }
