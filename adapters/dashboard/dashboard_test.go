package dashboard_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/dashboard"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// clock is moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// chat answers every call at once.
type chat struct{ n atomic.Int64 }

func (c *chat) Post(context.Context, bot.Place, bot.Message) (string, error) {
	return fmt.Sprintf("m%d", c.n.Add(1)), nil
}
func (c *chat) StartThread(_ context.Context, ref string, _ bot.Message) (string, error) {
	return "t" + ref, nil
}
func (c *chat) Edit(context.Context, string, bot.Message) error  { return nil }
func (c *chat) React(context.Context, string, string) error      { return nil }
func (c *chat) Invite(context.Context, string, bot.UserID) error { return nil }

// desk is a helpdesk on "test" with its dashboard on a test server.
type desk struct {
	t     testing.TB
	svc   *bot.Service
	store *sqlite.Store
	cat   *locales.Catalog
	clock *clock
	srv   *httptest.Server
	// writes counts the store's write transactions.
	writes atomic.Int64
}

func newDesk(t testing.TB) *desk {
	t.Helper()
	ctx := context.Background()
	d := &desk{t: t, clock: &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}}
	var err error
	if d.cat, err = locales.Default(); err != nil {
		t.Fatal(err)
	}
	if d.store, err = sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.Options{Clock: d.clock, Observe: func(write bool, _ time.Duration, _ bool) {
		if write {
			d.writes.Add(1)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.store.Close() })
	// The server first, for its address: the links lead there.
	mux := http.NewServeMux()
	d.srv = httptest.NewServer(mux)
	t.Cleanup(d.srv.Close)
	d.svc = bot.New(d.store, d.clock, d.cat, bot.Config{DashboardURL: d.srv.URL})
	d.svc.Attach("test", &chat{})
	dash, err := dashboard.New(dashboard.Options{
		Core: d.svc, Catalog: d.cat, Clock: d.clock, URL: d.srv.URL,
		ThreadURL: func(platform, ref string) string { return "https://chat.example.org/" + platform + "/" + ref },
		// The export lists the numbers of the cases the core exports.
		Export: func(ctx context.Context, v bot.Viewer, w io.Writer) error {
			recs, err := d.svc.Export(ctx, v)
			if err != nil {
				return err
			}
			ids := []int64{}
			for _, r := range recs {
				ids = append(ids, r.Case.ID)
			}
			return json.NewEncoder(w).Encode(map[string][]int64{"cases": ids})
		},
		// A person's data: who they are and the titles of their cases.
		MyData: func(ctx context.Context, v bot.Viewer, w io.Writer) error {
			pd, err := d.svc.PersonData(ctx, v.ID)
			if err != nil {
				return err
			}
			titles := []string{}
			for _, c := range pd.Cases {
				titles = append(titles, c.Case.Title)
			}
			return json.NewEncoder(w).Encode(map[string]any{"id": pd.Person.ID, "cases": titles})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", dash.Handler())
	for _, m := range []bot.Member{
		{ID: "test:ana", Name: "ana", Roles: bot.Roles{Committee: true, Chair: true}},
		{ID: "test:bo", Name: "bo", Roles: bot.Roles{Committee: true}},
		{ID: "test:chen", Name: "chen", Roles: bot.Roles{Committee: true}},
		{ID: "test:sam", Name: "sam", Roles: bot.Roles{Staff: true}},
		{ID: "test:ivan", Name: "ivan", Roles: bot.Roles{Groups: []string{"implementation"}}},
		{ID: "test:rita", Name: "rita"},
		{ID: "test:dora", Name: "dora"},
	} {
		if err := d.svc.MemberSeen(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// file has who file a request and returns its number.
func (d *desk) file(who, title string) int64 {
	d.t.Helper()
	r := d.svc.Submit(context.Background(), bot.Invocation{User: bot.UserID("test:" + who), Name: who},
		bot.Submission{Kind: bot.RequestForm, Type: bot.MediaUpload, Values: map[string]string{"title": title, "description": "Scans of maps."}})
	if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
		d.t.Fatalf("not opened: %+v", r.Reply)
	}
	if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
		d.t.Fatal(err)
	}
	return d.last()
}

// last is the number of the newest case.
func (d *desk) last() int64 {
	d.t.Helper()
	cs := d.rows(bot.CaseQuery{Sort: bot.SortNumber, Desc: true, Limit: 1})
	return cs[0].ID
}

// rows reads the cases table's rows as the store gives them, for every
// viewer.
func (d *desk) rows(q bot.CaseQuery) []bot.CaseRow {
	d.t.Helper()
	var rows []bot.CaseRow
	err := d.store.View(context.Background(), func(tx bot.Tx) error {
		var err error
		rows, _, err = tx.CasePage(q)
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return rows
}

// link is the link /helpdesk dashboard gives who.
func (d *desk) link(who string) string {
	d.t.Helper()
	r := d.svc.Command(context.Background(), bot.Invocation{User: bot.UserID("test:" + who), Name: who}, "dashboard")
	if r.Reply == nil || r.Reply.Lines[0].ID != "dashboard.link" {
		d.t.Fatalf("dashboard: %+v", r.Reply)
	}
	return r.Reply.Lines[0].Args["url"].Code
}

// browser is an HTTP client with cookies, that does not follow redirects
// on its own (the tests look at them).
type browser struct {
	t testing.TB
	c *http.Client
	d *desk
}

func (d *desk) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: d.t, d: d, c: &http.Client{Jar: jar}}
}

// get fetches a page and returns its status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, nil)
}

func (b *browser) do(method, path string, form url.Values, header http.Header) (int, string) {
	b.t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = b.d.srv.URL + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// signIn opens link and presses its button; it returns the status and
// page the button leads to.
func (b *browser) signIn(link string) (int, string) {
	b.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		b.t.Fatal(err)
	}
	if code, page := b.get(link); code != http.StatusOK || !strings.Contains(page, `name="t"`) {
		b.t.Fatalf("the link's page: %d %s", code, page)
	}
	return b.do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}}, http.Header{"Origin": {b.d.srv.URL}})
}

