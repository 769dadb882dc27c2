// Package dashboard is the helpdesk's web dashboard: every case, its
// timeline and its votes, the statistics with charts, and exports, for the
// committee, staff and requesters, in the reader's language.
//
// It holds no rule of its own about who may see what, and no road to the
// database: every page asks the core (Core, which bot.Service is) with
// the viewer, and shows what comes back. The core's rights.go decides.
//
// Sign-in needs no password. /helpdesk dashboard answers privately with a
// one-time link (a random 256-bit secret, of which the store keeps only
// the SHA-256, valid 15 minutes, spent once). Opening the link shows a
// button; pressing it (a POST) spends the link and starts a session, held
// in an HttpOnly, SameSite=Lax cookie (Secure, and named with the __Host-
// prefix so that no sibling host can plant one, when the dashboard's
// address is https). The GET does not spend it: chat platforms fetch
// links to preview them, and a preview must not use up the link. A
// session lasts bot.SessionValid and can be ended by its owner (sign out)
// or by staff. An address that fails to sign in too often is told to
// wait (failedSignIns).
//
// The person's roles are read from the roster at each request: who leaves
// the committee sees at once what a requester sees (their own cases and
// those of their working groups).
//
// Pages are rendered on the server with html/template (every value
// escaped; user text in <bdi>), need no JavaScript, and are served with a
// Content-Security-Policy that allows no script at all. Charts are inline
// SVG drawn on the server, each with a table of the same figures beside
// it. POSTs are accepted from the dashboard's own pages only (Origin, or
// Sec-Fetch-Site, must say so; the Referrer-Policy same-origin makes
// browsers send the Origin of the dashboard's own forms).
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// The session cookie's names: over https, the __Host- prefix binds it to
// the dashboard's own host (browsers refuse one set by a sibling host, or
// without Secure and Path=/).
const (
	cookieName       = "helpdesk_session"
	secureCookieName = "__Host-helpdesk_session"
)

// Core is what the dashboard asks of the helpdesk; *bot.Service is one.
// Every read takes the viewer and returns only what they may see; a
// refusal (bot.Refusal) says why not, in the core's words.
type Core interface {
	Config() bot.Config
	GroupText(id string) bot.Text
	SignIn(ctx context.Context, secret string) (session string, v bot.Viewer, err error)
	Session(ctx context.Context, secret string) (bot.Viewer, error)
	SignOut(ctx context.Context, v bot.Viewer, secret string) error
	Cases(ctx context.Context, v bot.Viewer, l bot.CaseList) (bot.CasesPage, error)
	TodoText(t bot.Todo) bot.Text
	Staff(ctx context.Context, v bot.Viewer) ([]bot.Person, error)
	Command(ctx context.Context, inv bot.Invocation, line string) bot.Response
	CaseView(ctx context.Context, v bot.Viewer, id int64) (bot.CaseView, error)
	Attachment(ctx context.Context, v bot.Viewer, caseID, id int64) (bot.Attachment, error)
	Stats(ctx context.Context, v bot.Viewer) (bot.Stats, error)
	CaseSheet(ctx context.Context, v bot.Viewer, l bot.CaseList) (bot.SheetPage, error)
	Sessions(ctx context.Context, v bot.Viewer, page int) (bot.SessionsPage, error)
	EndSession(ctx context.Context, v bot.Viewer, id string) (bool, error)
}

var _ Core = (*bot.Service)(nil)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure the dashboard.
type Options struct {
	Core    Core
	Catalog *locales.Catalog
	Clock   bot.Clock
	// URL is the dashboard's address as people open it (the links of
	// /helpdesk dashboard lead there): its scheme decides Secure cookies,
	// its origin the POSTs accepted.
	URL string
	// Export writes what v may export as JSON (what helpdesk export
	// prints, of the cases the core lets v export: bot.Service.Export).
	Export func(ctx context.Context, v bot.Viewer, w io.Writer) error
	// MyData writes everything the helpdesk holds about v as JSON (what
	// helpdesk privacy access prints), for their right of access.
	MyData func(ctx context.Context, v bot.Viewer, w io.Writer) error
	// ThreadURL, when set, gives the web address of a case's thread on
	// its platform ("" when it has none).
	ThreadURL func(platform, ref string) string
	Logger    *slog.Logger
}

