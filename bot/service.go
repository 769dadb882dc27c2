package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Group is a working group.
type Group struct {
	ID    string // short name used in commands: "implementation"
	Emoji string // the reaction that routes a case to it
	Lang  string // the language of its channel; empty means the committee's
	Name  string // a display name; empty means the localized name of the ID
}

// DefaultGroups are the six working groups of the slides.
var DefaultGroups = []Group{
	{ID: "communication", Emoji: "📣"},
	{ID: "planning", Emoji: "🗂️"},
	{ID: "implementation", Emoji: "🛠️"},
	{ID: "evaluation", Emoji: "🔬"},
	{ID: "content-use", Emoji: "🖼️"},
	{ID: "materials", Emoji: "📚"},
}

// Guide is a best-practice link offered by /helpdesk guides.
type Guide struct {
	Title  string
	URL    string
	Topics []string
}

// Config is how a helpdesk runs its process.
type Config struct {
	Rule          Rule
	MaxOpenCases  int // open cases a requester may hold; 0 means DefaultMaxOpenCases
	Groups        []Group
	NoGroupEmoji  string // the routing reaction for "no group needed"
	CommitteeLang string // the language of the committee's channel and threads
	// CommitteePlatform, with more than one chat platform on one
	// database, is the platform whose committee takes every case: a
	// request filed on another is carded and voted there, and its
	// requester is answered where they asked. Empty: each platform's
	// committee takes the cases filed on it.
	CommitteePlatform string
	DefaultLang       string // for people whose language is not known
	Guides            []Guide
	// MaxRequests is how many requests one person may file within
	// RequestWindow (withdrawn ones count): zero means DefaultMaxRequests
	// in DefaultRequestWindow.
	MaxRequests   int
	RequestWindow time.Duration
	// CommandsPerMinute bounds the commands one person may send; zero
	// means DefaultCommandsPerMinute.
	CommandsPerMinute int
	// SupportRemindAfter is how long a case may wait for support before
	// staff are reminded of it (again after each such wait, until someone
	// takes it); zero means DefaultSupportRemindAfter, a negative value no
	// reminder.
	SupportRemindAfter time.Duration
	// Waits are the timers of every other wait (waits.go).
	Waits Waits
	// Location is the helpdesk's time zone, where digests fall at their
	// hour; nil is UTC.
	Location *time.Location
	// Privacy is how long the helpdesk keeps what it holds (erase.go).
	Privacy Retention
	// MaxAttempts is how often the outbox tries a piece of work that fails
	// for a passing reason before giving it up.
	MaxAttempts int
	// Logger receives what operators should know; nil discards.
	Logger *slog.Logger
	// Meter counts what the helpdesk does; nil counts nothing.
	Meter Meter
	// DashboardURL is the web address of the dashboard, where the links
	// of /helpdesk dashboard lead; empty when there is none.
	DashboardURL string
}

// Defaults of Config.
const (
	DefaultMaxOpenCases = 3
	DefaultNoGroupEmoji = "⏩"
	DefaultMaxAttempts  = 40 // about five hours of retries; see maxRetryDelay

	DefaultSupportRemindAfter = 3 * 24 * time.Hour
	DefaultMaxRequests        = 5
	DefaultRequestWindow      = 24 * time.Hour
	DefaultCommandsPerMinute  = 30
)

