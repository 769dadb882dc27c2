// Package mattermost runs the helpdesk on a Mattermost team: the /helpdesk
// slash command and its dialogs arrive as HTTP callbacks at the bot's own
// listener, reactions arrive over the WebSocket, and the core's posts,
// edits, reactions and invitations go out through the REST API (Client4).
package mattermost

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/backlog"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Platform is the prefix of Mattermost user ids in the core.
const Platform = "mattermost"

// The paths of the bot's listener, under Options.CallbackURL.
const (
	CommandPath = "/mattermost/command"
	DialogPath  = "/mattermost/dialog"
)

// Trigger is the slash command's trigger word.
const Trigger = "helpdesk"

// Options configure the adapter.
type Options struct {
	URL   string // the Mattermost server, like https://chat.example.org
	Token string // the bot account's access token

	Team             string            // the team's name (as in its URL)
	CommitteeChannel string            // the committee channel's name
	GroupChannels    map[string]string // working group id → channel name

	// Who is who. Each entry is a user name ("ana" or "@ana") or
	// "~channel", meaning every member of that channel of the team.
	Committee []string
	Chairs    []string
	Staff     []string
	Groups    map[string][]string // working group id → members

	// Listen is the address of the bot's HTTP listener (":8080"); Listener,
	// when set, is used instead (tests).
	Listen   string
	Listener net.Listener
	// CallbackURL is where Mattermost reaches that listener
	// (http://helpdesk:8080); the command and the dialogs are under it.
	CallbackURL string
	// CommandToken is the token of a /helpdesk command an admin created.
	// Without it the bot creates or updates the command itself, which
	// needs the permission to manage slash commands.
	CommandToken string
	// DialogSecret signs the state of dialogs. Empty: derived from Token.
	DialogSecret string
	// RolesEvery is how often the roles are read again; zero means five
	// minutes.
	RolesEvery time.Duration

	Service *bot.Service
	Catalog *locales.Catalog
	Logger  *slog.Logger
	// Metrics counts 429s, acknowledgements and reconciles; nil counts
	// nothing.
	Metrics bot.PlatformMeter
}

// The limits of the bot's listener. Mattermost sends a small request at
// once and waits 30 s for the answer; a client that sends its body slowly,
// or keeps an idle connection, is cut off rather than holding a connection
// and a goroutine for as long as it likes.
var (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 20 * time.Second
	writeTimeout      = 45 * time.Second // a dialog opened with retries, then the answer
	idleTimeout       = 90 * time.Second
)

const maxHeaderBytes = 64 << 10

// refusalBurst is how many refused callbacks are logged a minute.
const refusalBurst = 20

// dialogLabel is the fixed label under which the dialog secret is derived
// from the bot token when none is configured: the same token gives the
// same key after a restart, so dialogs open across it stay valid.
const dialogLabel = "helpdesk mattermost dialog state v1"

// Adapter is the helpdesk on Mattermost. It implements bot.Chat and
// bot.Pacer.
type Adapter struct {
	opt    Options
	url    string // opt.URL without a trailing slash
	client *model.Client4
	svc    *bot.Service
	cat    *locales.Catalog
	log    *slog.Logger
	secret []byte

	apiCalls atomic.Int64 // REST requests made, for the benchmark
	// live is whether the WebSocket is connected and its reconcile done.
	live atomic.Bool
	// followForbidden is set once Mattermost refused to make someone
	// follow a thread: invitations mention them instead.
	followForbidden atomic.Bool

	// Learnt at start-up, read-only afterwards.
	me          *model.User
	teamID      string
	committeeCh string
	// committeePublic is whether anyone in the team may join the
	// committee channel (see Invite).
	committeePublic bool
	groupCh         map[string]string // group id → channel id
	cmdToken        string
	started         chan struct{} // closed once the above are known
	ready           chan struct{}

	mu sync.Mutex
	// users caches what Mattermost said of people (user name, locale),
	// read again after userTTL.
	users map[string]cachedUser
	// roles are the configured roles by user id, as last read.
	roles map[string]bot.Roles
	// posted remembers the posts made, by idempotency key.
	posted map[string]string
	// uncertain are keys whose post may have been made though the
	// call failed: before posting again, the adapter looks.
	uncertain map[string]bool
	dms       map[string]string // user id → direct channel id
	channelOf map[string]string // post id → channel id
	// refusals bounds the log lines refused callbacks cost.
	refusals refusalLog
	// backlog keeps the WebSocket events the core could not take yet.
	backlog backlog.Backlog
	// rereads are posts just recorded by the core whose reactions the
	// WebSocket loop reads again (see Reread); rereadC tells it of them.
	rereads map[string]bool
	rereadC chan struct{}
	// usedStates are dialog states already submitted successfully, until
	// they expire.
	usedStates map[string]time.Time
	// life is Run's context: work a callback leaves behind (a direct
	// reply) ends with it, and Run waits for that work in bg.
	life context.Context
	bg   sync.WaitGroup
}

