package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// sessionsOf opens n sessions of a new person of the platform "test".
func (d *desk) sessionsOf(name string, n int) {
	d.t.Helper()
	ctx := context.Background()
	if err := d.svc.MemberSeen(ctx, bot.Member{ID: bot.UserID("test:" + name), Name: name}); err != nil {
		d.t.Fatal(err)
	}
	for range n {
		u, err := url.Parse(d.link(name))
		if err != nil {
			d.t.Fatal(err)
		}
		if _, _, err := d.svc.SignIn(ctx, u.Query().Get("t")); err != nil {
			d.t.Fatal(err)
		}
	}
}

// rowsOf is the rows of a sessions page.
func rowsOf(page string) []string {
	i, j := strings.Index(page, "<tbody>"), strings.Index(page, "</tbody>")
	if i < 0 || j < i {
		return nil
	}
	return strings.Split(page[i+len("<tbody>"):j], "</tr>")[:strings.Count(page[i:j], "</tr>")]
}

// The sessions page marks the viewer's own session, whose button signs
// out, and pages through 51 sessions: 50, then 1.
func TestTheSessionsPageMarksTheViewersOwnAndPages(t *testing.T) {
	d := newDesk(t)
	sam := d.browser()
	sam.signIn(d.link("sam"))
	// Sam's session is the oldest: the last page's only row.
	d.clock.add(time.Second)
	for i := range bot.SessionsPerPage / bot.MaxSessions {
		d.sessionsOf(fmt.Sprintf("p%d", i), bot.MaxSessions)
	}
	current := d.say("en", "web.sessions.current")
	code, page := sam.get("/sessions")
	rows := rowsOf(page)
	if code != http.StatusOK || len(rows) != bot.SessionsPerPage || !strings.Contains(page, d.cat.Text("en", bot.T("web.sessions.count").Plural(51), plain)) {
		t.Fatalf("the first page: %d, %d rows:\n%s", code, len(rows), page)
	}
	if strings.Contains(page, current) || strings.Contains(page, "aria-current=\"true\"") || strings.Contains(page, `rel="prev"`) ||
		!strings.Contains(page, `<a href="/sessions?page=2" rel="next">`) || !strings.Contains(page, d.say("en", "web.page", "n", bot.N(1), "of", bot.N(2))) {
		t.Errorf("the first page's marks or footer:\n%s", page)
	}
	for _, r := range rows {
		if !strings.Contains(r, `action="/sessions/end"`) {
			t.Errorf("a row of another's session without its End button: %s", r)
		}
	}
	for _, path := range []string{"/sessions?page=2", "/sessions?page=3"} {
		_, page = sam.get(path)
		rows = rowsOf(page)
		if len(rows) != 1 || !strings.Contains(rows[0], "<bdi>sam</bdi>") || !strings.Contains(rows[0], `<tr aria-current="true">`) ||
			!strings.Contains(rows[0], `<strong class="tag">`+current+`</strong>`) {
			t.Fatalf("%s: want sam's own session alone, marked:\n%s", path, page)
		}
		// Its button signs out, and names no session to end.
		if !strings.Contains(rows[0], `<form method="post" action="/signout"><button type="submit">`+d.say("en", "web.nav.signout")+`</button>`) ||
			strings.Contains(rows[0], `name="id"`) {
			t.Errorf("%s: the own session's button: %s", path, rows[0])
		}
		if !strings.Contains(page, `<a href="/sessions?page=1" rel="prev">`) || strings.Contains(page, `rel="next"`) ||
			!strings.Contains(page, d.say("en", "web.page", "n", bot.N(2), "of", bot.N(2))) {
			t.Errorf("%s: the last page's footer:\n%s", path, page)
		}
	}
	// Another staff member's list does not mark sam's as theirs.
	if err := d.svc.MemberSeen(context.Background(), bot.Member{ID: "test:tove", Name: "tove", Roles: bot.Roles{Staff: true}}); err != nil {
		t.Fatal(err)
	}
	tove := d.browser()
	tove.signIn(d.link("tove"))
	for _, path := range []string{"/sessions", "/sessions?page=2"} {
		_, page = tove.get(path)
		if n := strings.Count(page, `aria-current="true"`); n != 1 && path == "/sessions" || n != 0 && path != "/sessions" {
			t.Errorf("tove's %s marks %d sessions", path, n)
		}
		for _, r := range rowsOf(page) {
			if strings.Contains(r, "aria-current") != strings.Contains(r, "<bdi>tove</bdi>") {
				t.Errorf("tove's %s: %s", path, r)
			}
		}
	}

	// Ending one's own session by its number (a page from before, a
	// form made up) is signing out: the cookie goes too.
	var own string
	for _, c := range sam.c.Jar.Cookies(mustParse(t, d.srv.URL)) {
		if c.Name == "helpdesk_session" {
			own = bot.SecretHash(c.Value)[:bot.SessionIDLen]
		}
	}
	code, page = sam.do(http.MethodPost, "/sessions/end", url.Values{"id": {own}}, http.Header{"Origin": {d.srv.URL}})
	if code != http.StatusOK || !strings.Contains(page, d.say("en", "web.signed_out")) {
		t.Errorf("ending one's own session: %d\n%s", code, page)
	}
	if n := len(sam.c.Jar.Cookies(mustParse(t, d.srv.URL))); n != 0 {
		t.Errorf("%d cookies left after ending one's own session", n)
	}
	if code, _ := sam.get("/sessions"); code != http.StatusUnauthorized {
		t.Errorf("sam's ended session still holds: %d", code)
	}
	// Tove's list has one fewer.
	if _, page := tove.get("/sessions"); !strings.Contains(page, d.cat.Text("en", bot.T("web.sessions.count").Plural(51), plain)) {
		t.Errorf("tove's list after sam signed out: %.300s", page)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