// Dashboard serves the pages.
type Dashboard struct {
	opt    Options
	origin string // scheme://host of opt.URL
	secure bool
	cookie string // the session cookie's name
	pages  map[string]*template.Template
	log    *slog.Logger
	labels sync.Map // "lang\x00id" → the label rendered (see page.T)
	failed *failedSignIns
}

// New makes the dashboard.
func New(opt Options) (*Dashboard, error) {
	u, err := url.Parse(opt.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("dashboard: %q is not an http(s) address", opt.URL)
	}
	if opt.Core == nil || opt.Catalog == nil || opt.Clock == nil {
		return nil, errors.New("dashboard: core, catalog and clock are needed")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dashboard{opt: opt, origin: u.Scheme + "://" + u.Host, secure: u.Scheme == "https", log: opt.Logger,
		cookie: cookieName, failed: newFailedSignIns()}
	if d.secure {
		d.cookie = secureCookieName
	}
	if d.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return d, nil
}

// Handler routes the dashboard's pages.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/style.css", d.style)
	mux.HandleFunc("GET "+bot.SignInPath, d.signInPage)
	mux.HandleFunc("POST "+bot.SignInPath, d.signIn)
	mux.HandleFunc("POST /signout", d.signOut)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/cases", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /cases", d.member(d.cases))
	mux.HandleFunc("GET /cases.csv", d.member(d.casesCSV))
	mux.HandleFunc("GET /cases/{id}", d.member(d.casePage))
	mux.HandleFunc("POST /cases/{id}", d.member(d.caseAction))
	mux.HandleFunc("GET /cases/{id}/files/{file}", d.member(d.file))
	mux.HandleFunc("GET /stats", d.member(d.stats))
	mux.HandleFunc("GET /export.json", d.member(d.exportJSON))
	mux.HandleFunc("GET "+bot.MyDataPath, d.member(d.myData))
	mux.HandleFunc("GET /sessions", d.member(d.sessions))
	mux.HandleFunc("POST /sessions/end", d.member(d.endSession))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, nil, http.StatusNotFound, bot.T("web.error.not_found"))
	})
	return headers(cleanPath(mux))
}

// bidiControl reports the invisible direction controls that a link copied
// from a right-to-left chat may carry into an address: the isolates
// (U+2066 … U+2069) the helpdesk puts around a link in an Arabic line, the
// marks (U+200E, U+200F, U+061C) and the embeddings and overrides
// (U+202A … U+202E). None is part of a path or of a secret.
func bidiControl(r rune) bool {
	return r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c || r >= 0x202a && r <= 0x202e
}

// withoutBidi is a pasted secret without direction controls and spaces.
func withoutBidi(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if bidiControl(r) {
			return -1
		}
		return r
	}, s))
}

