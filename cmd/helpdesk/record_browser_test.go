package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wmse/helpdesk/bot"
)

// The case's whole record on the dashboard, in a real browser: a case with
// a question, an answer given on the page, an internal note, two groups'
// recommendations, an owner and a resolution, rated on the page with a
// comment; and another declined with the committee's reason. Each role
// reads exactly what they may, in English and in Arabic: the requester
// neither the note nor a recommendation or its author. At phone width the
// table's deadline column can be reached.
func TestTheRecordInABrowser(t *testing.T) {
	chromium := chromiumPath(t)
	sh, say := dashboardShell(t)
	sh.send("/as rita", "/helpdesk request media-upload",
		"Glass plates", "300 glass plate negatives of the town.", "Town Museum", "https://example.org/plates", "",
		"/as bo", "/helpdesk ask #1 Which licence will the scans have?",
		"/helpdesk note #1 The museum is a member of our chapter.",
		"/as rita")
	link := sh.link()
	base := strings.Split(link, bot.SignInPath)[0]

	// The requester answers the question on the page.
	rita := browser(t, chromium)
	signIn(t, rita, link)
	open(t, rita, base+"/cases/1", "section.todo textarea")
	if q := text(t, rita, "section.todo blockquote"); q != "Which licence will the scans have?" {
		t.Errorf("the question on the requester's page: %q", q)
	}
	act(t, rita, "answer on the page",
		chromedp.SendKeys(chromedp.CSS("section.todo textarea"), "CC0, every one of them."),
		chromedp.Click(chromedp.CSS("section.todo button")),
		chromedp.WaitVisible(chromedp.CSS("p.note")))
	if note := text(t, rita, "p.note"); note != say("en", "reply.answered", "id", bot.C("#1")) {
		t.Errorf("after answering: %q", note)
	}
	if body := text(t, rita, "main"); strings.Contains(body, "chapter") || strings.Contains(body, say("en", "web.case.internal")) {
		t.Error("the requester reads the internal note")
	}

	// The rest of the case, and a second one declined with a reason.
	sh.send("/as ana", "/react #1 ✅", "/as bo", "/react #1 ✅", "/as chen", "/react #1 ✅",
		"/helpdesk route #1 implementation,communication",
		"/as ivan", "/helpdesk claim #1", "/helpdesk recommend #1 Pattypan, with the museum's category.",
		"/as cora", "/helpdesk claim #1", "/helpdesk recommend #1 A blog post on the chapter's site.",
		"/as ana", "/react #1 ✅", "/as bo", "/react #1 ✅", "/as chen", "/react #1 ✅",
		"/as sam", "/helpdesk take #1", "/helpdesk resolve #1 The plates are on Commons.",
		"/as dora", "/helpdesk request funding", "A scanner", "We would like a scanner.", "", "", "",
		"/as ana", "/react #2 ❌", "/as bo", "/react #2 ❌", "/as chen", "/react #2 ❌",
		"/helpdesk reason #2 Equipment is lent by the chapters.",
		"/as ana")
	anaLink := sh.link()

	// The requester: the record without what is internal; she rates here.
	open(t, rita, base+"/cases/1", "section.todo select")
	body := text(t, rita, "main")
	for _, want := range []string{"Which licence will the scans have?", "CC0, every one of them.", "The plates are on Commons.", "sam"} {
		if !strings.Contains(body, want) {
			t.Errorf("the requester's record lacks %q", want)
		}
	}
	for _, not := range []string{"chapter", "Pattypan", "blog post", say("en", "web.case.internal")} {
		if strings.Contains(body, not) {
			t.Errorf("the requester reads %q", not)
		}
	}
	act(t, rita, "rate on the page",
		chromedp.SetValue(chromedp.CSS(`section.todo select[name="score"]`), "5"),
		chromedp.SendKeys(chromedp.CSS(`section.todo textarea[name="comment"]`), "Quick and kind."),
		chromedp.Click(chromedp.CSS("section.todo button")),
		chromedp.WaitVisible(chromedp.CSS("p.note")))
	if body := text(t, rita, "main"); !strings.Contains(body, say("en", "web.case.rating", "n", bot.N(5))) || !strings.Contains(body, "Quick and kind.") {
		t.Errorf("after rating: %q", body)
	}
	screenshot(t, rita, "dashboard-record-requester-en.png")

	// The committee: all of it, the note marked internal.
	ana := browser(t, chromium)
	signIn(t, ana, anaLink)
	open(t, ana, base+"/cases/1", "ol.timeline")
	body = text(t, ana, "main")
	for _, want := range []string{"The museum is a member of our chapter.", say("en", "web.case.internal"), "Pattypan, with the museum's category.", "A blog post on the chapter's site.", "Quick and kind."} {
		if !strings.Contains(body, want) {
			t.Errorf("the committee's record lacks %q", want)
		}
	}
	if n := count(t, ana, "ol.timeline li.internal"); n < 3 { // the note, the two recommendations
		t.Errorf("%d entries marked internal", n)
	}
	screenshot(t, ana, "dashboard-record-committee-en.png")

	// The declined requester reads the committee's reason.
	sh.send("/as dora")
	dora := browser(t, chromium)
	signIn(t, dora, sh.link())
	open(t, dora, base+"/cases/2", "ol.timeline")
	if body := text(t, dora, "main"); !strings.Contains(body, "Equipment is lent by the chapters.") {
		t.Errorf("the declined requester's record: %q", body)
	}

	// Arabic: the requester and the committee read the same, right to left.
	sh.send("/as rita ar")
	ritaAR := browser(t, chromium)
	signIn(t, ritaAR, sh.link())
	open(t, ritaAR, base+"/cases/1", "ol.timeline")
	body = text(t, ritaAR, "main")
	if d := read(t, ritaAR, "dir", chromedp.AttributeValue(chromedp.CSS("html"), "dir")).Value; d != "rtl" || !strings.Contains(body, say("ar", "web.case.log")) {
		t.Errorf("Arabic requester: dir %q, %q", d, body)
	}
	for _, not := range []string{"chapter", "Pattypan", say("ar", "web.case.internal")} {
		if strings.Contains(body, not) {
			t.Errorf("the requester reads %q in Arabic", not)
		}
	}
	// The timeline's numbers are Arabic-Indic, as its dates; the hidden
	// skip link lies inside the page, not 999 px to its right (#24).
	if style := read(t, ritaAR, "the timeline's numbers", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("ol.timeline")).listStyleType`)); style != "arabic-indic" {
		t.Errorf("the Arabic timeline is numbered %q", style)
	}
	if inside := read(t, ritaAR, "the skip link", chromedp.Evaluate[bool](`(() => {
		const r = document.querySelector("a.skip").getBoundingClientRect();
		return r.left >= 0 && r.right <= document.documentElement.clientWidth;
	})()`)); !inside {
		t.Error("the Arabic page's skip link lies outside the page")
	}
	screenshot(t, ritaAR, "dashboard-record-requester-ar.png")
	sh.send("/as ana ar")
	anaAR := browser(t, chromium)
	signIn(t, anaAR, sh.link())
	open(t, anaAR, base+"/cases/1", "ol.timeline")
	if body := text(t, anaAR, "main"); !strings.Contains(body, say("ar", "web.case.internal")) || !strings.Contains(body, "The museum is a member of our chapter.") {
		t.Errorf("the committee's record in Arabic: %q", body)
	}
	screenshot(t, anaAR, "dashboard-record-committee-ar.png")

	// At phone width the deadline column of the table can be reached.
	act(t, ana, "phone width", chromedp.EmulateViewport(390, 800))
	open(t, ana, base+"/cases?state=all", "table.cases")
	reachable := read(t, ana, "scroll to the deadline", chromedp.Evaluate[bool](`(() => {
		const th = document.querySelector('table.cases thead th:nth-child(8)');
		th.scrollIntoView({inline: 'center'});
		const r = th.getBoundingClientRect();
		return r.left >= 0 && r.right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth + 1;
	})()`))
	if !reachable {
		t.Error("at 390 px the deadline column cannot be brought into view (or the page itself scrolls sideways)")
	}
	screenshot(t, ana, "dashboard-cases-phone-en.png")
}
