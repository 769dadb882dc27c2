package mattermost_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

const testToken = "bot-token-0123456789abcdefghij"

// wallClock is the system clock: the adapter paces edits in real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// testClock is the system clock, moved on by hand: the adapter paces
// edits in real time, and a test jumps days ahead to make waits fall due.
type testClock struct{ ahead atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) { c.ahead.Add(int64(d)) }

// syncBuffer is a log that tests read while the adapter writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a fake Mattermost with a team, its people and channels, and
// the helpdesk running on it: real SQLite, the real core, the adapter.
type harness struct {
	t       testing.TB
	fake    *mmtest.Server
	svc     *bot.Service
	ad      *mattermost.Adapter
	cat     *locales.Catalog
	log     *syncBuffer
	clock   *testClock        // the core's clock, kept across restarts
	users   map[string]string // name → id
	town    string            // a channel where people type commands
	comm    string            // the committee channel
	groupCh map[string]string // group id → channel id
	db      string
	groups  map[string]string // group id → channel name
	opts    []harnessOpt
	busy    time.Duration // the store's busy timeout; zero is its default
	cancel  context.CancelFunc
	done    chan struct{}
}

type harnessOpt func(*mattermost.Options, *mmtest.Server)

// MustStart starts the helpdesk on a fake Mattermost: ana, rita and sofia
// (locale sv) are community members; bea (chair), carl and dan are the
// committee; gus is in the implementation group; sam is staff (as a member
// of ~helpdesk-staff).
func MustStart(tb testing.TB, opts ...harnessOpt) *harness {
	tb.Helper()
	fake := mmtest.New(testToken, "wmse")
	tb.Cleanup(fake.Close)
	h := &harness{t: tb, fake: fake, users: map[string]string{}, groupCh: map[string]string{}, log: &syncBuffer{}}
	for _, u := range []struct{ name, locale string }{
		{"ana", "en"}, {"rita", "en"}, {"sofia", "sv"}, {"bea", "en"}, {"carl", "en"}, {"dan", "en"}, {"gus", "en"}, {"sam", "en"},
	} {
		h.users[u.name] = fake.AddUser(u.name, u.locale)
	}
	h.town = fake.AddChannel("town-square", false, h.ids("ana", "rita", "sofia", "bea", "carl", "dan", "gus", "sam")...)
	h.comm = fake.AddChannel("expert-committee", true, h.ids("bea", "carl", "dan")...)
	fake.AddPrivateChannel("helpdesk-staff", true, h.ids("sam")...)
	groups := map[string]string{}
	for _, g := range bot.DefaultGroups {
		var members []string
		if g.ID == "implementation" {
			members = h.ids("gus")
		}
		h.groupCh[g.ID] = fake.AddChannel("wg-"+g.ID, true, members...)
		groups[g.ID] = "wg-" + g.ID
	}

	cat, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	h.cat = cat
	h.db = filepath.Join(tb.TempDir(), "helpdesk.db")
	h.groups = groups
	h.opts = opts
	h.boot()
	tb.Cleanup(h.stop)
	return h
}