var (
	_ bot.Chat      = (*Adapter)(nil)
	_ bot.Pacer     = (*Adapter)(nil)
	_ bot.Unreacter = (*Adapter)(nil)
	_ bot.Rereader  = (*Adapter)(nil)
)

// New checks opt and returns an adapter; Run connects it. The errors name
// the option at fault and never include the token.
func New(opt Options) (*Adapter, error) {
	if opt.Metrics == nil {
		opt.Metrics = bot.NoPlatformMeter
	}
	var problems []string
	u, err := url.Parse(opt.URL)
	if opt.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, "url: an http(s) address of the Mattermost server is needed")
	}
	if opt.Token == "" {
		problems = append(problems, "token: the bot account's access token is needed")
	}
	if opt.Team == "" {
		problems = append(problems, "team: the team's name is needed")
	}
	if opt.CommitteeChannel == "" {
		problems = append(problems, "committee_channel: the committee channel's name is needed")
	}
	if opt.Listen == "" && opt.Listener == nil {
		problems = append(problems, "listen: the address of the bot's listener is needed")
	}
	if cu, err := url.Parse(opt.CallbackURL); opt.CallbackURL == "" || err != nil || (cu.Scheme != "http" && cu.Scheme != "https") || cu.Host == "" {
		problems = append(problems, "callback_url: the http(s) address where Mattermost reaches the bot is needed")
	}
	if opt.DialogSecret != "" && secretBits(opt.DialogSecret) < minSecretBits {
		problems = append(problems, "dialog_secret: too short or too simple to sign dialogs: use 32 random bytes or more, such as the 64 hex digits of `openssl rand -hex 32`, or leave it empty to derive one from the token")
	}
	if opt.Service == nil || opt.Catalog == nil {
		problems = append(problems, "the helpdesk service and catalog are needed")
	}
	if opt.Service != nil {
		for _, g := range opt.Service.Config().Groups {
			if opt.GroupChannels[g.ID] == "" {
				problems = append(problems, fmt.Sprintf("groups.%s: the channel of working group %q is missing", g.ID, g.ID))
			}
		}
		for id := range opt.GroupChannels {
			if !knownGroup(opt.Service, id) {
				problems = append(problems, fmt.Sprintf("groups.%s: there is no working group %q", id, id))
			}
		}
		for id := range opt.Groups {
			if !knownGroup(opt.Service, id) {
				problems = append(problems, fmt.Sprintf("group_members.%s: there is no working group %q", id, id))
			}
		}
	}
	if problems != nil {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.RolesEvery <= 0 {
		opt.RolesEvery = 5 * time.Minute
	}
	a := &Adapter{
		opt:        opt,
		url:        strings.TrimRight(opt.URL, "/"),
		svc:        opt.Service,
		cat:        opt.Catalog,
		log:        opt.Logger.With("platform", Platform),
		started:    make(chan struct{}),
		ready:      make(chan struct{}),
		rereadC:    make(chan struct{}, 1),
		users:      map[string]cachedUser{},
		roles:      map[string]bot.Roles{},
		posted:     map[string]string{},
		uncertain:  map[string]bool{},
		dms:        map[string]string{},
		channelOf:  map[string]string{},
		usedStates: map[string]time.Time{},
		groupCh:    map[string]string{},
		refusals:   refusalLog{burst: refusalBurst},
	}
	a.backlog.Log = a.log
	a.client = model.NewAPIv4Client(a.url)
	a.client.SetToken(opt.Token)
	if opt.DialogSecret != "" {
		a.secret = []byte(opt.DialogSecret)
	} else {
		mac := hmac.New(sha256.New, []byte(opt.Token))
		mac.Write([]byte(dialogLabel))
		a.secret = mac.Sum(nil)
	}
	return a, nil
}