// cleanPath takes the direction controls out of a request's path before it
// is routed: "/signin\u2069" is the sign-in page.
func cleanPath(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.ContainsFunc(r.URL.Path, bidiControl) {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.Map(func(r rune) rune {
				if bidiControl(r) {
					return -1
				}
				return r
			}, r.URL.Path)
			r2.URL.RawPath = ""
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}

// headers sets what every answer carries: no script may run, no other
// site may frame the pages, no address (a sign-in link's secret) leaks in
// a Referer to another site, and pages are not cached. The referrer
// policy same-origin also makes browsers send the Origin of a form posted
// from the dashboard's own pages (no-referrer would make it "null").
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func (d *Dashboard) style(w http.ResponseWriter, r *http.Request) {
	b, err := files.ReadFile("static/style.css")
	if err != nil {
		http.Error(w, "no style", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(b)
}

// sameOrigin reports whether a POST comes from the dashboard's own pages.
// Browsers send the Origin of a form's POST (the dashboard's referrer
// policy lets them say it); "null" is an opaque origin — a sandboxed
// frame, a data: page, a redirect from elsewhere — and never the
// dashboard's own. Without Origin, Sec-Fetch-Site says; with neither (an
// old browser or a script) the POST is taken: the session cookie is
// SameSite=Lax, so another site's form cannot carry it.
func (d *Dashboard) sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return o == d.origin
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none", "":
		return true
	}
	return false
}

// langFor is the language of a page for someone not signed in: what
// their browser asks for.
func (d *Dashboard) langFor(r *http.Request) string {
	if tag, ok := d.opt.Catalog.Match(r.Header.Get("Accept-Language")); ok {
		return tag
	}
	return d.opt.Core.Config().DefaultLang
}

func (d *Dashboard) now() time.Time { return d.opt.Clock.Now() }

// signInPage shows the button that spends a link; it spends nothing.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	lang := d.langFor(r)
	// A link copied from a right-to-left chat may carry the isolates
	// or marks around it; they are no part of a secret.
	secret := withoutBidi(r.URL.Query().Get("t"))
	if secret == "" {
		d.fail(w, r, nil, http.StatusBadRequest, bot.T("web.signin.needed", "cmd", bot.C("/helpdesk dashboard")))
		return
	}
	d.render(w, r, http.StatusOK, "signin", d.newPage(lang, nil, bot.T("web.signin.title")), struct{ Secret, Next string }{secret, next(r.URL.Query().Get("next"))})
}

