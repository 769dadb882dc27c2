package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/wmse/helpdesk/bot"
)

// An erased case as people see it, in a left-to-right and a right-to-left
// language: the table and the case page say its content was erased and
// who asked is a person whose data was erased, with nothing of her; and
// the page a /helpdesk mydata link opens says what the button does.
func TestAnErasedCaseInABrowser(t *testing.T) {
	chromium := chromiumPath(t)
	sh, say := dashboardShell(t)
	sh.send("/as rita", "/helpdesk request guidance", "Maps of Gotland", "300 old maps.", "", "", "",
		"/as sam", "/helpdesk close #1 Done elsewhere.", "/helpdesk erase rita confirm")
	for _, lang := range []string{"en", "ar"} {
		sh.send("/as sam " + lang)
		link := sh.link()
		base := strings.Split(link, bot.SignInPath)[0]
		ctx := browser(t, chromium)
		signIn(t, ctx, link)
		open(t, ctx, base+"/cases?state=all", "table.cases")
		row := text(t, ctx, "table.cases tbody tr")
		open(t, ctx, base+"/cases/1", "dl.request")
		page := text(t, ctx, "main")
		for what, got := range map[string]string{"table": row, "case page": page} {
			if strings.Contains(got, "Gotland") || strings.Contains(got, "rita") || strings.Contains(got, "300 old maps") {
				t.Errorf("%s, %s: she is still there: %q", lang, what, got)
			}
			if !strings.Contains(got, say(lang, "case.erased_title")) {
				t.Errorf("%s, %s: %q does not say %q", lang, what, got, say(lang, "case.erased_title"))
			}
		}
		if erased := strings.SplitN(say(lang, "person.erased", "tag", bot.C("@@")), "@@", 2)[0]; !strings.Contains(page, erased) {
			t.Errorf("%s: the requester is not %q: %q", lang, erased, page)
		}
		dir := read(t, ctx, "dir", chromedp.AttributeValue(chromedp.CSS("html"), "dir")).Value
		if want := map[string]string{"en": "ltr", "ar": "rtl"}[lang]; dir != want {
			t.Errorf("%s: dir %q", lang, dir)
		}
		screenshot(t, ctx, "dashboard-erased-"+lang+".png")
	}

	// The mydata link's page, in the browser's language (nobody is signed
	// in yet), English and Arabic: it says the button downloads the
	// person's data.
	sh.send("/as rita2 ar", "/helpdesk mydata")
	var link string
	for link == "" {
		l := <-sh.lines
		if m := myDataLinkRE.FindString(l); m != "" {
			link = m
		}
	}
	for _, lang := range []string{"en", "ar"} {
		ctx := browser(t, chromium)
		// What a browser set to that language asks for.
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}); err != nil {
			t.Fatal(err)
		}
		open(t, ctx, link, "button.primary")
		if got, want := text(t, ctx, "main"), say(lang, "web.signin.mydata"); !strings.Contains(got, want) {
			t.Errorf("the mydata link's page in %s: %q, want %q", lang, got, want)
		}
		// The viewport, as a person sees it: a full-page capture of a
		// right-to-left page comes out shifted (Chromium's, not the page's).
		artefact(t, "dashboard-mydata-"+lang+".png", read(t, ctx, "screenshot", chromedp.CaptureScreenshot()))
	}
}