func (c *Config) fill() {
	if c.Rule.Deadline <= 0 {
		c.Rule.Deadline = DefaultRule.Deadline
	}
	if c.Rule.RemindAfter == 0 {
		c.Rule.RemindAfter = DefaultRule.RemindAfter
	}
	if c.Rule.Quorum <= 0 {
		c.Rule.Quorum = DefaultRule.Quorum
	}
	if c.MaxOpenCases <= 0 {
		c.MaxOpenCases = DefaultMaxOpenCases
	}
	if len(c.Groups) == 0 {
		c.Groups = DefaultGroups
	}
	if c.NoGroupEmoji == "" {
		c.NoGroupEmoji = DefaultNoGroupEmoji
	}
	if c.DefaultLang == "" {
		c.DefaultLang = "en"
	}
	if c.CommitteeLang == "" {
		c.CommitteeLang = c.DefaultLang
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.SupportRemindAfter == 0 {
		c.SupportRemindAfter = DefaultSupportRemindAfter
	}
	c.Waits.fill()
	c.Privacy.fill()
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.MaxRequests <= 0 {
		c.MaxRequests = DefaultMaxRequests
	}
	if c.RequestWindow <= 0 {
		c.RequestWindow = DefaultRequestWindow
	}
	if c.CommandsPerMinute <= 0 {
		c.CommandsPerMinute = DefaultCommandsPerMinute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Meter == nil {
		c.Meter = noMeter{}
	}
}

// Service is the helpdesk: the whole process, driven by the events adapters
// hand it, speaking to platforms through the Chat each adapter attached.
// Its methods are safe for concurrent use; the store's write transaction
// serialises the changes.
type Service struct {
	store Store
	clock Clock
	langs Languages
	cfg   Config
	log   *slog.Logger

	mu    sync.Mutex
	chats map[string]*outlet // by platform
	// committees caches the committee of each platform as last committed.
	// Every vote needs it and it rarely changes; this process is the
	// store's only writer, so a change of roles here is the only change.
	committees map[string][]Member
	// generation counts the times the cache was dropped: a transaction
	// that began before a drop must not put back what it read.
	generation uint64
	// retainedAt is when the retention last looked (erase.go).
	retainedAt time.Time
	// install is the store's installation id, read once (see key).
	install string
	// recent holds, for each person, the times of their last commands,
	// for CommandsPerMinute.
	recent map[UserID][]time.Time
}

// outlet is one platform's Chat and the worker state around it.
type outlet struct {
	chat Chat
	pace time.Duration // at most one edit of a post per pace (Pacer)
	wake chan struct{}
	busy sync.Mutex // one delivery at a time per platform
}

// New returns a Service on store. cfg's zero fields take their defaults.
func New(store Store, clock Clock, langs Languages, cfg Config) *Service {
	cfg.fill()
	return &Service{store: store, clock: clock, langs: langs, cfg: cfg, log: cfg.Logger, chats: map[string]*outlet{}}
}

// Config returns the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Attach makes chat the platform through which the work of platform's cases
// is done. Attach before Run.
func (s *Service) Attach(platform string, chat Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &outlet{chat: chat, wake: make(chan struct{}, 1)}
	if p, ok := chat.(Pacer); ok {
		o.pace = p.EditInterval()
	}
	s.chats[platform] = o
}

func (s *Service) outlet(platform string) *outlet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats[platform]
}

// work is one transaction of the workflow: its Tx, its moment, and the
// platforms whose outbox gained work.
type work struct {
	s     *Service
	tx    Tx
	now   time.Time
	woken map[string]bool

	// Read once per transaction: a vote weighs the ballot and then shows it
	// on the card. Writes that change them clear them.
	committees map[string][]Member
	ballots    map[[2]int64]Ballot
	voteRefs   map[[2]int64]string // the platform reference of a round's vote post
	// membersChanged is set when the transaction wrote a person's roles:
	// the service's cache of committees is then stale.
	membersChanged bool
	// What the transaction did, for the Meter once it is committed.
	events []EventType
	votes  []VoteResult
}

// busyRetries is how often a transaction is tried again when another
// process holds the database.
const busyRetries = 3

// update runs fn in one write transaction and, once it committed, wakes the
// outbox workers of the platforms that have new work.
func (s *Service) update(ctx context.Context, fn func(w *work) error) error {
	var w *work
	var err error
	var gen uint64
	for attempt := 0; ; attempt++ {
		err = s.store.Update(ctx, func(tx Tx) error {
			var cached map[string][]Member
			cached, gen = s.cachedCommittees()
			w = &work{s: s, tx: tx, now: s.clock.Now().UTC(), woken: map[string]bool{}, committees: cached}
			return fn(w)
		})
		if !errors.Is(err, ErrBusy) || attempt >= busyRetries || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	if w != nil && w.membersChanged {
		s.forgetCommittees() // even when rolled back: the cache must not hold what was written
	}
	if err == nil {
		if w != nil && !w.membersChanged {
			s.keepCommittees(w.committees, gen)
		}
		for p := range w.woken {
			s.wakeOutlet(p)
		}
		for _, t := range w.events {
			s.cfg.Meter.Event(t)
		}
		for _, v := range w.votes {
			s.cfg.Meter.Vote(v)
		}
	}
	return err
}

// cachedCommittees returns a copy of the cache and its generation.
func (s *Service) cachedCommittees() (map[string][]Member, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]Member, len(s.committees))
	for p, ms := range s.committees {
		out[p] = ms
	}
	return out, s.generation
}

