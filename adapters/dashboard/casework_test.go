package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// post sends a form of the case page, from the dashboard's own origin.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	return b.do(http.MethodPost, path, form, http.Header{"Origin": {b.d.srv.URL}})
}

// command runs a chat command as who, as the platform would.
func (d *desk) command(who, line string) bot.Response {
	d.t.Helper()
	r := d.svc.Command(context.Background(), bot.Invocation{User: bot.UserID("test:" + who), Name: who}, line)
	if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
		d.t.Fatal(err)
	}
	return r
}

// The case page starts with what the case asks of its reader, and does it
// through the core as the chat commands do: the requester answers the open
// question and rates the help there; a group member claims the card; staff
// take the case on. The whole record is there, as far as each may read
// it: the requester reads neither the internal note nor the
// recommendation's text.
func TestTheCasePageSaysWhatToDoAndDoesIt(t *testing.T) {
	d := newDesk(t)
	c := d.file("rita", "Rita's maps")
	page := fmt.Sprintf("/cases/%d", c)
	rita, ana, ivan, sam := d.browser(), d.browser(), d.browser(), d.browser()
	for who, b := range map[string]*browser{"rita": rita, "ana": ana, "ivan": ivan, "sam": sam} {
		if code, _ := b.signIn(d.link(who)); code != http.StatusOK {
			t.Fatalf("%s signs in: %d", who, code)
		}
	}
	d.command("bo", fmt.Sprintf("ask #%d Which licence do the scans have?", c))
	d.command("bo", fmt.Sprintf("note #%d The archive is a chapter member.", c))

	// The requester: the question, and the form that answers it.
	_, p := rita.get(page)
	for _, want := range []string{html.EscapeString(d.say("en", "web.case.todo")), "Which licence do the scans have?", `name="do" value="answer"`} {
		if !strings.Contains(p, want) {
			t.Errorf("the requester's page lacks %q", want)
		}
	}
	if strings.Contains(p, "chapter member") || strings.Contains(p, html.EscapeString(d.say("en", "web.case.internal"))) {
		t.Error("the requester reads an internal note")
	}
	_, p = ana.get(page)
	if !strings.Contains(p, html.EscapeString(d.say("en", "vote.how.initial"))) {
		t.Error("a committee member's page does not say how to vote")
	}
	if !strings.Contains(p, "The archive is a chapter member.") || !strings.Contains(p, html.EscapeString(d.say("en", "web.case.internal"))) {
		t.Error("the committee does not read the note, marked internal")
	}
	if strings.Contains(p, `value="answer"`) {
		t.Error("the committee is offered the requester's answer form")
	}
	// Someone else's form is refused by the core, not by the page.
	if code, p := ana.post(page, url.Values{"do": {"answer"}, "text": {"CC0"}}); code != http.StatusForbidden || !strings.Contains(p, html.EscapeString(d.say("en", "error.requester_only", "id", bot.C(fmt.Sprintf("#%d", c))))) {
		t.Errorf("the committee answering for the requester: %d", code)
	}
	if code, p := rita.post(page, url.Values{"do": {"answer"}, "text": {"CC0, every one."}}); code != http.StatusOK || !strings.Contains(p, html.EscapeString(d.say("en", "reply.answered", "id", bot.C(fmt.Sprintf("#%d", c))))) {
		t.Fatalf("the answer: %d %s", code, p)
	}
	if _, p := ana.get(page); !strings.Contains(p, "CC0, every one.") {
		t.Error("the answer is not in the record")
	}
	if _, p := rita.get(page); strings.Contains(p, `value="answer"`) {
		t.Error("the question is still asked once answered")
	}

	// Accepted, routed: ivan's group has a card to claim, and he claims it here.
	for _, who := range []string{"ana", "bo"} { // two of three: a majority
		ref, err := d.svc.ReactionTarget(context.Background(), c, bot.UserID("test:"+who), "✅")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.svc.ReactionAdded(context.Background(), bot.Reaction{Post: ref, User: bot.UserID("test:" + who), Emoji: "✅"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
			t.Fatal(err)
		}
	}
	d.command("ana", fmt.Sprintf("route #%d implementation", c))
	if _, p := ivan.get(page); !strings.Contains(p, `value="claim"`) {
		t.Fatal("the group member is not offered the claim")
	}
	if code, p := ivan.post(page, url.Values{"do": {"claim"}}); code != http.StatusOK || strings.Contains(p, `value="claim"`) {
		t.Fatalf("the claim: %d", code)
	}
	d.command("ivan", fmt.Sprintf("recommend #%d Pattypan, with the archive's category.", c))
	for _, who := range []string{"ana", "bo"} { // two of three: a majority
		ref, err := d.svc.ReactionTarget(context.Background(), c, bot.UserID("test:"+who), "✅")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.svc.ReactionAdded(context.Background(), bot.Reaction{Post: ref, User: bot.UserID("test:" + who), Emoji: "✅"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, p := rita.get(page); strings.Contains(p, "Pattypan") {
		t.Error("the requester reads the recommendation's text")
	}

	// Staff take it on here; the page then names the owner and the next timer.
	if _, p := sam.get(page); !strings.Contains(p, `value="take"`) {
		t.Fatal("staff are not offered to take the case")
	}
	if code, p := sam.post(page, url.Values{"do": {"take"}}); code != http.StatusOK || !strings.Contains(locales.StripIsolates(p), locales.StripIsolates(html.EscapeString(d.say("en", "status.owner", "who", bot.P(bot.Person{ID: "test:sam", Name: "sam"}))))) || !strings.Contains(p, html.EscapeString(d.say("en", "web.timer.idle"))) {
		t.Fatalf("take: %d %s", code, p)
	}
	d.command("sam", fmt.Sprintf("resolve #%d On Commons.", c))

	// The requester rates, with a comment, on the page.
	if _, p := rita.get(page); !strings.Contains(p, `value="rate"`) {
		t.Fatal("the requester is not offered the rating")
	}
	if code, _ := rita.post(page, url.Values{"do": {"rate"}, "score": {"4"}, "comment": {"Quick and kind."}}); code != http.StatusOK {
		t.Fatalf("rate: %d", code)
	}
	if _, p := rita.get(page); !strings.Contains(p, "Quick and kind.") || !strings.Contains(p, html.EscapeString(d.say("en", "web.case.rating", "n", bot.N(4)))) {
		t.Error("the rating and its comment are not on the page")
	}
	if code, _ := rita.post(page, url.Values{"do": {"frobnicate"}}); code != http.StatusBadRequest {
		t.Errorf("an unknown action: %d", code)
	}
	if code, _ := rita.do(http.MethodPost, page, url.Values{"do": {"rate"}, "score": {"1"}}, http.Header{"Origin": {"https://evil.example"}}); code != http.StatusForbidden {
		t.Errorf("a form from another site: %d", code)
	}
}

// The cases table shows open cases by default, and filters closed ones by
// outcome, by owner and by overdue; "waiting for me" is the to-do list.
func TestTheCasesTableFiltersAndWaitingForMe(t *testing.T) {
	d := newDesk(t)
	open := d.file("rita", "Open maps")
	closed := d.file("dora", "Withdrawn letters")
	d.command("dora", fmt.Sprintf("withdraw #%d confirm", closed))
	ana, ivan := d.browser(), d.browser()
	ana.signIn(d.link("ana"))
	ivan.signIn(d.link("ivan"))
	has := func(p, title string) bool { return strings.Contains(p, html.EscapeString(title)) }
	if _, p := ana.get("/cases"); !has(p, "Open maps") || has(p, "Withdrawn letters") {
		t.Error("the table does not open on the open cases")
	}
	if _, p := ana.get("/cases?state=closed&outcome=withdrawn"); has(p, "Open maps") || !has(p, "Withdrawn letters") {
		t.Error("closed, withdrawn")
	}
	if _, p := ana.get("/cases?state=closed&outcome=resolved"); has(p, "Withdrawn letters") {
		t.Error("closed, resolved")
	}
	if _, p := ana.get("/cases?state=all"); !has(p, "Open maps") || !has(p, "Withdrawn letters") {
		t.Error("all")
	}
	if _, p := ana.get("/cases?overdue=1"); has(p, "Open maps") {
		t.Error("a case with nothing overdue is listed as overdue")
	}
	d.clock.add(8 * 24 * time.Hour) // the vote's deadline passes without a quorum
	if err := d.svc.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	ana.signIn(d.link("ana")) // a week later: a new session
	ivan.signIn(d.link("ivan"))
	if _, p := ana.get("/cases?overdue=1"); !has(p, "Open maps") {
		t.Error("a vote waiting for the chair is not overdue")
	}
	// Waiting for me: the chair's decision, in the words of /helpdesk todo.
	_, p := ana.get("/cases?view=waiting")
	todo := d.svc.TodoText(bot.Todo{Kind: bot.TodoDecide})
	if !has(p, "Open maps") || !strings.Contains(p, `<ul class="todo">`) || todo.ID != "todo.decide" {
		t.Errorf("the chair's waiting list: %s", p)
	}
	// A group member has a "waiting for me" too.
	if _, p := ivan.get("/cases?view=waiting"); !strings.Contains(p, html.EscapeString(d.say("en", "todo.none"))) && !strings.Contains(p, html.EscapeString(d.say("en", "web.waiting.none"))) {
		t.Error("a group member's empty waiting list says nothing")
	}
	_ = open
}

// The files of a mailed request are listed on the case page for the
// committee and staff, and downloaded as attachments that no browser
// shows or runs; others may not have them.
func TestFilesOfAMailAreDownloadedNotShown(t *testing.T) {
	d := newDesk(t)
	d.svc.Attach("mail", &chat{})
	page := []byte("<html><script>alert(1)</script></html>")
	r, err := d.svc.Receive(context.Background(), bot.Letter{ID: "m1@museum.se", From: "mail:lena@museum.se", Subject: "Plates", Text: "See the list.",
		Platform: "test", Files: []bot.Attachment{{Name: "list.html", MediaType: "text/html", Size: int64(len(page)), Data: page}}})
	if err != nil || r.Outcome != bot.LetterCase {
		t.Fatalf("receive: %+v %v", r, err)
	}
	ana, dora := d.browser(), d.browser()
	ana.signIn(d.link("ana"))
	dora.signIn(d.link("dora"))
	_, p := ana.get(fmt.Sprintf("/cases/%d", r.Case))
	link := fmt.Sprintf("/cases/%d/files/1", r.Case)
	if !strings.Contains(p, `href="`+link+`"`) || !strings.Contains(p, "list.html") {
		t.Fatalf("the committee's page does not list the file")
	}
	req, _ := http.NewRequest(http.MethodGet, d.srv.URL+link, nil)
	resp, err := ana.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != "application/octet-stream" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download: %d %v", resp.StatusCode, h)
	}
	if code, _ := dora.get(link); code != http.StatusForbidden {
		t.Errorf("someone else downloading: %d", code)
	}
	if code, _ := ana.get(fmt.Sprintf("/cases/%d/files/99", r.Case)); code != http.StatusNotFound {
		t.Errorf("a file that does not exist: %d", code)
	}
}
