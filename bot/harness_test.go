package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sent is one thing the helpdesk did on the fake platform.
type sent struct {
	Op    bot.Op
	Ref   string
	Place bot.Place
	Msg   bot.Message
	Emoji string
	User  bot.UserID
}

// fakeChat is an in-memory platform that records what the helpdesk did.
// Like the real platforms, it recognises a repeated key and does not post
// twice. Tests can make calls fail.
type fakeChat struct {
	mu      sync.Mutex
	log     []sent
	byKey   map[string]string
	threads map[string]string
	seq     int
	// fail, when set, decides the error of a call (nil lets it through).
	fail func(op bot.Op, to bot.Place) error
	// afterPost runs after a post succeeded on the platform, before the
	// helpdesk records it: a test can crash the helpdesk there.
	afterPost func()
	// deleted are posts and threads someone deleted by hand.
	deleted map[string]bool
	// duringEdit runs while an edit is on its way, before the platform
	// answers: a test can change the case then.
	duringEdit func()
	// threadIsCard makes the fake behave as Mattermost does: a case's
	// thread is the replies to its card, so the thread's reference is the
	// card's, and deleting the card deletes every reply in it.
	threadIsCard bool
}

// delete removes a post or thread from the platform, as a person might.
func (f *fakeChat) delete(ref string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted == nil {
		f.deleted = map[string]bool{}
	}
	f.deleted[ref] = true
	// A thread deleted takes its posts with it, on Discord as on
	// Mattermost (where it goes with its card).
	for _, s := range f.log {
		if s.Op == bot.OpPost && s.Place.Kind == bot.InThread && s.Place.Thread == ref {
			f.deleted[s.Ref] = true
		}
	}
	for card, th := range f.threads {
		if th == ref {
			delete(f.threads, card)
		}
	}
}

var _ bot.Chat = (*fakeChat)(nil)
var _ bot.Archiver = (*fakeChat)(nil)
var _ bot.Unreacter = (*fakeChat)(nil)

func newFakeChat() *fakeChat {
	return &fakeChat{byKey: map[string]string{}, threads: map[string]string{}}
}

func (f *fakeChat) failing(op bot.Op, to bot.Place) error {
	if f.fail == nil {
		return nil
	}
	return f.fail(op, to)
}

func (f *fakeChat) Post(_ context.Context, to bot.Place, m bot.Message) (string, error) {
	f.mu.Lock()
	if err := f.failing(bot.OpPost, to); err != nil {
		f.mu.Unlock()
		return "", err
	}
	if f.deleted[to.Thread] {
		f.mu.Unlock()
		return "", bot.ErrGone
	}
	if ref, ok := f.byKey[m.Key]; ok && m.Key != "" {
		f.mu.Unlock()
		return ref, nil
	}
	f.seq++
	ref := fmt.Sprintf("p%d", f.seq)
	f.byKey[m.Key] = ref
	f.log = append(f.log, sent{Op: bot.OpPost, Ref: ref, Place: to, Msg: m})
	after := f.afterPost
	f.mu.Unlock()
	if after != nil {
		after()
	}
	return ref, nil
}

func (f *fakeChat) StartThread(_ context.Context, ref string, name bot.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failing(bot.OpThread, bot.Place{}); err != nil {
		return "", err
	}
	if f.deleted[ref] { // no thread starts on a deleted post (Discord: Unknown Message)
		return "", bot.ErrGone
	}
	if th, ok := f.threads[ref]; ok {
		return th, nil
	}
	f.seq++
	th := fmt.Sprintf("t%d-%s", f.seq, ref)
	if f.threadIsCard {
		th = ref
	}
	f.threads[ref] = th
	f.log = append(f.log, sent{Op: bot.OpThread, Ref: th, Msg: name})
	return th, nil
}

func (f *fakeChat) Edit(_ context.Context, ref string, m bot.Message) error {
	if during := f.duringEdit; during != nil {
		f.duringEdit = nil
		during()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failing(bot.OpEdit, bot.Place{}); err != nil {
		return err
	}
	if f.deleted[ref] {
		return bot.ErrGone
	}
	f.log = append(f.log, sent{Op: bot.OpEdit, Ref: ref, Msg: m})
	return nil
}

func (f *fakeChat) React(_ context.Context, ref, emoji string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted[ref] {
		return bot.ErrGone
	}
	f.log = append(f.log, sent{Op: bot.OpReact, Ref: ref, Emoji: emoji})
	return nil
}

func (f *fakeChat) Unreact(_ context.Context, ref, emoji string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted[ref] {
		return bot.ErrGone
	}
	f.log = append(f.log, sent{Op: bot.OpUnreact, Ref: ref, Emoji: emoji})
	return nil
}

func (f *fakeChat) Invite(_ context.Context, thread string, user bot.UserID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleted[thread] {
		return bot.ErrGone
	}
	f.log = append(f.log, sent{Op: bot.OpInvite, Ref: thread, User: user})
	return nil
}

func (f *fakeChat) Archive(_ context.Context, thread string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, sent{Op: bot.OpArchive, Ref: thread})
	return nil
}