// minSecretBits is the strength a dialog secret needs: a dialog's state is
// in every dialog a person opens, so a weak key is found offline.
const minSecretBits = 256

// secretBits estimates the strength of a secret as if each character were
// drawn at random from the smallest usual alphabet it fits (digits, hex,
// letters and digits, printable ASCII, anything): an upper bound on what a
// random secret of that form holds, and too generous for words, so a
// secret of few different characters is taken as nothing.
func secretBits(s string) float64 {
	distinct := map[rune]bool{}
	class := 10.0
	for _, r := range s {
		distinct[r] = true
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F':
			class = max(class, 16)
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			class = max(class, 62)
		case r > ' ' && r < 0x7f:
			class = max(class, 94)
		default:
			class = max(class, 256)
		}
	}
	if len(distinct) < 8 {
		return 0
	}
	return float64(utf8.RuneCountInString(s)) * math.Log2(class)
}

func knownGroup(svc *bot.Service, id string) bool {
	for _, g := range svc.Config().Groups {
		if g.ID == id {
			return true
		}
	}
	return false
}

// wait holds a call of the core's outbox worker, which may start before
// the adapter knows its team and channels, until it does.
func (a *Adapter) wait(ctx context.Context) error {
	select {
	case <-a.started:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EditInterval is one second: the core then edits a card at most once a
// second, collapsing a burst of votes into one edit with the last state.
func (a *Adapter) EditInterval() time.Duration { return time.Second }

// Ready is closed once the adapter has started: it knows its team and
// channels, the command is in place, the listener accepts callbacks and
// the WebSocket has connected once.
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// Readiness is nil when the adapter is ready: started, its WebSocket
// connected and the reactions read again since; else what is not.
func (a *Adapter) Readiness() error {
	select {
	case <-a.ready:
	default:
		return errors.New("not started yet (finding the team and channels, or connecting)")
	}
	if !a.live.Load() {
		return errors.New("the WebSocket is not connected; reconnecting")
	}
	return nil
}

// APICalls counts the REST requests the adapter has made.
func (a *Adapter) APICalls() int64 { return a.apiCalls.Load() }

// Run connects to Mattermost, serves the callbacks and follows the
// WebSocket until ctx ends. It fails when the start-up finds the
// configuration wrong (an unknown team or channel, a refused token, a
// command it may not create and no command_token).
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	close(a.started)
	ln := a.opt.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.opt.Listen); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// The WebSocket and the roles stop with ctx, or when the listener
	// fails: Run must not wait for them forever.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	a.mu.Lock()
	a.life = ctx
	a.mu.Unlock()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("listening for slash commands and dialogs", "addr", ln.Addr().String(), "callback", a.opt.CallbackURL+CommandPath)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.follow(ctx) }()
	go func() { defer wg.Done(); a.refreshRoles(ctx) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("serve: %w", err)
	}
	a.mu.Lock() // no background work starts after this (see background)
	stop()
	a.mu.Unlock()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shut); serr != nil && err == nil && !errors.Is(serr, http.ErrServerClosed) {
		a.log.Warn("stop listener", "err", serr)
	}
	wg.Wait()
	a.bg.Wait()
	return err
}

// start learns who the bot is and where it posts, puts the command in
// place and reads the roles. Mattermost being unreachable is waited out;
// a wrong configuration is an error.
func (a *Adapter) start(ctx context.Context) error {
	backoff := time.Second
	for {
		err := a.learn(ctx)
		if err == nil {
			return nil
		}
		wait, ok := transient(err)
		if !ok {
			return err
		}
		wait = max(wait, backoff)
		a.log.Warn("mattermost not reachable or busy; trying again", "in", wait, "err", err)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
		backoff = min(backoff*2, time.Minute)
	}
}

func (a *Adapter) learn(ctx context.Context) error {
	if err := a.places(ctx); err != nil {
		return err
	}
	if err := a.ensureCommand(ctx); err != nil {
		return err
	}
	if err := a.readRoles(ctx); err != nil {
		return fmt.Errorf("read roles: %w", err)
	}
	return nil
}

