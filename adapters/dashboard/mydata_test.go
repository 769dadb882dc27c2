package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// /helpdesk mydata gives a one-time link that signs the person in and
// downloads their data, theirs only; the page a sign-in leads to can only
// be that one or the cases.
func TestMyDataLinkDownloadsThePersonsData(t *testing.T) {
	d := newDesk(t)
	d.file("rita", "Maps of Gotland")
	d.file("dora", "Letters of Dora")
	r := d.svc.Command(context.Background(), bot.Invocation{User: "test:rita", Name: "rita"}, "mydata")
	if r.Reply == nil || r.Reply.Lines[0].ID != "mydata.link" {
		t.Fatalf("mydata: %+v", r.Reply)
	}
	link := r.Reply.Lines[0].Args["url"].Code
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("next") != bot.MyDataPath {
		t.Fatalf("link %q", link)
	}
	b := d.browser()
	code, page := b.get(link)
	if code != http.StatusOK || !strings.Contains(page, `name="next" value="`+bot.MyDataPath+`"`) || !strings.Contains(page, d.say("en", "web.signin.mydata")) {
		t.Fatalf("the link's page: %d %s", code, page)
	}
	code, body := b.do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}, "next": {bot.MyDataPath}}, http.Header{"Origin": {d.srv.URL}})
	if code != http.StatusOK || !strings.Contains(body, `"id":"test:rita"`) || !strings.Contains(body, "Maps of Gotland") || strings.Contains(body, "Dora") {
		t.Fatalf("her data: %d %s", code, body)
	}
	// Used once.
	if code, _ := d.browser().do(http.MethodPost, bot.SignInPath, url.Values{"t": {u.Query().Get("t")}, "next": {bot.MyDataPath}}, http.Header{"Origin": {d.srv.URL}}); code != http.StatusForbidden {
		t.Errorf("the link again: %d", code)
	}
	// Anywhere else a link could be made to lead, it leads to the cases.
	for _, next := range []string{"https://evil.example/", "//evil.example", "/sessions"} {
		code, page := d.browser().do(http.MethodPost, bot.SignInPath, url.Values{"t": {strings.TrimPrefix(d.link("rita"), d.srv.URL+bot.SignInPath+"?t=")}, "next": {next}}, http.Header{"Origin": {d.srv.URL}})
		if code != http.StatusOK || !strings.Contains(page, d.say("en", "web.cases.title")) {
			t.Errorf("next %q: %d", next, code)
		}
	}
	// Signed in, the page itself gives it as a file.
	if code, body := b.get(bot.MyDataPath); code != http.StatusOK || !strings.Contains(body, "Maps of Gotland") {
		t.Errorf("signed in: %d %s", code, body)
	}
}

// An erased case on the pages: its title and its requester in the
// catalog's words, nothing of the person.
func TestAnErasedCaseOnThePages(t *testing.T) {
	d := newDesk(t)
	n := d.file("rita", "Maps of Gotland")
	ctx := context.Background()
	if r := d.svc.Command(ctx, bot.Invocation{User: "test:sam", Name: "sam"}, "close #1 Done elsewhere."); r.Reply == nil {
		t.Fatal("close")
	}
	if _, err := d.svc.Erase(ctx, "test:rita", bot.EraseOptions{}); err != nil {
		t.Fatal(err)
	}
	b := d.browser()
	b.signIn(d.link("sam"))
	_, table := b.get("/cases?state=all")
	_, page := b.get("/cases/" + strconv.FormatInt(n, 10))
	for what, html := range map[string]string{"table": table, "case page": page} {
		if strings.Contains(html, "Gotland") || strings.Contains(html, ">rita<") {
			t.Errorf("the %s still shows her", what)
		}
		if !strings.Contains(html, d.say("en", "case.erased_title")) {
			t.Errorf("the %s does not say the content was erased", what)
		}
	}
	if !strings.Contains(page, "a person whose data was erased (") {
		t.Errorf("the requester on the case page:\n%s", page)
	}
}