// boot starts the store, the core and the adapter on the harness's fake
// and database, and waits until the adapter is ready.
func (h *harness) boot() {
	tb := h.t
	ctx, cancel := context.WithCancel(context.Background())
	store, err := sqlite.OpenWith(ctx, h.db, sqlite.Options{BusyTimeout: h.busy})
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if h.clock == nil {
		h.clock = &testClock{}
	}
	h.svc = bot.New(store, h.clock, h.cat, bot.Config{Logger: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	opt := mattermost.Options{
		URL: h.fake.URL, Token: testToken, Team: "wmse",
		CommitteeChannel: "expert-committee", GroupChannels: h.groups,
		Committee: []string{"bea", "carl", "@dan"}, Chairs: []string{"bea"}, Staff: []string{"~helpdesk-staff"},
		Groups:   map[string][]string{"implementation": {"gus"}},
		Listener: ln, CallbackURL: "http://" + ln.Addr().String(),
		Service: h.svc, Catalog: h.cat, Logger: log,
	}
	for _, o := range h.opts {
		o(&opt, h.fake)
	}
	h.ad, err = mattermost.New(opt)
	if err != nil {
		tb.Fatal(err)
	}
	h.svc.Attach(mattermost.Platform, h.ad)
	h.cancel = cancel
	done := make(chan struct{})
	h.done = done
	runErr := make(chan error, 1)
	go func() { runErr <- h.ad.Run(ctx) }()
	go func() {
		_ = h.svc.Run(ctx, 20*time.Millisecond, time.Hour)
		if err := <-runErr; err != nil {
			tb.Errorf("adapter: %v", err)
		}
		store.Close()
		close(done)
	}()
	select {
	case <-h.ad.Ready():
	case <-time.After(10 * time.Second):
		tb.Fatalf("adapter not ready; log:\n%s", h.log.String())
	}
}

// twin starts a second helpdesk on the same fake and bot account, with a
// fresh database of its own; it takes over the /helpdesk command.
func (h *harness) twin() *harness {
	h.t.Helper()
	t := &harness{t: h.t, fake: h.fake, cat: h.cat, log: &syncBuffer{}, users: h.users, town: h.town, comm: h.comm,
		groupCh: h.groupCh, groups: h.groups, opts: h.opts, db: filepath.Join(h.t.TempDir(), "twin.db")}
	t.boot()
	h.t.Cleanup(t.stop)
	return t
}

// restart stops the helpdesk and starts it again on the same database, as
// after a deployment; the new listener has another address, and the
// command is updated to it.
func (h *harness) restart() {
	h.cancel()
	<-h.done
	h.boot()
}

func (h *harness) stop() {
	h.cancel()
	<-h.done
	if u := h.fake.Unhandled(); len(u) > 0 {
		h.t.Errorf("requests to routes the fake lacks: %v", u)
	}
	if strings.Contains(h.log.String(), testToken) {
		h.t.Errorf("the token appears in the log")
	}
}

func (h *harness) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = h.users[n]
	}
	return out
}

// command runs /helpdesk TEXT as name in town-square.
func (h *harness) command(name, text string) mmtest.CommandResult {
	h.t.Helper()
	res, err := h.fake.RunCommand(h.users[name], h.town, text, "")
	if err != nil {
		h.t.Fatal(err)
	}
	if res.Status != 200 {
		h.t.Fatalf("/helpdesk %s: status %d", text, res.Status)
	}
	return res
}