// places learns who the bot is, its team, and the channels it posts in,
// each checked (see postingChannel). A refused token or an unknown team
// ends it; every channel problem is reported, each naming its key.
func (a *Adapter) places(ctx context.Context) error {
	err := a.do(ctx, "who am I", callOpts{}, func() (r *model.Response, err error) {
		a.me, r, err = a.client.GetMe(ctx, "")
		return r, err
	})
	if err != nil {
		return fmt.Errorf("token: the bot's token was not accepted (users/me): %w", err)
	}
	var team *model.Team
	err = a.do(ctx, "find team", callOpts{}, func() (r *model.Response, err error) {
		team, r, err = a.client.GetTeamByName(ctx, a.opt.Team, "")
		return r, err
	})
	if err != nil {
		return fmt.Errorf("team: team %q (is the bot a member?): %w", a.opt.Team, err)
	}
	a.teamID = team.Id
	var errs []error
	if comm, err := a.postingChannel(ctx, a.opt.CommitteeChannel); err != nil {
		errs = append(errs, fmt.Errorf("committee_channel: %w", err))
	} else {
		a.committeeCh, a.committeePublic = comm.Id, comm.Type == model.ChannelTypeOpen
	}
	groups := make([]string, 0, len(a.opt.GroupChannels))
	for g := range a.opt.GroupChannels {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		if ch, err := a.postingChannel(ctx, a.opt.GroupChannels[g]); err != nil {
			errs = append(errs, fmt.Errorf("groups.%s: %w", g, err))
		} else {
			a.groupCh[g] = ch.Id
		}
	}
	return errors.Join(errs...)
}

