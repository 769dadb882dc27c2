package dashboard_test

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// fileWithLinks has who file a request whose links field is links.
func (d *desk) fileWithLinks(who, title, links string) int64 {
	d.t.Helper()
	r := d.svc.Submit(context.Background(), bot.Invocation{User: bot.UserID("test:" + who), Name: who},
		bot.Submission{Kind: bot.RequestForm, Type: bot.MediaUpload, Values: map[string]string{"title": title, "description": "Scans of maps.", "links": links}})
	if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
		d.t.Fatalf("not opened: %+v", r.Reply)
	}
	if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
		d.t.Fatal(err)
	}
	return d.last()
}

// The request's links are links, http and https alone, each with the rel
// of a link a person wrote; the rest of the field stays text, escaped,
// and the thread's link keeps who opens it from the dashboard's page.
func TestTheRequestsLinksAreClickableAndSafe(t *testing.T) {
	d := newDesk(t)
	links := "Maps: https://commons.wikimedia.org/wiki/Category:Maps).\n" +
		"javascript:alert(1) data:text/html,<b>x</b> /cases/1 //evil.example\n" +
		"https://x\"><script>alert(2)</script>\n" +
		"https://a.org/\u202Egpj.exe (https://en.wikipedia.org/wiki/Ada_(language))"
	id := d.fileWithLinks("rita", "Maps", links)
	for _, who := range []string{"rita", "sam"} {
		b := d.browser()
		b.signIn(d.link(who))
		_, page := b.get(fmt.Sprintf("/cases/%d", id))
		i, j := strings.Index(page, "<dt>"+d.say("en", "web.case.links")+"</dt>"), strings.Index(page, "</dl>")
		if i < 0 || j < i {
			t.Fatalf("%s: no links field:\n%s", who, page)
		}
		field := page[i:j]
		const rel = `rel="noopener noreferrer ugc" dir="ltr"`
		for _, want := range []string{
			`<a href="https://commons.wikimedia.org/wiki/Category:Maps" ` + rel + `>https://commons.wikimedia.org/wiki/Category:Maps</a>).`,
			`<a href="https://x" ` + rel + `>https://x</a>&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;`,
			// The override is gone: the address reads as written.
			`<a href="https://a.org/gpj.exe" ` + rel + `>https://a.org/gpj.exe</a>`,
			`(<a href="https://en.wikipedia.org/wiki/Ada_%28language%29" ` + rel + `>https://en.wikipedia.org/wiki/Ada_(language)</a>)`,
			`javascript:alert(1) data:text/html,&lt;b&gt;x&lt;/b&gt; /cases/1 //evil.example`,
		} {
			if !strings.Contains(field, want) {
				t.Errorf("%s: the links field lacks %s:\n%s", who, want, field)
			}
		}
		if n := strings.Count(field, "<a "); n != 4 || strings.Count(field, rel) != 4 {
			t.Errorf("%s: %d links, want 4, each with its rel:\n%s", who, n, field)
		}
		if strings.Contains(field, "<script") || strings.Contains(field, "\u202E") {
			t.Errorf("%s: markup or an override in the field:\n%s", who, field)
		}
		if !strings.Contains(page, `<a href="https://chat.example.org/test/`) || !strings.Contains(page, `rel="noopener noreferrer">`+template.HTMLEscapeString(d.say("en", "web.case.thread"))+`</a>`) {
			t.Errorf("%s: the thread's link:\n%s", who, page)
		}
	}
}
