package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// The dashboard in a real browser: Chromium (Debian's package, which
// .ci/run installs) driven by chromedp, against the built program running
// the shell, signed in with links the shell printed after a whole case
// was played through it. It asserts what a person sees, in English and in
// Arabic (right to left), and saves screenshots as artefacts: in
// $HELPDESK_ARTEFACTS when set, else in a temporary directory (logged).

// chromiumPath finds Chromium, or skips the test saying why.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on this machine (apt-get install -y chromium; .ci/run installs it): the browser tests cannot run")
	return ""
}

// shellProgram is the built program running the shell, fed line by line.
type shellProgram struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   lockedBuffer
	lines chan string
	done  chan struct{}
}

func startShell(t testing.TB, cfg, db string) *shellProgram {
	t.Helper()
	p := &shellProgram{t: t, lines: make(chan string, 1000), done: make(chan struct{})}
	p.cmd = exec.Command(binary, "-db", db, "-config", cfg)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

// send types lines into the shell.
func (p *shellProgram) send(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(p.in, l+"\n"); err != nil {
			p.t.Fatalf("type %q: %v", l, err)
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s]+` + bot.SignInPath + `\?t=[A-Za-z0-9_-]+`)

// myDataLinkRE finds the link of /helpdesk mydata.
var myDataLinkRE = regexp.MustCompile(`https?://[^\s\x{2066}-\x{2069}]+` + bot.SignInPath + `\?next=[^&\s]+&t=[A-Za-z0-9_-]+`)

// link types /helpdesk dashboard and returns the link of the reply.
func (p *shellProgram) link() string {
	p.t.Helper()
	p.send("/helpdesk dashboard")
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if m := linkRE.FindString(l); m != "" {
				return m
			}
		case <-deadline:
			p.t.Fatalf("no dashboard link in the shell's answer; stderr:\n%s", p.out.String())
		}
	}
}

func (p *shellProgram) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	p.in.Close() // the end of input ends the shell
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
	}
	_ = p.cmd.Wait()
}

