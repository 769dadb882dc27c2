package mattermost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// listenerOf is the address of the bot's listener in a harness.
func listenerOf(h *harness) string {
	u := h.fake.Command("helpdesk").URL
	return strings.TrimSuffix(strings.TrimPrefix(u, "http://"), mattermost.CommandPath)
}

// A request whose body never finishes must not hold a connection of the
// listener (and its goroutine) forever: ReadHeaderTimeout alone leaves the
// body without a deadline.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Cleanup(mattermost.SetListenerTimeouts(300*time.Millisecond, 300*time.Millisecond))
	h := MustStart(t)
	conn, err := net.Dial("tcp", listenerOf(h))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers at once, then one byte of a 1000-byte body, then nothing.
	io.WriteString(conn, "POST "+mattermost.DialogPath+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the listener still holds a request whose body stalled after %s", time.Since(start).Round(time.Millisecond))
	}
}

// A dialog submission carries no token: until its state is verified,
// nothing in it may make the bot call Mattermost (with its own token, on
// a path built from the submitted user id).
func TestForgedDialogMakesNoAPICalls(t *testing.T) {
	h := MustStart(t)
	before := len(h.fake.Calls())
	for _, uid := range []string{model.NewId(), "me/../../system/ping", h.users["ana"]} {
		body, _ := json.Marshal(model.SubmitDialogRequest{
			Type: "dialog_submission", CallbackId: "request", State: "eyJ1IjoiIn0.AAAA",
			UserId: uid, Submission: map[string]any{"title": "x"},
		})
		resp, err := http.Post("http://"+listenerOf(h)+mattermost.DialogPath, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if calls := h.fake.Calls()[before:]; len(calls) > 0 {
		t.Errorf("forged submissions made the bot call Mattermost: %v", calls)
	}
}

// A long message whose continuation failed is completed when the core
// posts it again with the same key, rather than left cut.
func TestLongMessageRetryPostsTheRest(t *testing.T) {
	h := MustStart(t)
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 1000)
	m := bot.Message{Key: "test-long-retry", Lang: "en", Lines: []bot.Text{bot.Quoted(long)}}
	h.fake.FailAt("POST /api/v4/posts", 1, http.StatusBadRequest, 1) // the card goes, its continuation fails
	if _, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m); err == nil {
		t.Fatal("a failed continuation was not reported")
	}
	ref, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Replies(ref)); n != 1 {
		t.Errorf("%d continuations after the retry, want 1", n)
	}
	if n := len(h.fake.Posts(h.comm)); n != 2 {
		t.Errorf("%d posts, want the first part and its continuation", n)
	}
}

// Messages without a key are not idempotent, and their continuations must
// not share a key ("/2") with every other keyless long message.
func TestKeylessLongMessagesDoNotShareContinuations(t *testing.T) {
	h := MustStart(t)
	for _, w := range []string{"Lorem ipsum. ", "Dolor sit. "} {
		m := bot.Message{Lang: "en", Lines: []bot.Text{bot.Quoted(strings.Repeat(w, 2000))}}
		ref, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(h.fake.Replies(ref)); n != 1 {
			t.Errorf("message %q…: %d continuations, want 1", w, n)
		}
	}
}

