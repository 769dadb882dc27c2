// Package discord runs the helpdesk on a Discord server (a guild) through
// github.com/bwmarrin/discordgo: the /helpdesk command and its modals,
// cards in the committee channel with a thread per case (or a forum post),
// working-group cards, votes by reactions, and direct messages.
//
// Everything a handler needs is in the interaction (custom ids name the
// form and the request type) or in the database: a modal opened before a
// restart is handled after it. Reaction and delete events are applied in
// gateway order by one goroutine; after every (re)connect the reactions of
// every post that still matters are read again and reconciled beside it,
// without holding up live events.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/wmse/helpdesk/adapters/backlog"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Platform is the prefix of Discord user ids in the helpdesk
// ("discord:80351110224678912") and the name it is attached under.
const Platform = "discord"

var (
	_ bot.Chat      = (*Adapter)(nil)
	_ bot.Archiver  = (*Adapter)(nil)
	_ bot.Pacer     = (*Adapter)(nil)
	_ bot.Unreacter = (*Adapter)(nil)
	_ bot.Rereader  = (*Adapter)(nil)
)

// Config is how the adapter finds its way on the server.
type Config struct {
	// Token is the bot's token, without the "Bot " prefix.
	Token string
	// GuildID is the server the helpdesk runs on.
	GuildID string
	// CommitteeChannel is the channel of the case cards; with
	// CommitteeForum it is a forum channel, and each case is a post there.
	CommitteeChannel string
	CommitteeForum   bool
	// GroupChannels maps a working group's id to its channel.
	GroupChannels map[string]string
	// The roles that make people committee members, chairs, staff, and
	// members of a working group (by group id).
	CommitteeRole string
	ChairRole     string
	StaffRole     string
	GroupRoles    map[string]string
	// RosterEvery is how often the server's member list is read again, so
	// that a role change or a departure whose gateway event was missed
	// (the gateway replays none after a new session) is corrected; zero
	// means five minutes.
	RosterEvery time.Duration
	// APIURL, when set, replaces https://discord.com as the address of the
	// REST API and of the gateway discovery (a proxy, or a fake in tests).
	APIURL string

	Catalog *locales.Catalog
	Logger  *slog.Logger
	// Metrics counts 429s, acknowledgements and reconciles; nil counts
	// nothing.
	Metrics bot.PlatformMeter
}

// Adapter is the helpdesk on Discord: the core's bot.Chat, and the bridge
// that turns Discord's interactions and reactions into the core's events.
type Adapter struct {
	cfg   Config
	svc   *bot.Service
	cat   *locales.Catalog
	log   *slog.Logger
	s     *discordgo.Session
	calls atomic.Int64 // REST calls made, for the benchmarks
	// connected is whether the gateway is connected and the reactions
	// read again since (see Readiness).
	connected atomic.Bool

	queue    chan gatewayEvent // reaction events and reconnects, in gateway order
	backlog  backlog.Backlog   // the worker's: events the core could not take yet
	inflight sync.WaitGroup    // interactions being answered

	// The reconcile under way (the worker's only), and every one started.
	recCancel  context.CancelFunc
	recDone    chan struct{}
	reconciles sync.WaitGroup

	mu      sync.Mutex
	stopped bool // Run no longer waits for interactions
	botID   string
	appID   string
	known   map[string]bool       // users whose roles the core has been told
	told    map[string]bot.Member // by snowflake: what the core was told of a member
	// Member events applied (memberSeq) and the last one of each user:
	// a roster read older than a member's event is not applied to them.
	memberSeq uint64
	memberAt  map[string]uint64
	keys      map[string]string // message keys posted by this process → refs
	// The whole text of each shortened committee card, until its thread
	// starts (the core starts it right after the post), and their refs,
	// oldest first: at most maxWhole are kept.
	whole     map[string][]string
	wholeRefs []string
	live      map[string]uint64 // while reactions are read: live reaction events by post
	liveReads int               // the reads of reactions under way (reconciles, rereads)
}