func (d *desk) say(lang, id string, kv ...any) string {
	return d.cat.Text(lang, bot.T(id, kv...), locales.Style{Escape: func(s string) string { return s }})
}

func TestALinkSignsInOnceWithinFifteenMinutes(t *testing.T) {
	d := newDesk(t)
	link := d.link("sam")
	if !strings.HasPrefix(link, d.srv.URL+bot.SignInPath+"?t=") {
		t.Fatalf("link %q", link)
	}
	b := d.browser()
	// Opening the link (as a chat's preview does) spends nothing.
	if code, _ := b.get(link); code != http.StatusOK {
		t.Fatalf("GET the link: %d", code)
	}
	if code, page := b.signIn(link); code != http.StatusOK || !strings.Contains(page, d.say("en", "web.cases.title")) {
		t.Fatalf("sign in: %d %s", code, page)
	}
	if code, _ := b.get("/cases"); code != http.StatusOK {
		t.Errorf("the session does not hold: %d", code)
	}
	// Twice: refused, and says so.
	code, page := d.browser().signIn(link)
	if code != http.StatusForbidden || !strings.Contains(page, "used already") {
		t.Errorf("the link twice: %d %s", code, page)
	}
	// After 15 minutes: refused.
	late := d.link("sam")
	d.clock.add(15*time.Minute + time.Second)
	if code, page := d.browser().signIn(late); code != http.StatusForbidden || !strings.Contains(page, "expired") {
		t.Errorf("a link 15 minutes old: %d %s", code, page)
	}
	// A made-up link.
	if code, _ := d.browser().signIn(d.srv.URL + bot.SignInPath + "?t=" + bot.NewSecret()); code != http.StatusForbidden {
		t.Errorf("a made-up link: %d", code)
	}
	// Without a session: a page that says how to sign in.
	if code, page := d.browser().get("/cases"); code != http.StatusUnauthorized || !strings.Contains(page, "/helpdesk dashboard") {
		t.Errorf("no session: %d %s", code, page)
	}
	// The session ends after SessionValid.
	d.clock.add(bot.SessionValid)
	if code, _ := b.get("/cases"); code != http.StatusUnauthorized {
		t.Errorf("a session past its time: %d", code)
	}
}