// dashboardShell starts the shell with its dashboard on a fresh database,
// and says how a page shows a message (for comparisons, without marks).
func dashboardShell(t *testing.T) (*shellProgram, func(lang, id string, kv ...any) string) {
	t.Helper()
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	say := func(lang, id string, kv ...any) string {
		return words(cat.Text(lang, bot.T(id, kv...), locales.Style{}))
	}
	dir := t.TempDir()
	db, cfg := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte("[dashboard]\nlisten = \"127.0.0.1:0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return startShell(t, cfg, db), say
}

// browser is one browser profile: its own cookies.
func browser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.Flag("headless", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first call starts the browser, for as long as ctx lives: no
	// timeout on it; each later step has one (see act).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// stepTimeout bounds each step in the browser.
const stepTimeout = 30 * time.Second

// act runs browser steps and fails the test on error.
func act(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one browser action that reads something.
func read[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// count is the number of elements a CSS selector matches.
func count(t *testing.T, ctx context.Context, selector string) int {
	t.Helper()
	return read(t, ctx, "count "+selector, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", selector)))
}

// text is what a person reads in the first element a selector matches.
func text(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	return words(read(t, ctx, "read "+selector, chromedp.Text(chromedp.CSS(selector))))
}

// open goes to a page and waits for an element of it.
func open(t *testing.T, ctx context.Context, url, waitFor string) {
	t.Helper()
	act(t, ctx, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	artefact(t, name, read(t, ctx, "screenshot", chromedp.FullScreenshot(100)))
}

// signIn opens a link and presses the button, as a person does; it
// returns the text of the page it leads to.
func signIn(t *testing.T, ctx context.Context, link string) string {
	t.Helper()
	open(t, ctx, link, "button.primary")
	act(t, ctx, "press sign in", chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitNotPresent(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	return text(t, ctx, "main")
}

func words(s string) string { return strings.Join(strings.Fields(locales.StripIsolates(s)), " ") }

// artefact saves a screenshot.
func artefact(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("HELPDESK_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "helpdesk-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// wholeCase is a case played through the shell from the request to the
// rating, with a title that is hostile markup.
var wholeCase = []string{
	"/as rita",
	"/helpdesk request media-upload",
	"300 postcards <script>alert(1)</script> from the town archive",
	"We have scanned 300 postcards (1900–1930).",
	"Town Museum",
	"Scans: https://commons.wikimedia.org/wiki/Category:Town_Museum_postcards. Not a link: javascript:alert(3)",
	"",
	"/as ana", "/react #1 ✅",
	"/as bo", "/react #1 ✅",
	"/as chen", "/react #1 ✅", "/react #1 🛠️",
	"/as ivan", "/react #1 🙋", "/helpdesk recommend #1 Pattypan, metadata is ready.",
	"/as ana", "/react #1 ✅",
	"/as bo", "/react #1 ✅",
	"/as chen", "/react #1 ✅",
	"/as sam", "/helpdesk resolve #1 Uploaded with Pattypan.",
	"/as rita", "/react #1 4️⃣",
	// A second case, still under review.
	"/helpdesk request guidance",
	"Which licence for 19th-century maps?",
	"The maps are scans of public-domain originals.",
	"", "", "",
}

func TestDashboardInABrowser(t *testing.T) {
	chromium := chromiumPath(t)
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	say := func(lang, id string, kv ...any) string {
		return words(cat.Text(lang, bot.T(id, kv...), locales.Style{}))
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "helpdesk.db")
	cfg := filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte("[dashboard]\nlisten = \"127.0.0.1:0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sh := startShell(t, cfg, db)
	sh.send(wholeCase...)
	sh.send("/as sam")
	link := sh.link()

	// English, as sam (staff).
	en := browser(t, chromium)
	page := signIn(t, en, link)
	base := strings.Split(link, bot.SignInPath)[0]
	if want := say("en", "web.cases.title"); !strings.Contains(page, want) {
		t.Errorf("after sign-in: %q, want the cases table (%q)", page, want)
	}
	if rows := count(t, en, "table.cases tbody tr"); rows != 1 {
		t.Errorf("the table opens on %d cases, want the one still open", rows)
	}
	open(t, en, base+"/cases?state=all", "table.cases")
	rows := count(t, en, "table.cases tbody tr")
	title := text(t, en, `table.cases td:nth-child(2) a[href="/cases/1"]`)
	dirEN := read(t, en, "dir", chromedp.AttributeValue(chromedp.CSS("html"), "dir")).Value
	if rows != 2 || title != "300 postcards <script>alert(1)</script> from the town archive" || dirEN != "ltr" {
		t.Errorf("cases table: %d rows, the first case's title %q (the markup shown as text), dir %q", rows, title, dirEN)
	}
	if n := count(t, en, "main script"); n != 0 {
		t.Error("a title became a script element")
	}
	screenshot(t, en, "dashboard-cases-en.png")

	// The case page: the request, the votes of both rounds, the timeline.
	open(t, en, base+"/cases/1", "table.votes")
	voters, timeline := count(t, en, "table.votes tbody tr"), count(t, en, "ol.timeline li")
	votes, request := text(t, en, "table.votes"), text(t, en, "dl.request")
	if voters != 6 || !strings.Contains(votes, "ana "+say("en", "choice.accept")) {
		t.Errorf("votes: %d rows (want 3 in each of 2 rounds): %q", voters, votes)
	}
	if timeline < 12 || !strings.Contains(request, "Town Museum") {
		t.Errorf("timeline of %d events; request %q", timeline, request)
	}
	requestLink(t, en)
	screenshot(t, en, "dashboard-case-en.png")

	// The statistics: a bar for this month (no empty months before it),
	// per stage, per rating; axes that read right.
	open(t, en, base+"/stats", "#svg-chart-months")
	months, stages, ratings := count(t, en, "#svg-chart-months g.bar"), count(t, en, "#svg-chart-stages g.bar"), count(t, en, "#svg-chart-ratings g.bar")
	segments := count(t, en, "#svg-chart-months rect")
	if months != 1 || stages != len(bot.Stages) || ratings != 5 || segments != 2 {
		t.Errorf("charts: %d month bars, %d stage bars, %d rating bars, %d month segments (want 1, %d, 5, 2: two types this month)",
			months, stages, ratings, segments, len(bot.Stages))
	}
	checkStats(t, en, "en", say, func(n int) string { return cat.Number("en", n) })
	screenshot(t, en, "dashboard-stats-en.png")

	// The sessions: sam's own marked, its button signs out.
	open(t, en, base+"/sessions", "table.sessions")
	if own, out := count(t, en, `table.sessions tr[aria-current="true"]`), count(t, en, `table.sessions tr[aria-current="true"] form[action="/signout"]`); own != 1 || out != 1 ||
		!strings.Contains(text(t, en, `table.sessions tr[aria-current="true"]`), say("en", "web.sessions.current")) {
		t.Errorf("sessions: %d rows marked as sam's own, %d with a sign-out button", own, out)
	}
	screenshot(t, en, "dashboard-sessions-en.png")

	// The link a second time: refused.
	if page := signIn(t, browser(t, chromium), link); !strings.Contains(page, say("en", "web.signin.used", "cmd", bot.C("/helpdesk dashboard"))) {
		t.Errorf("the link used twice: %q", page)
	}

	// Arabic, right to left: sam reads Arabic now.
	sh.send("/as sam ar")
	ar := browser(t, chromium)
	signIn(t, ar, sh.link())
	if dir, h1 := read(t, ar, "dir", chromedp.AttributeValue(chromedp.CSS("html"), "dir")).Value, text(t, ar, "main h1"); dir != "rtl" || h1 != say("ar", "web.cases.title") {
		t.Errorf("Arabic: dir %q, heading %q (want %q)", dir, h1, say("ar", "web.cases.title"))
	}
	screenshot(t, ar, "dashboard-cases-ar.png")
	open(t, ar, base+"/cases/1", "table.votes")
	if votes := text(t, ar, "table.votes"); !strings.Contains(votes, say("ar", "choice.accept")) {
		t.Errorf("Arabic votes: %q", votes)
	}
	requestLink(t, ar)
	screenshot(t, ar, "dashboard-case-ar.png")
	open(t, ar, base+"/stats", "#svg-chart-stages")
	if stages, h1 := count(t, ar, "#svg-chart-stages g.bar"), text(t, ar, "main h1"); stages != len(bot.Stages) || h1 != say("ar", "web.stats.title") {
		t.Errorf("Arabic statistics: %d stage bars, heading %q", stages, h1)
	}
	checkStats(t, ar, "ar", say, func(n int) string { return cat.Number("ar", n) })
	screenshot(t, ar, "dashboard-stats-ar.png")

	// A link after 15 minutes: refused, in the browser's language (nobody
	// is signed in to say another).
	stale := sh.link()
	sh.send("/wait 16m")
	sh.link() // the shell has read the line above once it answers this
	if page := signIn(t, browser(t, chromium), stale); !strings.Contains(page, say("en", "web.signin.expired", "cmd", bot.C("/helpdesk dashboard"))) {
		t.Errorf("a link 16 minutes old: %q", page)
	}

	// A requester opening another's case: refused; their own: shown.
	sh.send("/as dora", "/helpdesk request other", "Dora's own question", "About a map.", "", "", "")
	dora := browser(t, chromium)
	signIn(t, dora, sh.link())
	open(t, dora, base+"/cases/1", "main h1")
	if body, want := text(t, dora, "main"), say("en", "error.not_yours", "id", bot.C("#1")); !strings.Contains(body, want) || strings.Contains(body, "postcards") {
		t.Errorf("dora opening case 1: %q, want %q", body, want)
	}
	open(t, dora, base+"/cases", "main h1")
	if rows := count(t, dora, "table.cases tbody tr"); rows != 1 {
		t.Errorf("dora sees %d cases, want her own one", rows)
	}

	// A member removed from the committee loses access at once: bo signs
	// in, then the helpdesk restarts with a roster where he is not on it.
	sh.send("/as bo")
	bo := browser(t, chromium)
	signIn(t, bo, sh.link())
	open(t, bo, base+"/cases/1", "table.votes")
	sh.stop()
	roster := "[dashboard]\nlisten = %q\n" +
		"[[shell.people]]\nname = \"ana\"\nroles = [\"committee\", \"chair\"]\n" +
		"[[shell.people]]\nname = \"bo\"\nroles = []\n" +
		"[[shell.people]]\nname = \"sam\"\nroles = [\"staff\"]\n"
	if err := os.WriteFile(cfg, fmt.Appendf(nil, roster, strings.TrimPrefix(base, "http://")), 0o600); err != nil {
		t.Fatal(err)
	}
	again := startShell(t, cfg, db)
	again.send("/as ana")
	again.link() // the program is up once it answers
	open(t, bo, base+"/cases/1", "main h1")
	if body, want := text(t, bo, "main"), say("en", "error.not_yours", "id", bot.C("#1")); !strings.Contains(body, want) {
		t.Errorf("bo, no longer on the committee, opening case 1: %q", body)
	}
}

// requestLink checks the case page's links field: its one web address a
// link, with the rel of a link a person wrote, read left to right (in an
// Arabic page too), the sentence's full stop and the javascript: text
// outside any link.
func requestLink(t *testing.T, ctx context.Context) {
	t.Helper()
	const want = "https://commons.wikimedia.org/wiki/Category:Town_Museum_postcards"
	links := read(t, ctx, "the request's links", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("dl.request a"),
		a => [a.href, a.rel, a.textContent, getComputedStyle(a).direction].join(" "))`))
	if len(links) != 1 || links[0] != want+" noopener noreferrer ugc "+want+" ltr" {
		t.Errorf("the request's links: %q", links)
	}
}
