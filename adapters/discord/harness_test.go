package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// The cast of the fake server: ids, and the roles that make them who they
// are.
const (
	committeeCh = "100"
	implCh      = "101"
	commCh      = "102"
	lobbyCh     = "103"

	roleCommittee = "500"
	roleChair     = "501"
	roleStaff     = "502"
	roleImpl      = "503"
	roleComm      = "504"

	ana  = "1001" // chair
	bo   = "1002"
	chen = "1003"
	dina = "1004"
	eli  = "1005"
	ivan = "1006" // implementation
	sam  = "1007" // staff
	rita = "1008" // a requester
)

func loadCatalog() (*locales.Catalog, error) { return locales.Default() }

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// testClock is the system clock, moved on by hand: the adapter paces
// edits in real time, and a test jumps days ahead to make waits fall due.
type testClock struct{ ahead atomic.Int64 }

func (c *testClock) Now() time.Time { return time.Now().Add(time.Duration(c.ahead.Load())) }

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) { c.ahead.Add(int64(d)) }

// syncBuffer is a log that tests read while the bot writes it.
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

type harness struct {
	t      testing.TB
	f      *discordtest.Fake
	db     string
	cat    *locales.Catalog
	svc    *bot.Service
	a      *Adapter
	log    *syncBuffer
	clock  *testClock    // the core's clock, kept across restarts
	forum  bool          // the committee channel is the forum channel 110
	comm   string        // the committee channel, when not committeeCh
	config func(*Config) // changes to the adapter's configuration
	busy   time.Duration // the store's busy timeout, when not its default
	cancel context.CancelFunc
	done   chan struct{}
}

// newFakeGuild is the fake with the committee, a working group and staff.
func newFakeGuild(t testing.TB) *discordtest.Fake {
	f := discordtest.New(t)
	for _, c := range []string{committeeCh, implCh, commCh, lobbyCh} {
		f.AddChannel(c, 0)
	}
	f.AddMember(ana, "ana", roleCommittee, roleChair)
	f.AddMember(bo, "bo", roleCommittee)
	f.AddMember(chen, "chen", roleCommittee)
	f.AddMember(dina, "dina", roleCommittee)
	f.AddMember(eli, "eli", roleCommittee)
	f.AddMember(ivan, "ivan", roleImpl)
	f.AddMember(sam, "sam", roleStaff)
	f.AddMember(rita, "rita")
	return f
}

func testConfig(f *discordtest.Fake, cat *locales.Catalog, log *slog.Logger) Config {
	return Config{
		Token:            discordtest.Token,
		GuildID:          discordtest.Guild,
		CommitteeChannel: committeeCh,
		GroupChannels:    map[string]string{"implementation": implCh, "communication": commCh},
		CommitteeRole:    roleCommittee,
		ChairRole:        roleChair,
		StaffRole:        roleStaff,
		GroupRoles:       map[string]string{"implementation": roleImpl, "communication": roleComm},
		APIURL:           f.URL(),
		Catalog:          cat,
		Logger:           log,
	}
}

// newHarness starts the core on a fresh database and the adapter on f.
func newHarness(t testing.TB, f *discordtest.Fake) *harness {
	t.Helper()
	return startHarness(t, &harness{t: t, f: f, db: filepath.Join(t.TempDir(), "helpdesk.db")})
}

// newForumHarness is newHarness with the committee in a forum channel.
func newForumHarness(t testing.TB, f *discordtest.Fake) *harness {
	t.Helper()
	f.AddChannel("110", 15)
	return startHarness(t, &harness{t: t, f: f, db: filepath.Join(t.TempDir(), "helpdesk.db"), forum: true})
}

func startHarness(t testing.TB, h *harness) *harness {
	t.Helper()
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	h.cat = cat
	h.start()
	return h
}