// New returns an adapter for svc; attach it with svc.Attach(Platform, a)
// and run it with Run.
func New(cfg Config, svc *bot.Service) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: no token")
	}
	if cfg.Catalog == nil {
		return nil, errors.New("discord: no catalog")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = bot.NoPlatformMeter
	}
	if cfg.RosterEvery <= 0 {
		cfg.RosterEvery = 5 * time.Minute
	}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	// Handlers run in the gateway's reader, in order; they only queue
	// work (reactions for one worker, interactions each in a goroutine).
	s.SyncEvents = true
	s.LogLevel = -1 // discordgo's own log would print URLs; the adapter logs what matters
	// GUILDS brings THREAD_DELETE; GUILD_MESSAGES brings MESSAGE_DELETE and
	// MESSAGE_DELETE_BULK (and every MESSAGE_CREATE, without content: the
	// privileged MESSAGE_CONTENT intent is not asked for); the reaction
	// intents bring votes, in the server and in DMs. The privileged
	// GUILD_MEMBERS intent (role changes and departures) is added in Run
	// when the bot has it.
	s.Identify.Intents = baseIntents
	s.MaxRestRetries = 2
	s.Client = &http.Client{Timeout: 20 * time.Second}
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: api_url %q is not an http(s) address", cfg.APIURL)
		}
		s.Client.Transport = redirect{to: u, next: http.DefaultTransport}
	}
	return &Adapter{
		backlog:  backlog.Backlog{Log: cfg.Logger, Prefix: "discord: "},
		cfg:      cfg,
		svc:      svc,
		cat:      cfg.Catalog,
		log:      cfg.Logger,
		s:        s,
		queue:    make(chan gatewayEvent, 4096),
		known:    map[string]bool{},
		told:     map[string]bot.Member{},
		memberAt: map[string]uint64{},
		keys:     map[string]string{},
		whole:    map[string][]string{},
	}, nil
}

// baseIntents are the gateway intents the adapter always asks for.
const baseIntents = discordgo.IntentGuilds | discordgo.IntentGuildMessages | discordgo.IntentGuildMessageReactions |
	discordgo.IntentDirectMessages | discordgo.IntentDirectMessageReactions

// redirect sends the requests meant for discord.com to another address:
// discordgo's endpoints are package variables fixed at start-up.
type redirect struct {
	to   *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "discord.com" || strings.HasSuffix(req.URL.Host, ".discord.com") {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host = r.to.Scheme, r.to.Host
		req.URL.Path = strings.TrimSuffix(r.to.Path, "/") + req.URL.Path
		req.Host = r.to.Host
	}
	return r.next.RoundTrip(req)
}

// shutdownGrace is how long Run, once its context ends, lets the
// interactions under way finish.
const shutdownGrace = 5 * time.Second

// EditInterval is Discord's pace for card edits: at most one per card per
// second; the core collapses a burst of votes into one edit.
func (a *Adapter) EditInterval() time.Duration { return time.Second }

// Calls is the number of REST calls the adapter has made.
func (a *Adapter) Calls() int64 { return a.calls.Load() }