// signIn spends a link and starts a session.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	if !d.sameOrigin(r) {
		d.fail(w, r, nil, http.StatusForbidden, bot.T("web.signin.unknown", "cmd", bot.C("/helpdesk dashboard")))
		return
	}
	addr := clientAddr(r)
	now := d.now()
	if !d.failed.allow(addr, now) {
		d.log.Info("dashboard: sign-in refused, too many failures", "remote", addr)
		w.Header().Set("Retry-After", fmt.Sprint(int(failedWindow/time.Second)))
		d.fail(w, r, nil, http.StatusTooManyRequests, bot.T("web.signin.too_many", "cmd", bot.C("/helpdesk dashboard")).Plural(int(failedWindow/time.Minute)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	secret := withoutBidi(r.PostFormValue("t"))
	session, v, err := d.opt.Core.SignIn(r.Context(), secret)
	if err != nil {
		if ref, ok := bot.AsRefusal(err); ok {
			// Only made-up secrets count: a link used or expired is
			// a person's, not a guess.
			if ref.Kind == bot.NoSuch {
				d.failed.add(addr, now)
			}
			d.log.Info("dashboard: sign-in refused", "remote", addr)
			// Unknown, used or expired: the link does not let them in.
			d.fail(w, r, nil, http.StatusForbidden, ref.Text)
			return
		}
		d.failErr(w, r, nil, "sign in", err)
		return
	}
	d.log.Info("dashboard: signed in", "user", string(v.ID))
	http.SetCookie(w, &http.Cookie{
		// MaxAge, not Expires: the browser's clock need not be the
		// helpdesk's (the shell's runs on its own).
		Name: d.cookie, Value: session, Path: "/", MaxAge: int(bot.SessionValid / time.Second),
		HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, next(r.PostFormValue("next")), http.StatusSeeOther)
}

// next is where a sign-in leads: the page a link named, of the few a link
// may name (a person's data), else the cases.
func next(path string) string {
	if path == bot.MyDataPath {
		return path
	}
	return "/cases"
}

// session returns the viewer of the request's session, if any, and the
// session's secret.
func (d *Dashboard) session(r *http.Request) (bot.Viewer, string, bool) {
	c, err := r.Cookie(d.cookie)
	if err != nil || c.Value == "" {
		return bot.Viewer{}, "", false
	}
	v, err := d.opt.Core.Session(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, bot.ErrNotFound) {
			d.log.Error("dashboard: read a session", "err", err)
		}
		return bot.Viewer{}, "", false
	}
	return v, c.Value, true
}

func (d *Dashboard) signOut(w http.ResponseWriter, r *http.Request) {
	if !d.sameOrigin(r) {
		d.fail(w, r, nil, http.StatusForbidden, bot.T("web.error.not_found"))
		return
	}
	v, secret, ok := d.session(r)
	if ok {
		if err := d.opt.Core.SignOut(r.Context(), v, secret); err != nil {
			d.log.Error("dashboard: end a session", "err", err)
		}
	}
	lang := d.langFor(r)
	if ok {
		lang = v.Lang
	}
	d.signedOut(w, r, lang)
}

// signedOut clears the session cookie and says so.
func (d *Dashboard) signedOut(w http.ResponseWriter, r *http.Request, lang string) {
	http.SetCookie(w, &http.Cookie{Name: d.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteLaxMode})
	d.render(w, r, http.StatusOK, "message", d.newPage(lang, nil, bot.T("web.signed_out")), d.text(lang, bot.T("web.signed_out")))
}

// member wraps a page that needs a session.
func (d *Dashboard) member(h func(w http.ResponseWriter, r *http.Request, v bot.Viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, _, ok := d.session(r)
		if !ok {
			d.fail(w, r, nil, http.StatusUnauthorized, bot.T("web.signin.needed", "cmd", bot.C("/helpdesk dashboard")))
			return
		}
		if r.Method == http.MethodPost && !d.sameOrigin(r) {
			d.fail(w, r, &v, http.StatusForbidden, bot.T("web.error.not_found"))
			return
		}
		h(w, r, v)
	}
}

// fail answers with a page that says what went wrong, in the reader's
// language; it never shows an error's text (which might hold anything).
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, v *bot.Viewer, status int, msg bot.Text) {
	lang := d.langFor(r)
	if v != nil {
		lang = v.Lang
	}
	d.render(w, r, status, "message", d.newPage(lang, v, bot.T("web.error.title")), d.text(lang, msg))
}

// failErr answers for an error of the core: a refusal with its own words
// and the status of its kind, a busy database with "try again", anything
// else logged and answered with an apology.
func (d *Dashboard) failErr(w http.ResponseWriter, r *http.Request, v *bot.Viewer, what string, err error) {
	if ref, ok := bot.AsRefusal(err); ok {
		d.fail(w, r, v, refusalStatus[ref.Kind], ref.Text)
		return
	}
	if errors.Is(err, bot.ErrBusy) {
		d.log.Warn("dashboard: database busy", "page", what, "err", err)
		w.Header().Set("Retry-After", "5")
		d.fail(w, r, v, http.StatusServiceUnavailable, bot.T("error.busy"))
		return
	}
	d.log.Error("dashboard: "+what, "err", err)
	d.fail(w, r, v, http.StatusInternalServerError, bot.T("web.error.failed"))
}

// refusalStatus is the HTTP status of each kind of refusal.
var refusalStatus = map[bot.RefusalKind]int{
	bot.NotNow:    http.StatusForbidden,
	bot.NoSuch:    http.StatusNotFound,
	bot.NotYours:  http.StatusForbidden,
	bot.Malformed: http.StatusBadRequest,
	bot.TooMany:   http.StatusTooManyRequests,
}

// text renders a core text for a page, without markup: the template
// escapes it.
func (d *Dashboard) text(lang string, t bot.Text) string {
	return d.opt.Catalog.Text(lang, t, plain)
}

// plain renders a text with what people wrote in it cleaned of direction
// controls (the catalog's own isolates come after, and stay).
var plain = locales.Style{
	Escape: locales.NeutraliseBidi,
	Person: func(p bot.Person) string { return locales.NeutraliseBidi(p.Name) },
}

// clean is what a person wrote, for a page: without direction controls
// (the template escapes it, and <bdi> or dir="auto" isolates it).
func clean(s string) string { return locales.NeutraliseBidi(s) }

// trimmed keeps at most n runes of s, for values read from a query.
func trimmed(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
