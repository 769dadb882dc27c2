package dashboard_test

// The findings of the second security audit (issue 19) that concern the
// dashboard, each a test named for it.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/dashboard"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

var plain = locales.Style{Escape: func(s string) string { return s }}

// M2: the requester reads neither the text nor the author of a working
// group's recommendation; they are told that one was given.
func TestM2RequesterDoesNotReadTheRecommendations(t *testing.T) {
	p := newTwoPlatforms(t)
	_, page := p.get("test:rita", fmt.Sprintf("/cases/%d", p.a))
	if strings.Contains(page, "600 dpi") || strings.Contains(page, "<bdi>ivan</bdi>:") {
		t.Errorf("the requester reads the recommendation:\n%s", page)
	}
	if !strings.Contains(page, p.say("en", "web.case.recommendation_given")) {
		t.Error("the requester is not told that a recommendation was given")
	}
	if _, page := p.get("test:ana", fmt.Sprintf("/cases/%d", p.a)); !strings.Contains(page, "600 dpi") {
		t.Error("the committee does not read the recommendation")
	}
}

// L1: a working-group member's table lists their platform's cases routed
// to their group, not the other platform's routed to a group of that id.
func TestL1GroupMemberDoesNotListTheOtherPlatformsCases(t *testing.T) {
	p := newTwoPlatforms(t)
	_, page := p.get("other:igor", "/cases")
	if strings.Contains(page, "Maps of the county") || !strings.Contains(page, "Letters of the mill") {
		t.Errorf("igor's table:\n%s", page)
	}
	_, page = p.get("other:igor", "/cases?group=implementation")
	if strings.Contains(page, "Maps of the county") {
		t.Error("filtered by the group, igor's table lists the other platform's case")
	}
}

// L2: staff's JSON export holds their platform's cases alone.
func TestL2StaffExportHoldsTheirPlatformOnly(t *testing.T) {
	p := newTwoPlatforms(t)
	code, body := p.get("test:sam", "/export.json")
	if want := fmt.Sprintf(`{"cases":[%d]}`, p.a); code != http.StatusOK || strings.TrimSpace(body) != want {
		t.Errorf("sam's export: %d %s, want %s", code, body, want)
	}
}

// L3: the statistics are the committee's and staff's, as /helpdesk stats.
func TestL3StatisticsAreForTheCommitteeAndStaff(t *testing.T) {
	p := newTwoPlatforms(t)
	for who, want := range map[bot.UserID]int{"test:rita": 403, "test:ivan": 403, "test:ana": 200, "test:sam": 200} {
		if code, _ := p.get(who, "/stats"); code != want {
			t.Errorf("%s /stats: %d, want %d", who, code, want)
		}
	}
}

// L4: a person holds at most bot.MaxSignInLinks live links and
// bot.MaxSessions sessions (the oldest go), and staff's list of sessions
// comes in pages.
func TestL4SignInLinksAndSessionsPerPersonAreCapped(t *testing.T) {
	d := newDesk(t)
	var links []string
	for range bot.MaxSignInLinks + 2 {
		links = append(links, d.link("rita"))
		d.clock.add(time.Second)
	}
	for i, l := range links {
		d.clock.add(time.Second)
		code, _ := d.browser().signIn(l)
		if want := i >= 2; (code == http.StatusOK) != want {
			t.Errorf("link %d of %d: %d", i+1, len(links), code)
		}
	}
	// Rita now holds 5 sessions; 7 more end the oldest 2 of the 12.
	var sessions []*browser
	d.clock.add(time.Second)
	for range bot.MaxSessions + 2 - bot.MaxSignInLinks {
		b := d.browser()
		if code, _ := b.signIn(d.link("rita")); code != http.StatusOK {
			t.Fatalf("sign in: %d", code)
		}
		sessions = append(sessions, b)
		d.clock.add(time.Second)
	}
	held := 0
	for _, b := range sessions {
		if code, _ := b.get("/cases"); code == http.StatusOK {
			held++
		}
	}
	if held != len(sessions) {
		t.Errorf("%d of the newest sessions hold, want all %d", held, len(sessions))
	}
	sam := d.browser()
	sam.signIn(d.link("sam"))
	_, page := sam.get("/sessions")
	if n := strings.Count(page, "<bdi>rita</bdi>"); n != bot.MaxSessions {
		t.Errorf("rita holds %d sessions, want %d", n, bot.MaxSessions)
	}
	// 60 people's sessions: the list comes 50 to a page.
	ctx := context.Background()
	for i := range 60 {
		id := bot.UserID(fmt.Sprintf("test:p%02d", i))
		if err := d.svc.MemberSeen(ctx, bot.Member{ID: id, Name: id.Local()}); err != nil {
			t.Fatal(err)
		}
		r := d.svc.Command(ctx, bot.Invocation{User: id}, "dashboard")
		d.browser().signIn(r.Reply.Lines[0].Args["url"].Code)
	}
	total := 60 + bot.MaxSessions + 1
	_, first := sam.get("/sessions")
	_, second := sam.get("/sessions?page=2")
	rows := func(page string) int { return len(rowsOf(page)) }
	if rows(first) != bot.SessionsPerPage || rows(second) != total-bot.SessionsPerPage {
		t.Errorf("pages of %d and %d sessions, want %d and %d", rows(first), rows(second), bot.SessionsPerPage, total-bot.SessionsPerPage)
	}
	if !strings.Contains(first, `href="/sessions?page=2"`) || !strings.Contains(first, d.cat.Text("en", bot.T("web.sessions.count").Plural(total), plain)) {
		t.Errorf("the first page neither counts the sessions nor leads to the next")
	}
}