// keepCommittees stores what a committed transaction read, unless the
// cache was dropped since the transaction began (gen): what it read may
// then predate a change of roles.
func (s *Service) keepCommittees(read map[string][]Member, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.generation {
		return
	}
	if s.committees == nil {
		s.committees = map[string][]Member{}
	}
	for p, ms := range read {
		s.committees[p] = ms
	}
}

func (s *Service) forgetCommittees() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committees = nil
	s.generation++
}

// view runs fn on a read snapshot.
func (s *Service) view(ctx context.Context, fn func(w *work) error) error {
	return s.store.View(ctx, func(tx Tx) error {
		return fn(&work{s: s, tx: tx, now: s.clock.Now().UTC()})
	})
}

func (s *Service) wakeOutlet(platform string) {
	if o := s.outlet(platform); o != nil {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// event appends to the case's log.
func (w *work) event(c Case, actor UserID, typ EventType, kv ...string) error {
	return w.said(c, actor, typ, "", kv...)
}

// said appends to the case's log an event with what the person said (a
// question, an answer, a note, a reason), marked internal by the rule of
// Internal.
func (w *work) said(c Case, actor UserID, typ EventType, text string, kv ...string) error {
	var d map[string]string
	if len(kv) > 0 {
		d = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i]] = kv[i+1]
		}
	}
	e := Event{CaseID: c.ID, At: w.now, Actor: actor, Type: typ, Detail: d, Text: text, Internal: Internal(typ)}
	if err := w.tx.AppendEvent(e); err != nil {
		return fmt.Errorf("log %s on case %d: %w", typ, c.ID, err)
	}
	if actor != "" && actor == c.Owner && c.Stage.Open() && typ != EvOwner {
		// The owner acted: the case is not idle, and not overdue.
		if err := w.startIdle(c); err != nil {
			return err
		}
	}
	w.events = append(w.events, typ)
	return nil
}

// enqueue adds work for the case's platform to the outbox; a private
// message to someone of another platform the helpdesk serves (a requester
// who wrote by mail) goes to that platform's outlet.
func (w *work) enqueue(c Case, it Item) error {
	it.Platform = c.Platform
	if to := it.Place.User.Platform(); it.Place.Kind == InDirect && to != c.Platform && w.s.outlet(to) != nil {
		it.Platform = to
	}
	it.CaseID = c.ID
	it.Created = w.now
	if err := w.tx.Enqueue(&it); err != nil {
		return fmt.Errorf("enqueue %s %s for case %d: %w", it.Op, it.Name, c.ID, err)
	}
	if !it.Due.After(w.now) { // work held back is found by the worker's poll when due
		w.woken[it.Platform] = true
	}
	return nil
}

// post asks for m to be posted to place; name (may be empty) records the
// post's reference for later edits and reactions.
func (w *work) post(c Case, name PostName, to Place, m Message) error {
	return w.enqueue(c, Item{Op: OpPost, Name: name, Place: to, Message: m})
}

// toThread posts m in the case's thread.
func (w *work) toThread(c Case, m Message) error {
	return w.post(c, "", Place{Kind: InThread}, m)
}

// dm sends m privately to user.
func (w *work) dm(c Case, name PostName, user UserID, m Message) error {
	return w.post(c, name, Place{Kind: InDirect, User: user}, m)
}