// sentSince returns what was done from index i on.
func (f *fakeChat) sentSince(i int) []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.log[i:]...)
}

func (f *fakeChat) mark() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.log) }

// ids lists every message ID in a message (title, lines, fields, nested).
func ids(m bot.Message) []string {
	var out []string
	var walk func(t bot.Text)
	walk = func(t bot.Text) {
		if t.ID != "" {
			out = append(out, t.ID)
		}
		for _, a := range t.Args {
			if a.Text != nil {
				walk(*a.Text)
			}
			for _, x := range a.List {
				walk(x)
			}
		}
	}
	walk(m.Title)
	for _, t := range m.Lines {
		walk(t)
	}
	for _, f := range m.Fields {
		walk(f.Label)
		walk(f.Value)
	}
	return out
}

func has(m bot.Message, id string) bool {
	for _, x := range ids(m) {
		if x == id {
			return true
		}
	}
	return false
}

// roster is the demo committee: ana chairs; ivan and cora are in working
// groups; sam is staff.
var roster = map[string]bot.Roles{
	"ana":  {Committee: true, Chair: true},
	"bo":   {Committee: true},
	"chen": {Committee: true},
	"dina": {Committee: true},
	"eli":  {Committee: true},
	"ivan": {Groups: []string{"implementation"}},
	"cora": {Groups: []string{"communication"}},
	"sam":  {Staff: true},
}

// harness plays whole cases: a real SQLite file, the core, a recording
// platform and a clock moved by hand.
type harness struct {
	t     testing.TB
	ctx   context.Context
	path  string
	store *sqlite.Store
	svc   *bot.Service
	chat  *fakeChat
	clock *fakeClock
	cat   *locales.Catalog
	cfg   bot.Config
	langs map[string]string // person → platform locale
	busy  time.Duration     // how long the store waits for another process's lock
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		ctx:   context.Background(),
		path:  filepath.Join(t.TempDir(), "helpdesk.db"),
		chat:  newFakeChat(),
		clock: &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		langs: map[string]string{},
	}
	cat, err := locales.Default()
	if err != nil {
		t.Fatalf("locales: %v", err)
	}
	h.cat = cat
	h.open()
	for name, roles := range roster {
		if err := h.svc.MemberSeen(h.ctx, bot.Member{ID: id(name), Name: name, Roles: roles}); err != nil {
			t.Fatalf("member %s: %v", name, err)
		}
	}
	return h
}

// open (re)opens the store and a new service on it, as a restart would.
func (h *harness) open() {
	h.t.Helper()
	st, err := sqlite.OpenWith(h.ctx, h.path, sqlite.Options{BusyTimeout: h.busy, Clock: h.clock})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.store = st
	h.t.Cleanup(func() { st.Close() })
	h.svc = bot.New(st, h.clock, h.cat, h.cfg)
	h.svc.Attach("shell", h.chat)
}

// restart closes the store and opens everything again on the same file.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.store.Close(); err != nil {
		h.t.Fatalf("close store: %v", err)
	}
	h.open()
}

func id(name string) bot.UserID { return bot.UserID("shell:" + name) }

func (h *harness) inv(name string) bot.Invocation {
	roles := roster[name]
	return bot.Invocation{User: id(name), Name: name, Locale: h.langs[name], Roles: &roles}
}

// deliver performs the outbox.
func (h *harness) deliver() {
	h.t.Helper()
	if _, err := h.svc.Deliver(h.ctx, "shell"); err != nil {
		h.t.Fatalf("deliver: %v", err)
	}
}

// cmd runs a command and delivers what it caused.
func (h *harness) cmd(name, line string) bot.Response {
	h.t.Helper()
	r := h.svc.Command(h.ctx, h.inv(name), line)
	h.deliver()
	return r
}

// replyID is the first message ID of a reply.
func replyID(r bot.Response) string {
	if r.Reply == nil || len(r.Reply.Lines) == 0 {
		return ""
	}
	return r.Reply.Lines[0].ID
}

// wantReply checks that a command's reply starts with message id.
func (h *harness) wantReply(r bot.Response, id string) {
	h.t.Helper()
	if got := replyID(r); got != id {
		h.t.Fatalf("reply %q, want %q (%s)", got, id, h.render(r.Reply))
	}
}

func (h *harness) render(m *bot.Message) string {
	if m == nil {
		return "<none>"
	}
	var b strings.Builder
	st := locales.Style{}
	if !m.Title.IsZero() {
		b.WriteString(h.cat.Text(m.Lang, m.Title, st) + " | ")
	}
	for _, l := range m.Lines {
		b.WriteString(h.cat.Text(m.Lang, l, st) + " | ")
	}
	for _, f := range m.Fields {
		b.WriteString(h.cat.Text(m.Lang, f.Label, st) + ": " + h.cat.Text(m.Lang, f.Value, st) + " | ")
	}
	// The words, for the tests that read them: the direction isolates
	// around user text are the renderer's, tested in locales.
	return locales.StripIsolates(b.String())
}