func TestAPostFromAnotherSiteIsRefused(t *testing.T) {
	d := newDesk(t)
	link := d.link("sam")
	u, _ := url.Parse(link)
	b := d.browser()
	for _, h := range []http.Header{
		{"Origin": {"https://evil.example"}},
		{"Sec-Fetch-Site": {"cross-site"}},
	} {
		if code, _ := b.do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}}, h); code != http.StatusForbidden {
			t.Errorf("a cross-site sign-in (%v): %d", h, code)
		}
	}
	// The link was not spent by the refused posts.
	if code, _ := b.signIn(link); code != http.StatusOK {
		t.Fatalf("sign in after refused posts: %d", code)
	}
	if code, _ := b.do(http.MethodPost, "/signout", url.Values{}, http.Header{"Origin": {"https://evil.example"}}); code != http.StatusForbidden {
		t.Errorf("a cross-site sign-out: %d", code)
	}
	if code, _ := b.get("/cases"); code != http.StatusOK {
		t.Error("a cross-site sign-out ended the session")
	}
	if code, _ := b.do(http.MethodPost, "/signout", url.Values{}, http.Header{"Origin": {d.srv.URL}}); code != http.StatusOK {
		t.Errorf("sign out: %d", code)
	}
	if code, _ := b.get("/cases"); code != http.StatusUnauthorized {
		t.Error("signed out, the session still holds")
	}
}

func TestUserTextIsEscapedAndNoScriptMayRun(t *testing.T) {
	d := newDesk(t)
	hostile := "<script>alert(1)</script> \u202Eevil\u202C <img src=x onerror=alert(2)> {{.x}}"
	id := d.file("rita", hostile)
	b := d.browser()
	b.signIn(d.link("sam"))
	for _, path := range []string{"/cases", fmt.Sprintf("/cases/%d", id)} {
		req, _ := http.NewRequest(http.MethodGet, d.srv.URL+path, nil)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		// same-origin: no address reaches another site, and the
		// dashboard's own forms carry their Origin.
		if resp.Header.Get("Referrer-Policy") != "same-origin" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
		s := string(page)
		if strings.Contains(s, "<script") || strings.Contains(s, "<img") || !strings.Contains(s, "&lt;script&gt;") {
			t.Errorf("%s: the title is not escaped:\n%s", path, s)
		}
		// The override stays inside an isolate: <bdi> in the table, FSI…PDI in the heading.
		if !strings.Contains(s, "<bdi>&lt;script&gt;") && !strings.Contains(s, "\u2068&lt;script&gt;") {
			t.Errorf("%s: the title is not isolated", path)
		}
		if strings.Contains(s, " style=") || strings.Contains(s, "<img") {
			t.Errorf("%s: inline style or handler", path)
		}
	}
}