// start (again) the core and the adapter on the harness's database.
func (h *harness) start() {
	t := h.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store, err := sqlite.OpenWith(ctx, h.db, sqlite.Options{BusyTimeout: h.busy})
	if err != nil {
		t.Fatal(err)
	}
	h.log = &syncBuffer{}
	log := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if h.clock == nil {
		h.clock = &testClock{}
	}
	h.svc = bot.New(store, h.clock, h.cat, bot.Config{Logger: log})
	cfg := testConfig(h.f, h.cat, log)
	if h.forum {
		cfg.CommitteeChannel, cfg.CommitteeForum = "110", true
	}
	if h.comm != "" {
		cfg.CommitteeChannel = h.comm
	}
	if h.config != nil {
		h.config(&cfg)
	}
	h.a, err = New(cfg, h.svc)
	if err != nil {
		t.Fatal(err)
	}
	h.svc.Attach(Platform, h.a)
	h.cancel = cancel
	h.done = make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = h.svc.Run(ctx, 20*time.Millisecond, time.Hour) }()
	go func() {
		defer wg.Done()
		if err := h.a.Run(ctx); err != nil {
			t.Errorf("adapter: %v", err)
		}
	}()
	go func() { wg.Wait(); _ = store.Close(); close(h.done) }()
	t.Cleanup(h.stop)
	h.f.WaitReady(t)
}

func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		h.t.Error("the adapter did not stop")
	}
	h.cancel = nil
	// Discord refusing the commands leaves the server without them: no
	// test passes with that.
	for _, l := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(l, "level=ERROR") && strings.Contains(l, `msg="discord: register`) {
			h.t.Errorf("Discord refused the commands: %s", l)
		}
	}
	if h.t.Failed() {
		h.t.Logf("log:\n%s", h.log.String())
	}
}

// eventually waits until cond holds.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting: %s\ncalls:\n%s", what, h.f)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// en renders a text as the fake shows it in English.
func (h *harness) en(t bot.Text) string {
	return h.cat.Text("en", t, h.a.style(nil))
}

// reply waits for the private answer to a deferred interaction.
func (h *harness) reply(token string) string {
	h.t.Helper()
	var out string
	h.eventually("the answer to "+token, func() bool {
		e := h.f.EditsOf(token)
		if len(e) > 0 {
			out = e[len(e)-1]
		}
		return len(e) > 0
	})
	return out
}

// response waits for the first response to an interaction.
func (h *harness) response(id string) map[string]any {
	h.t.Helper()
	var out map[string]any
	h.eventually("a response to interaction "+id, func() bool {
		rs := h.f.ResponsesTo(id)
		if len(rs) > 0 {
			_ = json.Unmarshal(rs[0], &out)
		}
		return len(rs) > 0
	})
	return out
}

// request files a case as user through the modal and returns the card's id.
func (h *harness) request(user, title string) string {
	h.t.Helper()
	id, _ := h.f.Command(user, lobbyCh, "request", "type", "media-upload")
	r := h.response(id)
	if r["type"].(float64) != 9 {
		h.t.Fatalf("request answered %v, want a modal", r)
	}
	before := len(h.f.MessagesIn(committeeCh))
	_, token := h.f.Submit(user, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{
		"title": title, "description": "300 scans from the city archive.", "organisation": "City archive",
	})
	if got := h.reply(token); !strings.Contains(got, "#") {
		h.t.Fatalf("reply to the form: %q", got)
	}
	var card string
	h.eventually("the card with its reactions", func() bool {
		ms := h.f.MessagesIn(committeeCh)
		if len(ms) <= before {
			return false
		}
		m := ms[len(ms)-1]
		card = m.ID
		return len(m.Reactions) == 3 && h.f.Channel(card).ID != ""
	})
	return card
}

// vote has users react with emoji on a message as people do: by clicking
// the emoji the bot put there, so once the bot's own reaction is on it,
// and by then the bot has recorded the message. A test of a reaction that
// comes sooner calls the fake's React itself.
func (h *harness) vote(msg, emoji string, users ...string) {
	h.t.Helper()
	h.eventually("the bot's "+emoji+" on "+msg, func() bool {
		return slices.Contains(h.f.Message(msg).Reactions, discordtest.Reaction{Emoji: emoji, User: discordtest.Bot})
	})
	for _, u := range users {
		h.f.React(u, msg, emoji, false)
	}
}

// cardText is the card's embed description.
func (h *harness) cardText(card string) string {
	_, d := h.f.Message(card).Embed()
	return d
}

func (h *harness) tally(accept, decline, info, voted, of int) string {
	return h.en(bot.T("tally.initial", "accept", bot.N(accept), "decline", bot.N(decline), "info", bot.N(info), "voted", bot.N(voted)).Plural(of))
}

// words is text as read, without the direction isolates the renderer puts
// around user text (tested in locales).
func words(s string) string {
	return locales.StripIsolates(s)
}