// request files a case as name and returns its number.
func (h *harness) request(name string, typ bot.RequestType, title string) int64 {
	h.t.Helper()
	r := h.cmd(name, "request "+string(typ))
	if r.Form == nil {
		h.t.Fatalf("request %s: no form (%s)", typ, h.render(r.Reply))
	}
	sub := bot.Submission{Kind: r.Form.Kind, Type: r.Form.Type, Values: map[string]string{
		"title":        title,
		"description":  "We would like to upload " + title + " to Wikimedia Commons.",
		"organisation": "Town Museum",
	}}
	resp := h.svc.Submit(h.ctx, h.inv(name), sub)
	h.deliver()
	h.wantReply(resp, "reply.opened")
	return h.caseOf(resp)
}

// caseOf reads the case number from a reply's "id" argument.
func (h *harness) caseOf(r bot.Response) int64 {
	h.t.Helper()
	var n int64
	if _, err := fmt.Sscanf(r.Reply.Lines[0].Args["id"].Code, "#%d", &n); err != nil {
		h.t.Fatalf("no case number in reply: %v", err)
	}
	return n
}

// record reads a case with its groups, votes and events.
func (h *harness) record(c int64) bot.Record {
	h.t.Helper()
	recs, err := h.svc.ExportAll(h.ctx)
	if err != nil {
		h.t.Fatalf("export: %v", err)
	}
	for _, r := range recs {
		if r.Case.ID == c {
			return r
		}
	}
	h.t.Fatalf("no case %d", c)
	return bot.Record{}
}

func (h *harness) wantStage(c int64, st bot.Stage) {
	h.t.Helper()
	if got := h.record(c).Case.Stage; got != st {
		h.t.Fatalf("case %d in stage %s, want %s", c, got, st)
	}
}

func (h *harness) wantOutcome(c int64, o bot.Outcome) {
	h.t.Helper()
	r := h.record(c)
	if r.Case.Stage != bot.Closed || r.Case.Outcome != o {
		h.t.Fatalf("case %d is %s/%s, want closed/%s", c, r.Case.Stage, r.Case.Outcome, o)
	}
}

// target finds the post where emoji means something now for case c.
func (h *harness) target(c int64, name, emoji string) string {
	h.t.Helper()
	ref, err := h.svc.ReactionTarget(h.ctx, c, id(name), emoji)
	if err != nil {
		h.t.Fatalf("no post of case %d for %s: %v", c, emoji, err)
	}
	return ref
}

func (h *harness) react(c int64, name, emoji string) {
	h.t.Helper()
	h.reactOn(h.target(c, name, emoji), name, emoji)
}

func (h *harness) reactOn(ref, name, emoji string) {
	h.t.Helper()
	if err := h.svc.ReactionAdded(h.ctx, bot.Reaction{Post: ref, User: id(name), Emoji: emoji}); err != nil {
		h.t.Fatalf("%s reacts %s: %v", name, emoji, err)
	}
	h.deliver()
}

func (h *harness) unreact(c int64, name, emoji string) {
	h.t.Helper()
	ref := h.target(c, name, emoji)
	if err := h.svc.ReactionRemoved(h.ctx, bot.Reaction{Post: ref, User: id(name), Emoji: emoji}); err != nil {
		h.t.Fatalf("%s unreacts %s: %v", name, emoji, err)
	}
	h.deliver()
}

// wait moves the clock on and lets the timers fire.
func (h *harness) wait(d time.Duration) {
	h.t.Helper()
	h.clock.Advance(d)
	if err := h.svc.Tick(h.ctx); err != nil {
		h.t.Fatalf("tick: %v", err)
	}
	h.deliver()
}

// posted returns the posts since mark i that carry message id.
func (h *harness) posted(i int, msgID string) []sent {
	var out []sent
	for _, s := range h.chat.sentSince(i) {
		if s.Op == bot.OpPost && has(s.Msg, msgID) {
			out = append(out, s)
		}
	}
	return out
}

// wantPosted checks that exactly one post since mark i carries msgID and
// went to the given place kind (and person, for a direct message).
func (h *harness) wantPosted(i int, msgID string, kind bot.PlaceKind, to string) sent {
	h.t.Helper()
	ps := h.posted(i, msgID)
	if len(ps) != 1 {
		h.t.Fatalf("%d posts with %s since %d, want 1", len(ps), msgID, i)
	}
	p := ps[0]
	if p.Place.Kind != kind || (to != "" && p.Place.User != id(to)) {
		h.t.Fatalf("%s posted to %+v, want %s %s", msgID, p.Place, kind, to)
	}
	return p
}

func (h *harness) wantNotPosted(i int, msgID string) {
	h.t.Helper()
	if ps := h.posted(i, msgID); len(ps) != 0 {
		h.t.Fatalf("%d posts with %s, want none: %s", len(ps), msgID, h.render(&ps[0].Msg))
	}
}

// events lists the event types of a case.
func (h *harness) events(c int64) []bot.EventType {
	var out []bot.EventType
	for _, e := range h.record(c).Events {
		out = append(out, e.Type)
	}
	return out
}

func (h *harness) countEvents(c int64, t bot.EventType) int {
	n := 0
	for _, e := range h.events(c) {
		if e == t {
			n++
		}
	}
	return n
}

var errPassing = errors.New("503 service unavailable")