// Run connects to the gateway, registers /helpdesk, and handles
// interactions and reactions until ctx ends; then it disconnects. A first
// connection that fails is an error (a bad token, a missing intent);
// later disconnections are retried by discordgo, and every reconnect is
// followed by a reconcile of the reactions.
func (a *Adapter) Run(ctx context.Context) error {
	// Interactions under way when ctx ends are given shutdownGrace to be
	// answered: someone waits for each.
	ictx, icancel := context.WithCancel(context.WithoutCancel(ctx))
	defer icancel()
	removers := []func(){
		a.s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			a.mu.Lock()
			if r.User != nil {
				a.botID = r.User.ID
			}
			if r.Application != nil {
				a.appID = r.Application.ID
			}
			a.mu.Unlock()
			a.enqueue(ctx, gatewayEvent{reconnect: true})
		}),
		a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
			a.enqueue(ctx, gatewayEvent{reconnect: true})
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageReactionAdd) {
			a.enqueue(ctx, gatewayEvent{add: e})
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageReactionRemove) {
			a.enqueue(ctx, gatewayEvent{remove: e})
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageDelete) {
			if e.Message != nil && a.ourGuild(e.GuildID) {
				a.enqueue(ctx, gatewayEvent{gone: []string{ref(e.ChannelID, e.ID)}})
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageDeleteBulk) {
			if !a.ourGuild(e.GuildID) || len(e.Messages) == 0 {
				return
			}
			refs := make([]string, len(e.Messages))
			for i, id := range e.Messages {
				refs[i] = ref(e.ChannelID, id)
			}
			a.enqueue(ctx, gatewayEvent{gone: refs})
		}),
		// GUILD_MEMBERS: a member's roles changed, a member joined, left
		// or was removed. Roles are what the core counts a committee by.
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildMemberUpdate) {
			if e.Member != nil && e.User != nil && e.GuildID == a.cfg.GuildID {
				a.enqueue(ctx, gatewayEvent{member: &memberEvent{m: e.Member}})
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildMemberAdd) {
			if e.Member != nil && e.User != nil && e.GuildID == a.cfg.GuildID {
				a.enqueue(ctx, gatewayEvent{member: &memberEvent{m: e.Member}})
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildMemberRemove) {
			if e.Member != nil && e.User != nil && e.GuildID == a.cfg.GuildID {
				a.enqueue(ctx, gatewayEvent{member: &memberEvent{m: e.Member, left: true}})
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadDelete) {
			if e.Channel != nil && e.ID != "" && a.ourGuild(e.GuildID) {
				a.enqueue(ctx, gatewayEvent{thread: e.ID})
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) {
			// Each interaction in its own goroutine: one slow answer
			// must not hold up the others' 3-second deadline. discordgo
			// may still dispatch an event it read as Close ran: once
			// Run waits for the interactions, none is added.
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.stopped {
				return
			}
			a.inflight.Add(1)
			received := time.Now()
			go func() {
				defer a.inflight.Done()
				a.interaction(context.WithValue(ictx, receivedKey{}, received), i.Interaction)
			}()
		}),
		a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			a.connected.Store(false)
			if ctx.Err() == nil {
				a.log.Warn("discord: gateway disconnected; reconnecting")
			}
		}),
		a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) {
			a.log.Info("discord: gateway connected")
		}),
	}
	defer func() {
		for _, r := range removers {
			r()
		}
	}()
	// The committee is known before the first interaction or vote: a
	// majority is counted against all of it. The member list and the
	// member events need the same privileged intent (Server Members): a bot
	// that may list the members asks for the events too; one that may not
	// would be refused the connection (close code 4014) for asking.
	listed := false
	if a.cfg.GuildID != "" {
		var err error
		if listed, err = a.loadRoster(ctx); err != nil {
			return err
		}
		// A channel the bot cannot see or post in would fail every post
		// there, case by case, long after start: refuse to start instead.
		if err := a.checkAccess(ctx); err != nil {
			return err
		}
	}
	if listed {
		a.s.Identify.Intents |= discordgo.IntentGuildMembers
	}
	if err := a.s.Open(); err != nil {
		return fmt.Errorf("discord: connect: %w", mapErr("connect", err))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.work(ctx)
	}()
	rostered := make(chan struct{})
	go func() {
		defer close(rostered)
		if listed {
			a.refreshRoster(ctx)
		}
	}()
	registered := make(chan struct{})
	go func() {
		defer close(registered)
		a.register(ctx)
	}()
	<-ctx.Done()
	// discordgo's reconnect loop (the gateway may be down right now)
	// knows no context and would bring the session back after Run
	// returned, with nobody handling its events: from here on the
	// session cannot connect. (Open reads the dialer under the lock.)
	a.s.Lock()
	a.s.Dialer = &websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("discord: the adapter has stopped")
	}}
	a.s.Unlock()
	err := a.s.Close()
	<-done
	a.reconciles.Wait()
	<-registered
	<-rostered
	// No interaction starts once Run has stopped waiting for them.
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
	grace := time.AfterFunc(shutdownGrace, icancel)
	a.inflight.Wait()
	grace.Stop()
	if err != nil {
		a.log.Warn("discord: disconnect", "err", err)
	}
	return nil
}

// enqueue hands a gateway event to the worker, in the order the gateway
// sent it (handlers run in the gateway's reader).
func (a *Adapter) enqueue(ctx context.Context, e gatewayEvent) {
	select {
	case a.queue <- e:
	case <-ctx.Done():
	}
}

func (a *Adapter) ids() (botUser, app string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID, a.appID
}

// Readiness is nil when the adapter is ready: its gateway connected and the
// ballots read again since the connection; else what is not.
func (a *Adapter) Readiness() error {
	if !a.connected.Load() {
		return errors.New("the gateway is not connected, or its reconcile has not finished")
	}
	return nil
}