func TestWhoSeesWhat(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	ritas := d.file("rita", "Rita's maps")
	doras := d.file("dora", "Dora's letters")
	rita, sam, ana, ivan := d.browser(), d.browser(), d.browser(), d.browser()
	rita.signIn(d.link("rita"))
	sam.signIn(d.link("sam"))
	ana.signIn(d.link("ana"))
	ivan.signIn(d.link("ivan"))

	// A requester: her own case, not another's; the table holds hers.
	if code, page := rita.get(fmt.Sprintf("/cases/%d", ritas)); code != http.StatusOK || !strings.Contains(page, "Rita&#39;s maps") {
		t.Errorf("rita's own case: %d", code)
	}
	code, page := rita.get(fmt.Sprintf("/cases/%d", doras))
	if code != http.StatusForbidden || strings.Contains(page, "letters") {
		t.Errorf("rita opening dora's case: %d %s", code, page)
	}
	if _, page := rita.get("/cases"); strings.Contains(page, "letters") || !strings.Contains(page, "maps") {
		t.Errorf("rita's table shows another's case")
	}
	if code, _ := rita.get("/cases.csv"); code != http.StatusForbidden {
		t.Errorf("rita's CSV: %d", code)
	}
	if code, _ := rita.get("/export.json"); code != http.StatusForbidden {
		t.Errorf("rita's export: %d", code)
	}
	if code, _ := rita.get("/sessions"); code != http.StatusForbidden {
		t.Errorf("rita's sessions page: %d", code)
	}
	if code, _ := rita.get("/cases/999"); code != http.StatusNotFound {
		t.Errorf("a case that does not exist: %d", code)
	}

	// The committee: every case, and "waiting for me" holds the rounds
	// not voted in.
	if _, page := ana.get("/cases?view=waiting"); !strings.Contains(page, "maps") || !strings.Contains(page, "letters") {
		t.Errorf("ana waiting: %s", page)
	}
	ref, err := d.svc.ReactionTarget(ctx, ritas, "test:ana", "✅")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.svc.ReactionAdded(ctx, bot.Reaction{Post: ref, User: "test:ana", Emoji: "✅"}); err != nil {
		t.Fatal(err)
	}
	if _, page := ana.get("/cases?view=waiting"); strings.Contains(page, "maps") || !strings.Contains(page, "letters") {
		t.Errorf("ana voted on rita's case, which still waits for her")
	}
	if _, page := ana.get(fmt.Sprintf("/cases/%d", ritas)); !strings.Contains(page, `<table class="votes">`) || !strings.Contains(page, "<bdi>ana</bdi>") {
		t.Errorf("the committee does not see who voted what")
	}
	if _, page := rita.get(fmt.Sprintf("/cases/%d", ritas)); strings.Contains(page, `<table class="votes">`) {
		t.Errorf("the requester sees who voted what")
	}
	// Filters and search narrow the table.
	// (The titles as the table writes them: the search box repeats the
	// words searched for.)
	maps, letters := "Rita&#39;s maps", "Dora&#39;s letters"
	if _, page := ana.get("/cases?q=letters"); strings.Contains(page, maps) || !strings.Contains(page, letters) {
		t.Errorf("search")
	}
	if _, page := ana.get("/cases?q=letters&type=media-upload&sort=title"); strings.Contains(page, maps) || !strings.Contains(page, letters) {
		t.Errorf("search with a type and an order")
	}
	if _, page := ana.get("/cases?stage=support"); strings.Contains(page, maps) || strings.Contains(page, letters) {
		t.Errorf("stage filter")
	}
	// A working group member: neither case is routed to theirs.
	if _, page := ivan.get("/cases"); strings.Contains(page, "maps") || strings.Contains(page, "letters") {
		t.Errorf("ivan sees cases not routed to his group")
	}

	// Staff: the CSV of the table, with a title a spreadsheet would run
	// quoted as text.
	d.file("rita", "=HYPERLINK(\"http://x\")")
	code, body := sam.get("/cases.csv")
	if code != http.StatusOK {
		t.Fatalf("CSV: %d", code)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][1] != d.say("en", "web.col.title") {
		t.Fatalf("CSV: %v %v", recs, err)
	}
	for _, r := range recs[1:] {
		if strings.HasPrefix(r[1], "=") {
			t.Errorf("a formula in the CSV: %q", r[1])
		}
	}
	if code, body := sam.get("/export.json"); code != http.StatusOK || body != `{"cases":[1,2,3]}`+"\n" {
		t.Errorf("export: %d %s", code, body)
	}

	// A member who leaves the committee loses access at once.
	if err := d.svc.MemberSeen(ctx, bot.Member{ID: "test:ana", Name: "ana"}); err != nil {
		t.Fatal(err)
	}
	if code, _ := ana.get(fmt.Sprintf("/cases/%d", doras)); code != http.StatusForbidden {
		t.Errorf("ana, off the committee, opening dora's case: %d", code)
	}
}

func TestStaffEndASession(t *testing.T) {
	d := newDesk(t)
	sam, rita := d.browser(), d.browser()
	sam.signIn(d.link("sam"))
	rita.signIn(d.link("rita"))
	_, page := sam.get("/sessions")
	i := strings.Index(page, `name="id" value="`)
	if i < 0 || !strings.Contains(page, "<bdi>rita</bdi>") {
		t.Fatalf("sessions page: %s", page)
	}
	// Rita's row comes first or second; end hers.
	rows := strings.Split(page, "<tr>")
	var id string
	for _, r := range rows {
		if strings.Contains(r, "<bdi>rita</bdi>") {
			j := strings.Index(r, `name="id" value="`) + len(`name="id" value="`)
			id = r[j : j+strings.Index(r[j:], `"`)]
		}
	}
	if code, _ := sam.do(http.MethodPost, "/sessions/end", url.Values{"id": {id}}, http.Header{"Origin": {d.srv.URL}}); code != http.StatusOK {
		t.Fatalf("end: %d", code)
	}
	if code, _ := rita.get("/cases"); code != http.StatusUnauthorized {
		t.Errorf("rita's ended session still holds: %d", code)
	}
	if code, _ := sam.get("/cases"); code != http.StatusOK {
		t.Errorf("sam's own session ended too: %d", code)
	}
	// Rita may not end sessions.
	rita.signIn(d.link("rita"))
	if code, _ := rita.do(http.MethodPost, "/sessions/end", url.Values{"id": {id}}, http.Header{"Origin": {d.srv.URL}}); code != http.StatusForbidden {
		t.Errorf("rita ending a session: %d", code)
	}
}