// edit asks for post name to be shown again as the case now stands; the
// content is read at delivery, so edits of one post pending together
// collapse into one that shows the latest state.
func (w *work) edit(c Case, name PostName) error {
	it := Item{Op: OpEdit, Name: name, Collapse: fmt.Sprintf("%d/%s", c.ID, name)}
	if o := w.s.outlet(c.Platform); o != nil && o.pace > 0 {
		it.Due = w.now.Add(o.pace)
	}
	return w.enqueue(c, it)
}

func (w *work) react(c Case, name PostName, emoji ...string) error {
	for _, e := range emoji {
		if err := w.enqueue(c, Item{Op: OpReact, Name: name, Emoji: e}); err != nil {
			return err
		}
	}
	return nil
}

func (w *work) invite(c Case, user UserID) error {
	if user.Platform() != c.Platform {
		return nil // a thread takes in people of its own platform only
	}
	return w.enqueue(c, Item{Op: OpInvite, User: user})
}

// setStage moves a case on, guarded by the stage it was read in.
func (w *work) setStage(c *Case, to Stage, outcome Outcome) error {
	from := c.Stage
	c.Stage, c.Outcome, c.UpdatedAt = to, outcome, w.now
	if err := w.tx.UpdateCase(*c, from); err != nil {
		return fmt.Errorf("move case %d from %s to %s: %w", c.ID, from, to, err)
	}
	return nil
}

// save writes a case's mutable fields without changing its stage.
func (w *work) save(c *Case) error {
	c.UpdatedAt = w.now
	if err := w.tx.UpdateCase(*c, c.Stage); err != nil {
		return fmt.Errorf("save case %d: %w", c.ID, err)
	}
	return nil
}

// member returns what is known of a person; someone never seen is a
// community member with no roles.
func (w *work) member(id UserID) (Member, error) {
	m, err := w.tx.Member(id)
	if errors.Is(err, ErrNotFound) {
		return Member{ID: id}, nil
	}
	if err != nil {
		return Member{}, fmt.Errorf("read member %s: %w", id, err)
	}
	return m, nil
}

// person is how a text names someone.
func (w *work) person(id UserID) Person {
	m, err := w.member(id)
	if err != nil || m.Name == "" {
		return Person{ID: id, Name: id.Local()}
	}
	return Person{ID: id, Name: m.Name}
}

// langOf is the language to write to a person in: the one they chose, else
// the one their platform reports, else the helpdesk's default.
func (w *work) langOf(id UserID) string {
	m, err := w.member(id)
	if err != nil {
		return w.s.cfg.DefaultLang
	}
	if m.Lang == "" {
		// One person, one language: chosen with any of their identities.
		for _, o := range m.Also {
			if om, err := w.member(o); err == nil && om.Lang != "" {
				return om.Lang
			}
		}
	}
	return w.s.pickLang(m.Lang, m.Locale)
}

func (s *Service) pickLang(chosen, locale string) string {
	if chosen != "" {
		return chosen
	}
	if locale != "" && s.langs != nil {
		if tag, ok := s.langs.Match(locale); ok {
			return tag
		}
	}
	return s.cfg.DefaultLang
}

// langName names a language in itself ("Svenska"), or gives its tag when
// the helpdesk does not speak it.
func (s *Service) langName(tag string) string {
	if s.langs != nil {
		if n := s.langs.Autonym(tag); n != "" {
			return n
		}
	}
	return tag
}

// LangOf returns the language to write to a person in: the one they chose
// with /helpdesk language, else their platform's locale (the stored one,
// or locale when given), else the helpdesk's default. Adapters use it for
// texts of their own.
func (s *Service) LangOf(ctx context.Context, user UserID, locale string) string {
	var m Member
	err := s.view(ctx, func(w *work) error {
		var err error
		m, err = w.member(user)
		return err
	})
	if err != nil {
		s.log.Warn("read member language", "user", user, "err", err)
	}
	if locale != "" {
		m.Locale = locale
	}
	return s.pickLang(m.Lang, m.Locale)
}

// committee lists the committee members of a platform.
func (w *work) committee(platform string) ([]Member, error) {
	if ms, ok := w.committees[platform]; ok {
		return ms, nil
	}
	all, err := w.tx.Members(platform)
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", platform, err)
	}
	var out []Member
	for _, m := range all {
		if m.Roles.Committee || m.Roles.Chair {
			out = append(out, m)
		}
	}
	if w.committees == nil {
		w.committees = map[string][]Member{}
	}
	w.committees[platform] = out
	return out, nil
}