// request files a request through the dialog and returns the submission
// result.
func (h *harness) request(name, typ string, values map[string]any) mmtest.SubmitResult {
	h.t.Helper()
	res := h.command(name, strings.TrimSpace("request "+typ))
	if res.Response.Text != "" {
		h.t.Fatalf("request answered %q, want a dialog", res.Response.Text)
	}
	d, ok := h.fake.DialogFor(res.Trigger)
	if !ok {
		h.t.Fatal("no dialog opened")
	}
	if d.Invalid != nil {
		h.t.Fatalf("dialog not valid for Mattermost: %v", d.Invalid)
	}
	vals := map[string]any{"type": typ}
	for k, v := range values {
		vals[k] = v
	}
	sub, err := h.fake.Submit(d, h.users[name], h.town, vals, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return sub
}

// eventually waits until cond holds.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			calls := h.fake.Calls()
			h.t.Fatalf("timed out waiting: %s\nlast calls: %v\nlog:\n%s", what, calls[max(0, len(calls)-15):], h.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// card waits for the n-th root post of the committee channel.
func (h *harness) card(n int) *model.Post {
	h.t.Helper()
	var card *model.Post
	h.eventually(fmt.Sprintf("card %d", n), func() bool {
		k := 0
		for _, p := range h.fake.Posts(h.comm) {
			if p.RootId == "" {
				k++
				if k == n {
					card = p
					return true
				}
			}
		}
		return false
	})
	return card
}

// reply waits for a reply in a thread that contains text.
func (h *harness) reply(root, text string) *model.Post {
	h.t.Helper()
	var got *model.Post
	h.eventually("reply with "+text, func() bool {
		for _, p := range h.fake.Replies(root) {
			if strings.Contains(p.Message, text) {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// dm waits for a direct message to name that contains text.
func (h *harness) dm(name, text string) *model.Post {
	h.t.Helper()
	var got *model.Post
	ch := mmtest.DirectChannel(h.fake.BotID, h.users[name])
	h.eventually("DM to "+name+" with "+text, func() bool {
		for _, p := range h.fake.Posts(ch) {
			if strings.Contains(p.Message, text) {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// botReacted waits until the bot holds emoji on a post.
func (h *harness) botReacted(post string, emoji ...string) {
	h.t.Helper()
	for _, e := range emoji {
		h.eventually("bot reaction "+e, func() bool {
			for _, r := range h.fake.Reactions(post) {
				if r == h.fake.BotID+":"+e {
					return true
				}
			}
			return false
		})
	}
}

// react adds name's emoji to a post as a person does: on a post of the
// bot's, by clicking the emoji the bot put there, so once the bot's own
// reaction is on it, and by then the bot has recorded the post. (Clicking
// as the card appears raced with that record.) A test of a reaction that
// comes sooner calls the fake's React itself.
func (h *harness) react(name, post, emoji string) {
	h.t.Helper()
	if p := h.fake.Post(post); p != nil && p.UserId == h.fake.BotID {
		h.botReacted(post, emoji)
	}
	if err := h.fake.React(h.users[name], post, emoji); err != nil {
		h.t.Fatal(err)
	}
}

// message waits until a post's text contains want.
func (h *harness) message(post, want string) string {
	h.t.Helper()
	var msg string
	deadline := time.Now().Add(10 * time.Second)
	for {
		if p := h.fake.Post(post); p != nil {
			msg = p.Message
		}
		if strings.Contains(msg, want) {
			return msg
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("post %s: %q does not contain %q\nlog:\n%s", post, msg, want, h.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) say(lang, id string, kv ...any) string {
	return h.cat.Text(lang, bot.T(id, kv...), locales.Style{})
}

// startOnly starts an adapter on fake (which has the channels) with a
// command token, and returns Run's error, or nil once it is ready.
func startOnly(tb testing.TB, fake *mmtest.Server, commandToken string) error {
	tb.Helper()
	return startWith(tb, fake, func(o *mattermost.Options) { o.CommandToken = commandToken })
}

// startWith starts an adapter on fake with the options change makes, and
// returns Run's error, or nil once it is ready.
func startWith(tb testing.TB, fake *mmtest.Server, change func(*mattermost.Options)) error {
	tb.Helper()
	cat, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := sqlite.OpenWith(ctx, filepath.Join(tb.TempDir(), "helpdesk.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	svc := bot.New(store, wallClock{}, cat, bot.Config{})
	groups := map[string]string{}
	for _, g := range bot.DefaultGroups {
		groups[g.ID] = "wg-" + g.ID
	}
	opt := mattermost.Options{
		URL: fake.URL, Token: testToken, Team: "wmse", CommitteeChannel: "expert-committee", GroupChannels: groups,
		Listen: "127.0.0.1:0", CallbackURL: "http://127.0.0.1:1",
		Service: svc, Catalog: cat,
	}
	change(&opt)
	ad, err := mattermost.New(opt)
	if err != nil {
		tb.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- ad.Run(ctx) }()
	select {
	case err := <-errc:
		return err
	case <-ad.Ready():
		cancel()
		return <-errc
	case <-time.After(10 * time.Second):
		tb.Fatal("neither ready nor failed")
	}
	return nil
}