// bareAdapter is an adapter on a fake Mattermost at url (which has the
// committee and group channels), not yet running.
func bareAdapter(t *testing.T, url string, ln net.Listener) *mattermost.Adapter {
	t.Helper()
	groups := map[string]string{}
	for _, g := range bot.DefaultGroups {
		groups[g.ID] = "wg-" + g.ID
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := bot.New(store, wallClock{}, cat, bot.Config{})
	ad, err := mattermost.New(mattermost.Options{
		URL: url, Token: testToken, Team: "wmse", CommitteeChannel: "expert-committee", GroupChannels: groups,
		Listener: ln, CallbackURL: "http://" + ln.Addr().String(), Service: svc, Catalog: cat,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

func fakeWithChannels(t *testing.T) *mmtest.Server {
	fake := mmtest.New(testToken, "wmse")
	t.Cleanup(fake.Close)
	fake.AddChannel("expert-committee", true)
	for _, g := range bot.DefaultGroups {
		fake.AddChannel("wg-"+g.ID, true)
	}
	return fake
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// When the listener fails, Run returns its error instead of waiting
// forever for goroutines that only stop with ctx.
func TestRunReturnsWhenTheListenerFails(t *testing.T) {
	fake := fakeWithChannels(t)
	ln := listen(t)
	ad := bareAdapter(t, fake.URL, ln)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- ad.Run(ctx) }()
	select {
	case <-ad.Ready():
	case err := <-errc:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	ln.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("Run returned no error for a failed listener")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its listener failed")
	}
}

// A WebSocket handshake that never completes (a proxy that accepts and
// says nothing) must not hold up a shutdown: the library's default dialer
// waits 45 s and knows no context.
func TestShutdownDuringAStuckWebSocketHandshake(t *testing.T) {
	fake := fakeWithChannels(t)
	target, _ := url.Parse(fake.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	hung := make(chan struct{}, 100)
	release := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v4/websocket" {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			hung <- struct{}{}
			<-release
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer front.Close()
	defer close(release)
	ad := bareAdapter(t, front.URL, listen(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- ad.Run(ctx) }()
	select {
	case <-hung:
	case err := <-errc:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no WebSocket handshake")
	}
	cancel()
	select {
	case <-errc:
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return within 3 s of its context ending")
	}
}

// The volunteer's thanks go out by direct message after the dialog is
// answered; that work must end with Run, not outlive it.
func TestDirectReplyDoesNotOutliveRun(t *testing.T) {
	h := MustStart(t)
	res := h.command("rita", "volunteer")
	d, ok := h.fake.DialogFor(res.Trigger)
	if !ok {
		t.Fatal("no dialog")
	}
	h.fake.FailNext("POST /api/v4/channels/direct", http.StatusServiceUnavailable, 1000, nil)
	vals := map[string]any{"languages": "sv", "skills": "metadata", "groups": "implementation"}
	if sub, err := h.fake.Submit(d, h.users["rita"], h.town, vals, ""); err != nil || sub.Response.Error != "" {
		t.Fatalf("volunteer: %v %+v", err, sub.Response)
	}
	h.cancel()
	<-h.done // Run has returned
	n := h.fake.Count("POST /api/v4/channels/direct")
	time.Sleep(1500 * time.Millisecond)
	if m := h.fake.Count("POST /api/v4/channels/direct"); m != n {
		t.Errorf("%d requests to Mattermost after Run returned", m-n)
	}
}

// Mattermost's WebSocketClient.Close races with its own ping handler
// (Close closes the writer's channel while a pong may be sent on it: a
// panic that takes the whole helpdesk down). The adapter stops a
// connection while the server pings it on every shutdown, and after a
// late ping; it must not crash.
func TestStoppingWhilePingedDoesNotPanic(t *testing.T) {
	h := MustStart(t, func(_ *mattermost.Options, f *mmtest.Server) { f.SetPingEvery(10 * time.Microsecond) })
	for range 100 {
		h.restart()
	}
}

// A 429 at start-up is Mattermost asking to wait, not a wrong
// configuration: the adapter waits and starts rather than failing (and
// making a supervisor restart it into the same limit).
func TestRateLimitAtStartUpIsWaitedOut(t *testing.T) {
	fake := fakeWithChannels(t)
	fake.FailNext("GET /api/v4/users/me", http.StatusTooManyRequests, 1, http.Header{"Retry-After": {"6"}})
	ad := bareAdapter(t, fake.URL, listen(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	start := time.Now()
	go func() { errc <- ad.Run(ctx) }()
	select {
	case <-ad.Ready():
		if d := time.Since(start); d < 5*time.Second {
			t.Errorf("ready after %s: the 6 s asked for were not waited", d)
		}
	case err := <-errc:
		t.Fatalf("start-up failed on a rate limit: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("not ready")
	}
	cancel()
	<-errc
}

// Every dialog is one Mattermost accepts, in every language: its limits
// count bytes, which non-Latin scripts (and the isolates around words in
// right-to-left ones) use up fast.
func TestDialogsAreValidInEveryLanguage(t *testing.T) {
	h := MustStart(t)
	for _, lang := range h.cat.Supported() {
		for _, f := range []*bot.Form{h.svc.FormFor(bot.RequestForm, "guidance", lang), h.svc.FormFor(bot.VolunteerForm, "", lang)} {
			d := h.ad.Dialog(f)
			if err := d.IsValid(); err != nil {
				t.Errorf("%s %s: %v", lang, f.Kind, err)
			}
			if d.SubmitLabel == "" || strings.HasPrefix(d.Title, "[") {
				t.Errorf("%s %s: title %q, submit %q", lang, f.Kind, d.Title, d.SubmitLabel)
			}
			// Within Mattermost's limits whole: nothing was cut to fit.
			for _, c := range h.ad.DialogCuts(f) {
				t.Errorf("%s %s: %q was cut to fit Mattermost's limit", lang, f.Kind, c)
			}
		}
	}
}

// Links people give (Wikimedia's are full of underscores) stay links: a
// backslash put into an autolinked URL becomes part of the address, and
// browsers read it as "/". Around them, Markdown is still escaped, and an
// "@" in a URL still notifies nobody.
func TestEscapeKeepsURLsWhole(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://commons.wikimedia.org/wiki/Category:Maps_of_Sweden", "https://commons.wikimedia.org/wiki/Category:Maps_of_Sweden"},
		{"see HTTP://example.org/~ana/a*b _em_", "see HTTP://example.org/~ana/a*b \\_em\\_"},
		{"https://wikis.world/@wmse_x", "https://wikis.world/@\u200dwmse_x"},
		{"xhttps://a_b", "xhttps://a\\_b"},
		{"[x](https://a_b)", "\\[x\\](https://a_b)"},
	} {
		if got := mattermost.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Mattermost answers an edit of a deleted post with 403 (api4 patchPost
// turns "not found" into a permission error). The core must hear
// ErrGone, which reposts the card, not ErrForbidden, which only tells
// staff the bot lacks a permission; a real refusal stays ErrForbidden.
func TestEditOfADeletedPostIsGone(t *testing.T) {
	h := MustStart(t)
	m := bot.Message{Key: "test-edit-gone", Lang: "en", Lines: []bot.Text{bot.Quoted("card")}}
	ref, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m)
	if err != nil {
		t.Fatal(err)
	}
	h.fake.Forbid("PUT /api/v4/posts/{id}/patch")
	if err := h.ad.Edit(t.Context(), ref, m); !errors.Is(err, bot.ErrForbidden) {
		t.Errorf("edit refused: %v, want ErrForbidden", err)
	}
	h.fake.DeletePost(ref)
	if err := h.ad.Edit(t.Context(), ref, m); !errors.Is(err, bot.ErrGone) {
		t.Errorf("edit of a deleted post: %v, want ErrGone", err)
	}
	if err := h.ad.React(t.Context(), ref, "✅"); !errors.Is(err, bot.ErrGone) {
		t.Errorf("reaction on a deleted post: %v, want ErrGone", err)
	}
}

// Strangers can reach the dialog endpoint without a token: what they send
// is logged bounded and defused, and a flood of refusals costs at most a
// fixed number of log lines a minute.
func TestRefusalsFromStrangersAreLoggedBoundedAndRateLimited(t *testing.T) {
	h := MustStart(t)
	huge := strings.Repeat("A", 900<<10) + "\nlevel=ERROR msg=forged\u202e"
	for range 100 {
		body, _ := json.Marshal(model.SubmitDialogRequest{
			Type: "dialog_submission", CallbackId: huge, State: "eyJ1IjoiIn0.AAAA",
			UserId: model.NewId(), Submission: map[string]any{"title": "x"},
		})
		resp, err := http.Post("http://"+listenerOf(h)+mattermost.DialogPath, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var refused []string
	for _, line := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(line, "dialog submission refused") {
			refused = append(refused, line)
		}
	}
	if len(refused) == 0 || len(refused) > 20 {
		t.Fatalf("%d refusal lines for 100 forged dialogs, want 1 to 20", len(refused))
	}
	for _, line := range refused {
		if len(line) > 1000 || strings.Contains(line, "msg=forged") || strings.Contains(line, "\u202e") {
			t.Fatalf("a stranger's value reached the log unbounded: %.300q…", line)
		}
	}
}

// The command endpoint checks the user id it is given, as the dialog
// endpoint does, before anything else happens.
func TestCommandWithABadUserIDIsRefused(t *testing.T) {
	h := MustStart(t)
	tok := h.fake.Command("helpdesk").Token
	before := len(h.fake.Calls())
	for _, uid := range []string{"", "me", strings.Repeat("x", 5000), "../system/ping"} {
		f := url.Values{"token": {tok}, "user_id": {uid}, "text": {"help"}, "channel_id": {h.town}}
		resp, err := http.PostForm("http://"+listenerOf(h)+mattermost.CommandPath, f)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("user_id %.20q: status %d, want 400", uid, resp.StatusCode)
		}
	}
	if calls := h.fake.Calls()[before:]; len(calls) > 0 {
		t.Errorf("bad user ids made the bot call Mattermost: %v", calls)
	}
}

func TestLogValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"request", "request"},
		{"a\nb\x1b[31m\u202ec", "a?b?[31m?c"},
		{strings.Repeat("é", 70), strings.Repeat("é", 64) + "…(6 more)"},
	} {
		if got := mattermost.LogValue(tc.in); got != tc.want {
			t.Errorf("LogValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