func TestPagesSpeakTheReadersLanguage(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	if err := d.svc.MemberSeen(ctx, bot.Member{ID: "test:sam", Name: "sam", Lang: "ar", Roles: bot.Roles{Staff: true}}); err != nil {
		t.Fatal(err)
	}
	r := d.svc.Command(ctx, bot.Invocation{User: "test:sam", Name: "sam"}, "language ar")
	if r.Reply == nil {
		t.Fatal("no reply")
	}
	d.file("rita", "Maps")
	b := d.browser()
	b.signIn(d.link("sam"))
	for _, path := range []string{"/cases", "/cases/1", "/stats", "/sessions"} {
		code, page := b.get(path)
		if code != http.StatusOK || !strings.Contains(page, `<html lang="ar" dir="rtl">`) {
			t.Errorf("%s: %d, not Arabic right to left: %.200s", path, code, page)
		}
	}
	_, page := b.get("/stats")
	if !strings.Contains(page, d.say("ar", "web.stats.title")) {
		t.Error("the statistics are not in Arabic")
	}
	// Someone not signed in reads what their browser asks for.
	code, page := d.browser().do(http.MethodGet, "/cases", nil, http.Header{"Accept-Language": {"sv-SE,sv;q=0.9"}})
	if code != http.StatusUnauthorized || !strings.Contains(page, `lang="sv"`) {
		t.Errorf("not signed in, Swedish asked: %d %.200s", code, page)
	}
}

// The next deadline of a case under review is its vote's, not the
// reminder's that comes before it.
func TestTheNextDeadlineIsTheVotes(t *testing.T) {
	d := newDesk(t)
	d.file("rita", "Maps")
	rows := d.rows(bot.CaseQuery{})
	if len(rows) != 1 {
		t.Fatalf("%v", rows)
	}
	if want := d.clock.Now().Add(bot.DefaultRule.Deadline); !rows[0].NextDeadline.Equal(want) {
		t.Errorf("next deadline %v, want the vote's %v", rows[0].NextDeadline, want)
	}
}

// A link copied from an Arabic chat may carry the isolate around it, or a
// mark, into the address bar: the link still signs in, once (#24).
func TestALinkCopiedWithDirectionMarksSignsIn(t *testing.T) {
	d := newDesk(t)
	for _, c := range []struct {
		name          string
		path          string
		before, after string
	}{
		{"the closing isolate", bot.SignInPath, "", "\u2069"},
		{"both isolates", bot.SignInPath, "\u2066", "\u2069"},
		{"a right-to-left mark", bot.SignInPath, "\u200f", "\u200f"},
		{"a left-to-right mark and an Arabic letter mark", bot.SignInPath, "\u200e", "\u061c"},
		{"an embedding", bot.SignInPath, "\u202b", "\u202c"},
		{"a mark in the path", bot.SignInPath + "\u2069", "", "\u2069"},
	} {
		link := d.link("sam")
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		// As a browser sends it: the marks percent-encoded.
		u.Path = c.path
		u.RawQuery = url.Values{"t": {c.before + u.Query().Get("t") + c.after}}.Encode()
		b := d.browser()
		if code, page := b.signIn(u.String()); code != http.StatusOK || !strings.Contains(page, d.say("en", "web.cases.title")) {
			t.Errorf("%s (%s): %d %s", c.name, u, code, page)
			continue
		}
		if code, _ := b.get("/cases"); code != http.StatusOK {
			t.Errorf("%s: no session: %d", c.name, code)
		}
		// Spent: the same link with its marks is refused the second time.
		if code, _ := d.browser().signIn(u.String()); code != http.StatusForbidden {
			t.Errorf("%s: signed in twice: %d", c.name, code)
		}
	}
}