// Check verifies, changing nothing, what the helpdesk needs of Mattermost:
// the token, the team, every channel it posts in (the bot a member), every
// person and ~channel the roles name, and the right to put the /helpdesk
// command in place (unless command_token is given). Each problem names the
// key to fix. For helpdesk check.
func (a *Adapter) Check(ctx context.Context) error {
	var problems []string
	bad := func(err error) { problems = append(problems, err.Error()) }
	if err := a.places(ctx); err != nil {
		if a.teamID == "" {
			return err // no token or no team: nothing more can be asked
		}
		bad(err)
	}
	roleKeys := []struct {
		key     string
		entries []string
	}{{"committee", a.opt.Committee}, {"chairs", a.opt.Chairs}, {"staff", a.opt.Staff}}
	for _, g := range a.svc.Config().Groups {
		roleKeys = append(roleKeys, struct {
			key     string
			entries []string
		}{"group_members." + g.ID, a.opt.Groups[g.ID]})
	}
	for _, rk := range roleKeys {
		for _, e := range rk.entries {
			us, err := a.resolve(ctx, e)
			switch {
			case err != nil:
				bad(fmt.Errorf("%s: %w", rk.key, err))
			case len(us) == 0:
				bad(fmt.Errorf("%s: %q is nobody Mattermost knows", rk.key, e))
			}
		}
	}
	if a.opt.CommandToken == "" {
		err := a.do(ctx, "list commands", callOpts{}, func() (r *model.Response, err error) {
			_, r, err = a.client.ListCommands(ctx, a.teamID, true)
			return r, err
		})
		if err != nil {
			bad(fmt.Errorf("command_token: the bot may not manage slash commands in team %q (%w): make it a team admin, or create /%s by hand and give its token", a.opt.Team, err, Trigger))
		}
	}
	if problems != nil {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// channel finds a channel of the team by name.
func (a *Adapter) channel(ctx context.Context, name string) (*model.Channel, error) {
	var ch *model.Channel
	err := a.do(ctx, "find channel "+name, callOpts{}, func() (r *model.Response, err error) {
		ch, r, err = a.client.GetChannelByNameForTeamName(ctx, name, a.opt.Team, "")
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("channel %q (does it exist, and is the bot a member?): %w", name, err)
	}
	return ch, nil
}

// postingChannel finds a channel the bot posts in, and checks that it can:
// the channel is not archived and the bot is a member (Mattermost refuses a
// post from a non-member with 403, and tells a non-member nothing of the
// reactions there).
func (a *Adapter) postingChannel(ctx context.Context, name string) (*model.Channel, error) {
	ch, err := a.channel(ctx, name)
	if err != nil {
		return nil, err
	}
	if ch.DeleteAt != 0 {
		return nil, fmt.Errorf("channel %q is archived: nothing can be posted there", name)
	}
	err = a.do(ctx, "check membership of "+name, callOpts{}, func() (r *model.Response, err error) {
		_, r, err = a.client.GetChannelMember(ctx, ch.Id, a.me.Id, "")
		return r, err
	})
	if errors.Is(err, bot.ErrGone) || errors.Is(err, bot.ErrForbidden) {
		return nil, fmt.Errorf("the bot (@%s) is not a member of channel %q: add it to the channel (/invite @%s there)", a.me.Username, name, a.me.Username)
	}
	if err != nil {
		return nil, fmt.Errorf("check membership of channel %q: %w", name, err)
	}
	return ch, nil
}

// ensureCommand creates or updates the /helpdesk command of the team and
// keeps its token, unless an admin made the command (CommandToken).
func (a *Adapter) ensureCommand(ctx context.Context) error {
	if a.opt.CommandToken != "" {
		a.cmdToken = a.opt.CommandToken
		a.log.Info("using the /helpdesk command an admin created (command_token)")
		return nil
	}
	lang := a.svc.Config().DefaultLang
	want := &model.Command{
		TeamId:           a.teamID,
		Trigger:          Trigger,
		Method:           model.CommandMethodPost,
		URL:              a.opt.CallbackURL + CommandPath,
		AutoComplete:     true,
		AutoCompleteDesc: a.say(lang, "command.helpdesk"),
		AutoCompleteHint: "[" + strings.Join(bot.Commands(), "|") + "]",
		DisplayName:      "Helpdesk",
		Description:      a.say(lang, "command.helpdesk"),
	}
	forbidden := func(err error) error {
		return fmt.Errorf("the bot may not manage slash commands in team %q (%w): make the bot account a team admin, or have an admin create the /%s command (POST, callback %s) and put its token in command_token", a.opt.Team, err, Trigger, want.URL)
	}
	var cmds []*model.Command
	err := a.do(ctx, "list commands", callOpts{}, func() (r *model.Response, err error) {
		cmds, r, err = a.client.ListCommands(ctx, a.teamID, true)
		return r, err
	})
	if errors.Is(err, bot.ErrForbidden) {
		return forbidden(err)
	}
	if err != nil {
		return fmt.Errorf("list slash commands: %w", err)
	}
	var got *model.Command
	for _, c := range cmds {
		if c.Trigger == Trigger && c.DeleteAt == 0 {
			want.Id, want.Token, want.CreatorId, want.CreateAt = c.Id, c.Token, c.CreatorId, c.CreateAt
			err = a.do(ctx, "update command", callOpts{}, func() (r *model.Response, err error) {
				got, r, err = a.client.UpdateCommand(ctx, want)
				return r, err
			})
			break
		}
	}
	if want.Id == "" {
		err = a.do(ctx, "create command", callOpts{}, func() (r *model.Response, err error) {
			got, r, err = a.client.CreateCommand(ctx, want)
			return r, err
		})
	}
	if errors.Is(err, bot.ErrForbidden) {
		return forbidden(err)
	}
	if err != nil {
		return fmt.Errorf("put the /%s command in place: %w", Trigger, err)
	}
	if got.Token == "" {
		got.Token = want.Token
	}
	a.cmdToken = got.Token
	a.log.Info("slash command ready", "trigger", "/"+Trigger, "callback", want.URL)
	return nil
}

// refreshRoles reads the roles again now and then, until ctx ends.
func (a *Adapter) refreshRoles(ctx context.Context) {
	t := time.NewTicker(a.opt.RolesEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.readRoles(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("read roles", "err", err)
			}
		}
	}
}

// readRoles resolves the configured people and channels to users, and
// tells the core who is who: the committee's votes count only for people
// it knows as members.
func (a *Adapter) readRoles(ctx context.Context) error {
	roles := map[string]bot.Roles{}
	users := map[string]*model.User{}
	add := func(key string, entries []string, set func(r *bot.Roles)) error {
		for _, e := range entries {
			us, err := a.resolve(ctx, e)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			for _, u := range us {
				if u.IsBot || u.DeleteAt != 0 {
					continue
				}
				users[u.Id] = u
				r := roles[u.Id]
				set(&r)
				roles[u.Id] = r
			}
		}
		return nil
	}
	if err := add("committee", a.opt.Committee, func(r *bot.Roles) { r.Committee = true }); err != nil {
		return err
	}
	if err := add("chairs", a.opt.Chairs, func(r *bot.Roles) { r.Chair = true }); err != nil {
		return err
	}
	if err := add("staff", a.opt.Staff, func(r *bot.Roles) { r.Staff = true }); err != nil {
		return err
	}
	for _, g := range a.svc.Config().Groups { // in the configured order
		if err := add("group_members."+g.ID, a.opt.Groups[g.ID], func(r *bot.Roles) { r.Groups = append(r.Groups, g.ID) }); err != nil {
			return err
		}
	}
	a.mu.Lock()
	old := a.roles
	a.roles = roles
	for id, u := range users {
		a.users[id] = cachedUser{u: u, at: time.Now()}
	}
	a.mu.Unlock()
	for id, r := range roles {
		u := users[id]
		if err := a.svc.MemberSeen(ctx, bot.Member{ID: userID(id), Name: u.Username, Locale: u.Locale, Roles: r}); err != nil {
			return fmt.Errorf("record %s: %w", u.Username, err)
		}
	}
	for id := range old {
		if _, still := roles[id]; !still {
			u := a.cachedUser(id)
			m := bot.Member{ID: userID(id)}
			if u != nil {
				m.Name, m.Locale = u.Username, u.Locale
			}
			if err := a.svc.MemberSeen(ctx, m); err != nil {
				return fmt.Errorf("record %s: %w", id, err)
			}
		}
	}
	return nil
}

// resolve turns one roles entry into users: "~channel" is the channel's
// members, anything else a user name.
func (a *Adapter) resolve(ctx context.Context, entry string) ([]*model.User, error) {
	entry = strings.TrimSpace(entry)
	if name, ok := strings.CutPrefix(entry, "~"); ok {
		ch, err := a.channel(ctx, name)
		if err != nil {
			return nil, err
		}
		// Anyone in the team may join a public channel: as a role source it
		// would let anyone give themselves the role.
		if ch.Type == model.ChannelTypeOpen {
			return nil, fmt.Errorf("~%s is a public channel, which anyone in the team can join and so take the role: make it private, or name the people", name)
		}
		id := ch.Id
		var all []*model.User
		const perPage = 200
		for page := 0; ; page++ {
			var us []*model.User
			err := a.do(ctx, "members of "+name, callOpts{}, func() (r *model.Response, err error) {
				us, r, err = a.client.GetUsersInChannel(ctx, id, page, perPage, "")
				return r, err
			})
			if err != nil {
				return nil, fmt.Errorf("members of channel %q: %w", name, err)
			}
			all = append(all, us...)
			if len(us) < perPage {
				return all, nil
			}
		}
	}
	name := strings.TrimPrefix(entry, "@")
	var u *model.User
	err := a.do(ctx, "find user "+name, callOpts{}, func() (r *model.Response, err error) {
		u, r, err = a.client.GetUserByUsername(ctx, name, "")
		return r, err
	})
	if errors.Is(err, bot.ErrGone) {
		a.log.Warn("a user named in the roles does not exist", "user", name)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", name, err)
	}
	return []*model.User{u}, nil
}

// rolesOf are the configured roles of a user.
func (a *Adapter) rolesOf(id string) bot.Roles {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.roles[id]
}

// userTTL is how long what Mattermost said of a person is taken as true:
// a person who changes their language is read in it after this.
const userTTL = 10 * time.Minute

type cachedUser struct {
	u  *model.User
	at time.Time
}

// cachedUser is what is known of a user without asking Mattermost.
func (a *Adapter) cachedUser(id string) *model.User {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[id].u
}

// user returns a user, from the cache or Mattermost.
func (a *Adapter) user(ctx context.Context, id string) (*model.User, error) {
	a.mu.Lock()
	c := a.users[id]
	a.mu.Unlock()
	if c.u != nil && time.Since(c.at) < userTTL {
		return c.u, nil
	}
	var u *model.User
	err := a.do(ctx, "read user", callOpts{}, func() (r *model.Response, err error) {
		u, r, err = a.client.GetUser(ctx, id, "")
		return r, err
	})
	if err != nil {
		if c.u != nil { // Mattermost is unwell: what we knew will do
			return c.u, nil
		}
		return nil, err
	}
	a.mu.Lock()
	a.users[id] = cachedUser{u: u, at: time.Now()}
	a.mu.Unlock()
	return u, nil
}

// userID is the core's id of a Mattermost user.
func userID(id string) bot.UserID { return bot.UserID(Platform + ":" + id) }

// userOf is the Mattermost id of a core user id, "" for another platform.
func userOf(u bot.UserID) string {
	id, ok := strings.CutPrefix(string(u), Platform+":")
	if !ok {
		return ""
	}
	return id
}