// L5: direction overrides in what people write reach no page and no CSV.
func TestL5BidiOverridesAreNeutralised(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	spoof := "Invoice \u202Egpj.exe\u202C \u2067x\u2069"
	if err := d.svc.MemberSeen(ctx, bot.Member{ID: "test:rita", Name: "ri\u202Eta"}); err != nil {
		t.Fatal(err)
	}
	id := d.file("rita", spoof)
	sam := d.browser()
	sam.signIn(d.link("sam"))
	rita := d.browser()
	rita.signIn(d.link("rita"))
	for _, x := range []struct {
		b    *browser
		path string
	}{{sam, "/cases"}, {sam, fmt.Sprintf("/cases/%d", id)}, {sam, "/cases.csv"}, {sam, "/sessions"}, {rita, "/cases"}} {
		code, page := x.b.get(x.path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", x.path, code)
		}
		if i := strings.IndexFunc(page, func(r rune) bool { return r >= 0x202a && r <= 0x202e }); i >= 0 {
			t.Errorf("%s: a direction override in %q", x.path, page[max(i-40, 0):min(i+40, len(page))])
		}
		if !strings.Contains(page, "Invoice gpj.exe") && x.path != "/sessions" {
			t.Errorf("%s: the title is not shown, cleaned", x.path)
		}
	}
}

// I1: a sign-in posted with "Origin: null" (an opaque origin: a sandboxed
// frame, a data: page) and no Sec-Fetch-Site is refused, and spends
// nothing; the dashboard's own form, whose browser sends the real Origin
// under its referrer policy, signs in.
func TestI1SignInWithOriginNullIsRefused(t *testing.T) {
	d := newDesk(t)
	link := d.link("sam")
	u, _ := url.Parse(link)
	b := d.browser()
	if code, _ := b.do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}}, http.Header{"Origin": {"null"}}); code != http.StatusForbidden {
		t.Errorf("Origin: null: %d", code)
	}
	if code, _ := b.signIn(link); code != http.StatusOK {
		t.Errorf("the link was spent by the refused post: %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rp := resp.Header.Get("Referrer-Policy"); rp != "same-origin" {
		t.Errorf("Referrer-Policy %q", rp)
	}
}

// I2: over https the session cookie is named __Host-…, Secure, for the
// whole host and no domain, so that a sibling host cannot plant one.
func TestI2SessionCookieHasTheHostPrefixOverHTTPS(t *testing.T) {
	d := newDesk(t)
	const origin = "https://dash.example.org"
	dash, err := dashboard.New(dashboard.Options{Core: d.svc, Catalog: d.cat, Clock: d.clock, URL: origin + "/"})
	if err != nil {
		t.Fatal(err)
	}
	h := dash.Handler()
	u, _ := url.Parse(d.link("sam"))
	req := httptest.NewRequest(http.MethodPost, origin+bot.SignInPath, strings.NewReader(url.Values{"t": {u.Query().Get("t")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("sign in: %d %v", rec.Code, cookies)
	}
	c := cookies[0]
	if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
		t.Errorf("cookie %+v", c)
	}
	req = httptest.NewRequest(http.MethodGet, origin+"/cases", nil)
	req.AddCookie(c)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("the session does not hold: %d", rec.Code)
	}
	// A cookie of the plain name, as a sibling host could set, is not
	// taken.
	req = httptest.NewRequest(http.MethodGet, origin+"/cases", nil)
	req.AddCookie(&http.Cookie{Name: strings.TrimPrefix(c.Name, "__Host-"), Value: c.Value})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("the plain cookie is taken: %d", rec.Code)
	}
}

// I3: a made-up secret is looked up with a read and never takes the
// store's writer; an address that fails too often is told to wait, and
// may try again once the window has passed.
func TestI3MadeUpSecretsTakeNoWriteAndAreLimited(t *testing.T) {
	d := newDesk(t)
	link := d.link("sam")
	b := d.browser()
	before := d.writes.Load()
	for i := range 20 {
		code, _ := b.do(http.MethodPost, bot.SignInPath, url.Values{"t": {bot.NewSecret()}}, http.Header{"Origin": {d.srv.URL}})
		if code != http.StatusForbidden {
			t.Fatalf("made-up secret %d: %d", i+1, code)
		}
	}
	if n := d.writes.Load() - before; n != 0 {
		t.Errorf("20 made-up secrets took the writer %d times", n)
	}
	code, page := b.signIn(link)
	if code != http.StatusTooManyRequests || !strings.Contains(page, "/helpdesk dashboard") {
		t.Errorf("the 21st attempt: %d %s", code, page)
	}
	d.clock.add(15*time.Minute + time.Second)
	if code, _ := b.signIn(d.link("sam")); code != http.StatusOK {
		t.Errorf("after the window: %d", code)
	}
}

// I4: a page number past any integer is clamped, not overflowed: the last
// page is shown.
func TestI4HugePageNumbersAreClamped(t *testing.T) {
	d := newDesk(t)
	d.file("rita", "Maps")
	b := d.browser()
	b.signIn(d.link("sam"))
	if code, page := b.get("/sessions?page=9223372036854775807"); code != http.StatusOK || !strings.Contains(page, "<bdi>sam</bdi>") {
		t.Errorf("/sessions, a huge page: %d", code)
	}
	for _, path := range []string{"/cases?page=9223372036854775807", "/cases?page=-9223372036854775808", "/cases?page=99999999999999999999"} {
		code, page := b.get(path)
		if code != http.StatusOK || !strings.Contains(page, d.say("en", "web.page", "n", bot.N(1), "of", bot.N(1))) {
			t.Errorf("%s: %d, not the last page", path, code)
		}
	}
	if _, page := b.get("/cases?page=9223372036854775807"); !strings.Contains(page, "Maps") {
		t.Error("the last page does not list the case")
	}
}