// IncidentKept is how long the record that staff were told of an
// incident (TellStaff) is kept.
const IncidentKept = 30 * 24 * time.Hour

// TellStaff writes t privately to every staff member the helpdesk knows,
// on every attached platform, each in their language, once for key (a
// key per incident: "backup.failed/2026-12-03"). It is for what the
// people who run the helpdesk must know and may not read in a log. The
// record that they were told is kept for IncidentKept, long after the
// incident's key can come again, and then forgotten.
func (s *Service) TellStaff(ctx context.Context, key string, t Text) error {
	s.mu.Lock()
	platforms := make([]string, 0, len(s.chats))
	for p := range s.chats {
		platforms = append(platforms, p)
	}
	s.mu.Unlock()
	sort.Strings(platforms)
	return s.update(ctx, func(w *work) error {
		for _, p := range platforms {
			all, err := w.tx.Members(p)
			if err != nil {
				return fmt.Errorf("list members: %w", err)
			}
			for _, m := range all {
				if m.Roles.Staff {
					if err := w.noticeOnce(Case{Platform: p}, m.ID, key, IncidentKept, t); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// MemberSeen records what a platform tells of a person: their name, locale
// and roles. An empty name or locale keeps the one known (a platform may
// tell roles without a locale). Adapters call it when they learn of
// someone (a reaction with member data, a roster at start-up); invocations
// record it themselves.
func (s *Service) MemberSeen(ctx context.Context, m Member) error {
	return s.update(ctx, func(w *work) error {
		old, err := w.member(m.ID)
		if err != nil {
			return err
		}
		if m.Name == "" {
			m.Name = old.Name
		}
		if m.Locale == "" {
			m.Locale = old.Locale
		}
		return w.seen(m)
	})
}

func (w *work) seen(m Member) error {
	old, err := w.member(m.ID)
	if err != nil {
		return err
	}
	if old.Name == m.Name && old.Locale == m.Locale && sameRoles(old.Roles, m.Roles) {
		return nil
	}
	if err := w.tx.PutMember(m); err != nil {
		return fmt.Errorf("record member %s: %w", m.ID, err)
	}
	w.committees, w.ballots, w.membersChanged = nil, nil, true
	if old.Roles.Committee == m.Roles.Committee && old.Roles.Chair == m.Roles.Chair {
		return nil
	}
	// The committee changed: every vote in progress on the platform is
	// weighed again (the majority's denominator moved, and a vote may be
	// decided now) and its tally shown again.
	open, err := w.tx.Cases(CaseFilter{OpenOnly: true})
	if err != nil {
		return fmt.Errorf("list open cases: %w", err)
	}
	for _, c := range open {
		if c.Platform != m.ID.Platform() || c.Stage != InitialReview && c.Stage != FinalReview {
			continue
		}
		r, err := w.tx.Round(c.ID, c.Round)
		if errors.Is(err, ErrNotFound) {
			// A case under review without its round is damaged data (a
			// hand-edited database, a partial restore): say so, and do not
			// let it keep the roster, and so the whole bot, from running.
			w.s.log.Error("a case under review has no round; its vote is not weighed again", "case", c.ID, "round", c.Round)
			continue
		}
		if err != nil {
			return fmt.Errorf("read round %d of case %d: %w", c.Round, c.ID, err)
		}
		if r.Closed {
			continue
		}
		if err := w.weigh(c, r, false); err != nil {
			return err
		}
	}
	return nil
}

func sameRoles(a, b Roles) bool {
	if a.Committee != b.Committee || a.Chair != b.Chair || a.Staff != b.Staff || len(a.Groups) != len(b.Groups) {
		return false
	}
	for i := range a.Groups {
		if a.Groups[i] != b.Groups[i] {
			return false
		}
	}
	return true
}

// group finds a working group by ID.
func (s *Service) group(id string) (Group, bool) {
	for _, g := range s.cfg.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}
