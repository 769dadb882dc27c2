// Package discordtest is a fake Discord for tests: the REST routes the
// helpdesk's adapter uses and a gateway, over real HTTP and WebSocket. It
// records what the bot did and lets a test act as the server's users.
//
// What it models of the real Discord, and where that is documented (the
// sections of Discord's developer documentation named in brackets) or was
// seen (a throwaway program against local fakes, through discordgo
// v0.29.0; see the project's LIBRARIES.md):
//
//   - Messages with an enforced nonce: a second create with the same nonce
//     by the same author within a few minutes returns the earlier message
//     and creates nothing, whatever the channel [Create Message,
//     enforce_nonce]. The fake remembers a nonce for NonceWindow; what
//     Discord does when that message was deleted meanwhile is not
//     documented, and the fake then creates a new one.
//   - A forum post is a thread and its starter message, with the thread's
//     id, returned as a channel with the message nested; it takes no nonce,
//     so a repeat makes a second post [Start Thread in Forum or Media
//     Channel].
//   - A thread started from a message has the message's id; a second one
//     on the same message answers 400, code 160004 [Start Thread from
//     Message; JSON Error Codes].
//   - An archived thread refuses posts, edits, reactions and new members
//     with 400, code 50083, until it is unarchived by a channel edit
//     [Modify Channel, archived; JSON Error Codes].
//   - A deleted message answers 404 Unknown Message (10008) to reading,
//     editing and reacting; deleting sends MESSAGE_DELETE or, for several,
//     MESSAGE_DELETE_BULK [Gateway Events]. A deleted thread takes its
//     messages with it (the message it was started from stays in the
//     parent), answers 404 Unknown Channel (10003) everywhere, and only
//     THREAD_DELETE is sent, with a subset of the channel object.
//   - Reactions: the emoji in Create Reaction's path must be URL-encoded
//     Unicode or name:id, else 400 Unknown Emoji (10014); reacting again
//     changes nothing; Delete Own Reaction answers 204 whether or not the
//     bot held it, and sends MESSAGE_REACTION_REMOVE for the bot's own
//     reaction too [Create Reaction; Delete Own Reaction]. A reaction
//     remove event carries no member, an add does [Gateway Events;
//     LIBRARIES.md]. A message's reactions give count (the bot's own
//     included), me and emoji; Get Reactions pages by user id with after
//     and limit [Message Object, Reaction Object; Get Reactions].
//   - Reading reaction lists is rate-limited per channel (about five a
//     second), with X-RateLimit-* headers and a 429 carrying Retry-After
//     and retry_after in seconds [Rate Limits]; other routes are not.
//   - Permissions: @everyone holds Discord's default text permissions and
//     the bot's own role adds MANAGE_THREADS; permissions in a channel are
//     computed from the roles and the channel's overwrites, and Create
//     Message without SEND_MESSAGES (SEND_MESSAGES_IN_THREADS in a
//     thread) answers 403 Missing Permissions (50013) [Permissions,
//     Permission Overwrites; Create Message]. Other routes check nothing.
//   - Direct messages: Create DM returns the existing channel; a user who
//     closed them makes a post there answer 403 Cannot send messages to
//     this user (50007) [Create DM; JSON Error Codes].
//   - Every request needs the bot's "Bot TOKEN" authorization, else 401.
//   - Application commands: a bulk overwrite or a create is checked
//     against Discord's limits (at most 100 chat commands, 25 options at
//     each level, 25 choices; names of 1-32 lower-case characters of
//     Discord's pattern; descriptions and choice names of 1-100
//     characters, each localization too; required options first; the
//     8000 characters of a command, counting each field's longest
//     localization) and refused whole with 400 Invalid Form Body (50035)
//     and an "errors" object naming the field [Application Commands;
//     JSON Error Codes]; see commands.go.
//   - Interactions take one response; a second answers 400, code 40060
//     [Create Interaction Response; JSON Error Codes].
//   - Members: List Guild Members needs the privileged GUILD_MEMBERS
//     intent (403 Missing Access, 50001, once RefuseMemberList says the
//     bot lacks it), and a gateway
//     Identify asking for an intent the bot was not granted is closed with
//     4014; a bad token with 4004 [Gateway, Privileged Intents; Gateway
//     Close Event Codes]. A member who left answers 404 Unknown Member
//     (10007) [Get Guild Member]. List Active Guild Threads gives threads
//     by id, newest first [List Active Guild Threads].
//   - The gateway: Hello, Identify, READY; heartbeats are acknowledged;
//     Resume keeps the intents the session identified with and answers
//     RESUMED. A new session is told nothing of what happened before it.
//     Each session gets only the events its intents ask for [Gateway, List
//     of Intents]. JSON text frames, no compression [LIBRARIES.md].
//
// What it does not model: Discord replays the events a resumed session
// missed, the fake does not (a test sends them); permissions are checked
// on Create Message only; rate limits only on reaction lists.
package discordtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// The ids of the fake: its guild, the application, the bot user, and the
// token it accepts.
const (
	Guild = "900"
	App   = "901"
	Bot   = "902"
	Token = "sekrit-token-XYZ"
)

// Call is one REST request the bot made.
type Call struct {
	Method, Path string
	Body         string
	At           time.Time
}

// Channel is a channel of the fake: a text (0) or forum (15) channel, a
// thread (11) or a DM (1).
type Channel struct {
	ID       string
	Type     int
	Parent   string
	Archived bool
	Name     string
	Members  []string
	DMUser   string
	Owner    string // who created a thread (the bot, for its own)
	// Overwrites are the channel's permission overwrites.
	Overwrites []Overwrite
}

// Overwrite is a channel's permission overwrite for a role (Member false;
// the @everyone role's id is the guild's) or a member.
type Overwrite struct {
	ID          string
	Member      bool
	Allow, Deny int64
}

// Permission bits (Permissions, "Bitwise Permission Flags").
const (
	PermAdministrator         int64 = 1 << 3
	PermAddReactions          int64 = 1 << 6
	PermViewChannel           int64 = 1 << 10
	PermSendMessages          int64 = 1 << 11
	PermReadMessageHistory    int64 = 1 << 16
	PermManageThreads         int64 = 1 << 34
	PermCreatePublicThreads   int64 = 1 << 35
	PermSendMessagesInThreads int64 = 1 << 38
)

// The fake guild's roles at start: @everyone (id Guild) may see, write,
// react, read history, and start and write in public threads, as
// Discord's default @everyone permissions allow; the bot's own role
// (BotRole, the role Discord makes for a bot from the permissions of its
// invite) adds MANAGE_THREADS. Owner owns the guild. The bot is a member
// (with user.bot set), as on Discord.
const (
	BotRole             = "903"
	Owner               = "904"
	EveryonePermissions = PermViewChannel | PermSendMessages | PermAddReactions | PermReadMessageHistory | PermCreatePublicThreads | PermSendMessagesInThreads
	BotRolePermissions  = PermManageThreads
)

// Message is a message as the bot posted and edited it, with the reactions
// on it in the order they were added.
type Message struct {
	ID, Channel string
	Content     string
	Embeds      json.RawMessage
	Components  json.RawMessage
	Mentions    json.RawMessage // allowed_mentions as sent
	Edits       int
	Reactions   []Reaction // in order of adding
}

// Reaction is an emoji held by a user on a message.
type Reaction struct{ Emoji, User string }

type failRule struct {
	method, path string // path substring
	status, code int
	retryAfter   float64
	n            int
}

// Fake is a fake Discord server: one guild, its channels and members.
type Fake struct {
	t   testing.TB
	srv *httptest.Server

	mu              sync.Mutex
	calls           []Call
	next            int64
	channels        map[string]*Channel
	messages        map[string]*Message
	nonces          map[string]nonceUse // author + "/" + nonce → the message it made
	members         map[string]*member
	roles           map[string]int64 // role id → permissions
	noDM            map[string]bool  // users who closed their DMs
	membersErr      int              // status for listing members (403: no intent)
	noMembersIntent bool             // the Server Members intent is not enabled for the bot
	fails           []*failRule
	lost            []*failRule
	dropped         []*failRule
	holds           []*hold
	buckets         map[string]*bucket // rate limit buckets: route and major parameter
	limited         int
	slow            []*failRule                  // requests answered only after a delay
	responses       map[string][]json.RawMessage // interaction id → callbacks
	acked           map[string]time.Time         // interaction id → first callback
	sent            map[string]time.Time         // interaction id → dispatched
	edits           map[string][]string          // interaction token → contents of @original
	followups       map[string][]string
	commands        []json.RawMessage // registrations that passed, each a list of commands
	authSeen        []string
	later           []func() // gateway events of the request being handled

	// gateway
	gwMu       sync.Mutex
	sessions   []*session // the open connections, in the order they came
	nsessions  int
	identifies int
	resumes    int
	known      map[string]int // session id → the intents it identified with
	ready      chan struct{}  // a READY or RESUMED was sent
	badToken   bool           // refuse Identify with 4004
	refuseGW   bool           // refuse gateway connections (Discord is down)
	refusals   int            // gateway connections refused
}

type member struct {
	ID, Name string
	Roles    []string
	Bot      bool
}

// hold is a rule for requests whose answer is held back until released.
type hold struct {
	method, path string // path substring
	released     chan struct{}
}

// bucket is one rate limit bucket: so many requests a window.
type bucket struct {
	used  int
	reset time.Time
}

// ReactionReadsPerSecond is the fake's limit on reading a channel's
// reaction lists. Discord limits each route per major parameter (the
// channel) and tells the limit in headers rather than documenting it
// (Rate Limits: "Per-Route Rate Limits", "Header Format", "Exceeding A
// Rate Limit"); reaction user lists allow about five a second.
const ReactionReadsPerSecond = 5

// nonceUse is a message created with an enforced nonce, and when.
type nonceUse struct {
	id string
	at time.Time
}

// NonceWindow is how long the fake remembers an enforced nonce. Discord
// says "the past few minutes" (Create Message, enforce_nonce); tests run
// well within it.
const NonceWindow = 5 * time.Minute

// session is one gateway connection: a bot may hold several (two
// instances run with one token), and each gets every event its intents
// ask for.
type session struct {
	conn    *websocket.Conn
	id      string // session_id given in READY
	seq     int64
	intents int // from Identify; -1 until identified
}

// New starts a fake with an empty guild; it stops when t ends.
func New(t testing.TB) *Fake {
	f := &Fake{
		t: t, next: 10000,
		channels:  map[string]*Channel{},
		messages:  map[string]*Message{},
		members:   map[string]*member{Bot: {ID: Bot, Name: "helpdesk", Roles: []string{BotRole}, Bot: true}},
		roles:     map[string]int64{Guild: EveryonePermissions, BotRole: BotRolePermissions},
		nonces:    map[string]nonceUse{},
		noDM:      map[string]bool{},
		responses: map[string][]json.RawMessage{},
		acked:     map[string]time.Time{},
		sent:      map[string]time.Time{},
		edits:     map[string][]string{},
		followups: map[string][]string{},
		ready:     make(chan struct{}, 16),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.DropGateway()
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *Fake) id() string {
	f.next++
	return strconv.FormatInt(f.next, 10)
}

// AddChannel adds a guild channel of a type (0 text, 15 forum).
func (f *Fake) AddChannel(id string, typ int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[id] = &Channel{ID: id, Type: typ}
}

// SetRolePermissions sets the permissions of a role (Guild for
// @everyone), adding the role if it is new.
func (f *Fake) SetRolePermissions(role string, perms int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles[role] = perms
}

// SetOverwrite sets a permission overwrite of a channel, replacing one
// for the same role or member.
func (f *Fake) SetOverwrite(channel string, o Overwrite) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[channel]
	c.Overwrites = slices.DeleteFunc(c.Overwrites, func(x Overwrite) bool { return x.ID == o.ID && x.Member == o.Member })
	c.Overwrites = append(c.Overwrites, o)
}

// AddMember adds a guild member with roles.
func (f *Fake) AddMember(id, name string, roles ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[id] = &member{ID: id, Name: name, Roles: roles}
}

// Fail makes the next n requests matching method and path answer status
// with Discord error code (and retry_after, for 429).
func (f *Fake) Fail(method, path string, status, code, n int, retryAfter float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, &failRule{method: method, path: path, status: status, code: code, n: n, retryAfter: retryAfter})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/gw") {
		// (The body is read first: only then does the server notice a
		// client that gives up.)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !f.delay(r) {
			return
		}
		if released := f.heldFor(r); released != nil {
			// Done now, the answer computed now; its status and headers
			// go at once, its body only once released: an answer slow on
			// its way back, which the bot reads after what happened since.
			rec := httptest.NewRecorder()
			f.handle(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			select {
			case <-released:
			case <-r.Context().Done():
				return
			}
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		if f.take(&f.dropped, r.Method, r.URL.Path) {
			// Done, but the connection drops before the answer: the
			// client sees no status at all.
			f.handle(httptest.NewRecorder(), r)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f.take(&f.lost, r.Method, r.URL.Path) {
			// Done, but the answer is lost on the way: a 502.
			f.handle(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("bad gateway"))
			return
		}
	}
	f.handle(w, r)
}

// LoseResponses makes the next n requests matching method and path succeed
// but answer 502, as when the answer is lost: a retry must not repeat the
// effect.
func (f *Fake) LoseResponses(method, path string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lost = append(f.lost, &failRule{method: method, path: path, n: n})
}

// Slow makes requests matching method and path (a suffix) wait d before
// they are handled; a request whose client gives up meanwhile is not.
func (f *Fake) Slow(method, path string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slow = append(f.slow, &failRule{method: method, path: path, retryAfter: d.Seconds()})
}

func (f *Fake) delay(r *http.Request) bool {
	f.mu.Lock()
	var d time.Duration
	for _, s := range f.slow {
		if s.method == r.Method && strings.HasSuffix(r.URL.Path, s.path) {
			d = time.Duration(s.retryAfter * float64(time.Second))
		}
	}
	f.mu.Unlock()
	if d == 0 {
		return true
	}
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

// Hold holds back the answers to requests matching method and path (a
// substring) until release is called: each is done when it arrives, and
// its answer (status, headers and body as they were then) reaches the bot
// only after release, the headers at once, the body then.
func (f *Fake) Hold(method, path string) (release func()) {
	h := &hold{method: method, path: path, released: make(chan struct{})}
	f.mu.Lock()
	f.holds = append(f.holds, h)
	f.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			f.mu.Lock()
			f.holds = slices.DeleteFunc(f.holds, func(x *hold) bool { return x == h })
			f.mu.Unlock()
			close(h.released)
		})
	}
	f.t.Cleanup(release)
	return release
}

func (f *Fake) heldFor(r *http.Request) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.holds {
		if h.method == r.Method && strings.Contains(r.URL.Path, h.path) {
			return h.released
		}
	}
	return nil
}

// DropResponses makes the next n requests matching method and path (a
// suffix) take effect, then drop the connection without an answer: the
// bot cannot know whether the request was done.
func (f *Fake) DropResponses(method, path string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped = append(f.dropped, &failRule{method: method, path: path, n: n})
}

// take consumes one use of the first rule of rules matching the request.
func (f *Fake) take(rules *[]*failRule, method, path string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range *rules {
		if l.n > 0 && l.method == method && strings.HasSuffix(path, l.path) {
			l.n--
			return true
		}
	}
	return false
}

func (f *Fake) handle(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/gw") {
		f.gateway(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v9")
	if !ok {
		f.t.Errorf("fake discord: request outside the API: %s %s", r.Method, r.URL)
		http.NotFound(w, r)
		return
	}
	unescaped, _ := url.PathUnescape(path)
	f.mu.Lock()
	f.calls = append(f.calls, Call{Method: r.Method, Path: unescaped, Body: string(body), At: time.Now()})
	f.authSeen = append(f.authSeen, r.Header.Get("Authorization"))
	for _, fr := range f.fails {
		if fr.n > 0 && fr.method == r.Method && strings.Contains(unescaped, fr.path) {
			fr.n--
			f.mu.Unlock()
			if fr.status == 429 {
				w.Header().Set("Retry-After", strconv.FormatFloat(fr.retryAfter, 'f', -1, 64))
				writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": fr.retryAfter, "global": false})
				return
			}
			if fr.code == 0 {
				w.WriteHeader(fr.status)
				_, _ = w.Write([]byte("upstream trouble"))
				return
			}
			apiErr(w, fr.status, fr.code, "injected")
			return
		}
	}
	defer func() {
		// Gateway events a request caused go once the request is done.
		later := f.later
		f.later = nil
		f.mu.Unlock()
		for _, fn := range later {
			fn()
		}
	}()
	if r.Header.Get("Authorization") != "Bot "+Token && path != "/gateway" {
		apiErr(w, 401, 0, "401: Unauthorized")
		return
	}
	seg := strings.Split(strings.Trim(unescaped, "/"), "/")
	if !f.rateLimit(w, r.Method, seg) {
		return
	}
	var in map[string]json.RawMessage
	_ = json.Unmarshal(body, &in)
	switch {
	case r.Method == "GET" && unescaped == "/gateway":
		writeJSON(w, 200, map[string]string{"url": "ws://" + f.srv.Listener.Addr().String() + "/gw"})
	case r.Method == "PUT" && seg[0] == "applications" && (len(seg) == 3 && seg[2] == "commands" || len(seg) == 5 && seg[2] == "guilds" && seg[4] == "commands"):
		// Bulk Overwrite Global / Guild Application Commands: checked
		// against Discord's limits (commands.go), refused whole.
		if errs := checkCommands(body); len(errs) > 0 {
			writeJSON(w, 400, map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": errs})
			return
		}
		f.commands = append(f.commands, json.RawMessage(body))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case r.Method == "POST" && seg[0] == "applications" && (len(seg) == 3 && seg[2] == "commands" || len(seg) == 5 && seg[2] == "guilds" && seg[4] == "commands"):
		// Create Global / Guild Application Command: one command, checked
		// as in a bulk overwrite.
		errs := formErrors{}
		var c appCommand
		if err := json.Unmarshal(body, &c); err != nil {
			errs.add(nil, "BASE_TYPE_DICT", "Must be an object.")
		} else {
			checkCommand(errs, nil, c)
		}
		if len(errs) > 0 {
			writeJSON(w, 400, map[string]any{"code": 50035, "message": "Invalid Form Body", "errors": errs})
			return
		}
		f.commands = append(f.commands, json.RawMessage("["+string(body)+"]"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case r.Method == "GET" && unescaped == "/users/@me":
		writeJSON(w, 200, map[string]any{"id": Bot, "username": "helpdesk", "bot": true})
	case r.Method == "GET" && len(seg) == 2 && seg[0] == "guilds":
		// Get Guild: its owner and roles (a role's permissions are a
		// string of the bit set).
		if seg[1] != Guild {
			apiErr(w, 404, 10004, "Unknown Guild")
			return
		}
		ids := make([]string, 0, len(f.roles))
		for id := range f.roles {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return less(ids[i], ids[j]) })
		roles := []any{}
		for _, id := range ids {
			roles = append(roles, map[string]any{"id": id, "name": "r" + id, "permissions": strconv.FormatInt(f.roles[id], 10)})
		}
		writeJSON(w, 200, map[string]any{"id": Guild, "name": "fake guild", "owner_id": Owner, "roles": roles})
	case r.Method == "GET" && len(seg) == 3 && seg[0] == "guilds" && seg[2] == "members":
		if f.membersErr != 0 {
			apiErr(w, f.membersErr, 50001, "Missing Access")
			return
		}
		after := r.URL.Query().Get("after")
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var ids []string
		for id := range f.members {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return less(ids[i], ids[j]) })
		var out []any
		for _, id := range ids {
			if after != "" && !less(after, id) {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			out = append(out, f.memberJSON(id))
		}
		writeJSON(w, 200, out)
	case r.Method == "GET" && len(seg) == 4 && seg[0] == "guilds" && seg[2] == "threads" && seg[3] == "active":
		// List Active Guild Threads: "all active threads in the guild,
		// including public and private threads. Threads are ordered by
		// their id, in descending order." Channel objects, without their
		// messages.
		var active []*Channel
		for _, c := range f.channels {
			if c.Parent != "" && !c.Archived {
				active = append(active, c)
			}
		}
		sort.Slice(active, func(i, j int) bool { return less(active[j].ID, active[i].ID) })
		threads := []any{}
		for _, c := range active {
			threads = append(threads, f.channelJSON(c))
		}
		writeJSON(w, 200, map[string]any{"threads": threads, "members": []any{}})
	case r.Method == "GET" && len(seg) == 4 && seg[0] == "guilds" && seg[2] == "members":
		if _, ok := f.members[seg[3]]; !ok {
			apiErr(w, 404, 10007, "Unknown Member")
			return
		}
		writeJSON(w, 200, f.memberJSON(seg[3]))
	case r.Method == "POST" && unescaped == "/users/@me/channels":
		var rid string
		_ = json.Unmarshal(in["recipient_id"], &rid)
		for _, c := range f.channels {
			if c.DMUser == rid {
				writeJSON(w, 200, map[string]any{"id": c.ID, "type": 1})
				return
			}
		}
		c := &Channel{ID: f.id(), Type: 1, DMUser: rid}
		f.channels[c.ID] = c
		writeJSON(w, 200, map[string]any{"id": c.ID, "type": 1})
	case len(seg) >= 2 && seg[0] == "channels":
		f.channelRoute(w, r, seg[1:], in, body)
	case len(seg) == 4 && seg[0] == "interactions" && seg[3] == "callback":
		if _, ok := f.acked[seg[1]]; ok {
			// Discord takes one response per interaction.
			apiErr(w, 400, 40060, "Interaction has already been acknowledged.")
			return
		}
		f.acked[seg[1]] = time.Now()
		f.responses[seg[1]] = append(f.responses[seg[1]], json.RawMessage(body))
		w.WriteHeader(204)
	case len(seg) == 5 && seg[0] == "webhooks" && seg[3] == "messages" && seg[4] == "@original" && r.Method == "PATCH":
		var content string
		_ = json.Unmarshal(in["content"], &content)
		f.edits[seg[2]] = append(f.edits[seg[2]], content)
		writeJSON(w, 200, map[string]any{"id": f.id(), "channel_id": "0", "content": content})
	case len(seg) == 3 && seg[0] == "webhooks" && r.Method == "POST":
		var content string
		_ = json.Unmarshal(in["content"], &content)
		f.followups[seg[2]] = append(f.followups[seg[2]], content)
		w.WriteHeader(204)
	default:
		f.t.Errorf("fake discord: no route for %s %s", r.Method, unescaped)
		apiErr(w, 404, 0, "404: Not Found")
	}
}

// rateLimit counts a request against its bucket and sets Discord's rate
// limit headers; over the limit it answers 429 and reports false. Only
// reading reaction lists (GET /channels/{channel}/messages/{message}/
// reactions/{emoji}) is limited, per channel, as Discord does per route and
// major parameter. Discord: every answer carries X-RateLimit-Limit,
// -Remaining, -Reset (epoch seconds), -Reset-After (seconds) and -Bucket;
// a 429 carries Retry-After (seconds) and X-RateLimit-Scope, and its body
// {"message", "retry_after" (seconds, a float), "global"}.
func (f *Fake) rateLimit(w http.ResponseWriter, method string, seg []string) bool {
	if method != "GET" || len(seg) != 6 || seg[0] != "channels" || seg[2] != "messages" || seg[4] != "reactions" {
		return true
	}
	key := "reactions/" + seg[1]
	if f.buckets == nil {
		f.buckets = map[string]*bucket{}
	}
	b := f.buckets[key]
	now := time.Now()
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(time.Second)}
		f.buckets[key] = b
	}
	after := b.reset.Sub(now).Seconds()
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(ReactionReadsPerSecond))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(b.reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(after, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fake-"+key)
	if b.used >= ReactionReadsPerSecond {
		f.limited++
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Scope", "user")
		h.Set("Retry-After", strconv.Itoa(int(after)+1))
		writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": after, "global": false})
		return false
	}
	b.used++
	h.Set("X-RateLimit-Remaining", strconv.Itoa(ReactionReadsPerSecond-b.used))
	return true
}

// RateLimited is how many requests the fake answered 429 for its own
// rate limits (not for Fail).
func (f *Fake) RateLimited() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limited
}

// less orders snowflakes.
func less(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// memberJSON is Discord's guild member object, as far as the bot reads it.
func (f *Fake) memberJSON(id string) map[string]any {
	m := f.members[id]
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	return map[string]any{"user": map[string]any{"id": m.ID, "username": m.Name, "bot": m.Bot}, "roles": roles, "nick": nil, "joined_at": "2024-01-01T00:00:00.000000+00:00"}
}

func (f *Fake) channelRoute(w http.ResponseWriter, r *http.Request, seg []string, in map[string]json.RawMessage, body []byte) {
	c, ok := f.channels[seg[0]]
	if !ok {
		apiErr(w, 404, 10003, "Unknown Channel")
		return
	}
	switch {
	case len(seg) == 1 && r.Method == "GET":
		writeJSON(w, 200, f.channelJSON(c))
	case len(seg) == 1 && r.Method == "PATCH":
		var archived *bool
		_ = json.Unmarshal(in["archived"], &archived)
		var name *string
		_ = json.Unmarshal(in["name"], &name)
		// Modify Channel: a thread's name is 1-100 characters; an
		// archived thread takes no change but unarchiving (50083).
		if name != nil && (utf8.RuneCountInString(*name) < 1 || utf8.RuneCountInString(*name) > 100) {
			apiErr(w, 400, 50035, "Invalid Form Body")
			return
		}
		if c.Archived && name != nil && (archived == nil || *archived) {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		if name != nil {
			c.Name = *name
		}
		if archived != nil {
			c.Archived = *archived
		}
		writeJSON(w, 200, f.channelJSON(c))
	case len(seg) == 2 && seg[1] == "messages" && r.Method == "POST":
		if c.DMUser != "" && f.noDM[c.DMUser] {
			apiErr(w, 403, 50007, "Cannot send messages to this user")
			return
		}
		// Create Message: "Requires the SEND_MESSAGES permission" in a
		// guild channel, SEND_MESSAGES_IN_THREADS in a thread, else 403
		// Missing Permissions (50013).
		need := PermSendMessages
		if c.Parent != "" {
			need = PermSendMessagesInThreads
		}
		if c.DMUser == "" && f.botPermissionsLocked(c)&need == 0 {
			apiErr(w, 403, 50013, "Missing Permissions")
			return
		}
		if c.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		var nonce string
		var enforce bool
		_ = json.Unmarshal(in["nonce"], &nonce)
		_ = json.Unmarshal(in["enforce_nonce"], &enforce)
		// Discord, Create Message (POST /channels/{id}/messages), on
		// enforce_nonce: "the nonce will be checked for uniqueness in the
		// past few minutes. If another message was created by the same
		// author with the same nonce, that message will be returned and no
		// new message will be created." The check is by author, not by
		// channel: the message returned may be in another channel. Every
		// request here is the bot's (one token), so the bot is the author.
		// (What Discord does when that message was deleted since is not
		// documented; the fake then creates a new one.)
		key := Bot + "/" + nonce
		if u, ok := f.nonces[key]; ok && nonce != "" && enforce && time.Since(u.at) < NonceWindow {
			if m := f.messages[u.id]; m != nil {
				writeJSON(w, 200, f.messageJSON(m))
				return
			}
		}
		m := &Message{ID: f.id(), Channel: c.ID}
		f.fill(m, in)
		f.messages[m.ID] = m
		if nonce != "" && enforce {
			f.nonces[key] = nonceUse{id: m.ID, at: time.Now()}
		}
		writeJSON(w, 200, f.messageJSON(m))
	case len(seg) == 2 && seg[1] == "threads" && r.Method == "POST": // forum post
		// Start Thread in Forum or Media Channel: a thread and its
		// starter message (with the thread's id), "Returns a channel, on
		// success, with a nested message object". Its message params take
		// no nonce: a repeat makes a second post.
		var name string
		_ = json.Unmarshal(in["name"], &name)
		th := &Channel{ID: f.id(), Type: 11, Parent: c.ID, Name: name, Owner: Bot}
		f.channels[th.ID] = th
		var msg map[string]json.RawMessage
		_ = json.Unmarshal(in["message"], &msg)
		m := &Message{ID: th.ID, Channel: th.ID}
		f.fill(m, msg)
		f.messages[m.ID] = m
		out := f.channelJSON(th)
		out["message"] = f.messageJSON(m)
		writeJSON(w, 201, out)
	case len(seg) == 2 && seg[1] == "thread-members":
		writeJSON(w, 200, []any{})
	case len(seg) == 3 && seg[1] == "thread-members" && r.Method == "PUT":
		if c.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		c.Members = append(c.Members, seg[2])
		w.WriteHeader(204)
	case len(seg) >= 3 && seg[1] == "messages":
		m, ok := f.messages[seg[2]]
		if !ok || m.Channel != c.ID {
			apiErr(w, 404, 10008, "Unknown Message")
			return
		}
		f.messageRoute(w, r, c, m, seg[3:], in)
	default:
		f.t.Errorf("fake discord: no channel route for %s %v", r.Method, seg)
		apiErr(w, 404, 0, "404: Not Found")
	}
}

func (f *Fake) messageRoute(w http.ResponseWriter, r *http.Request, c *Channel, m *Message, seg []string, in map[string]json.RawMessage) {
	switch {
	case len(seg) == 0 && r.Method == "GET":
		writeJSON(w, 200, f.messageJSON(m))
	case len(seg) == 0 && r.Method == "PATCH":
		if c.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		f.fill(m, in)
		m.Edits++
		writeJSON(w, 200, f.messageJSON(m))
	case len(seg) == 1 && seg[0] == "threads" && r.Method == "POST":
		if _, ok := f.channels[m.ID]; ok {
			apiErr(w, 400, 160004, "A thread has already been created for this message")
			return
		}
		var name string
		_ = json.Unmarshal(in["name"], &name)
		th := &Channel{ID: m.ID, Type: 11, Parent: c.ID, Name: name, Owner: Bot}
		f.channels[th.ID] = th
		writeJSON(w, 201, f.channelJSON(th))
	case len(seg) == 3 && seg[0] == "reactions" && seg[2] == "@me" && r.Method == "PUT":
		if c.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		if !knownEmoji(seg[1]) {
			apiErr(w, 400, 10014, "Unknown Emoji")
			return
		}
		if !slices.Contains(m.Reactions, Reaction{seg[1], Bot}) {
			m.Reactions = append(m.Reactions, Reaction{seg[1], Bot})
		}
		w.WriteHeader(204)
	case len(seg) == 3 && seg[0] == "reactions" && seg[2] == "@me" && r.Method == "DELETE":
		// Delete Own Reaction: 204, also when the bot held none; the
		// emoji is encoded as for Create Reaction. A deleted message is
		// 404 Unknown Message (10008), above. Discord then sends
		// MESSAGE_REACTION_REMOVE {user_id, channel_id, message_id,
		// guild_id, emoji} (Gateway Events, "Message Reaction Remove";
		// GUILD_MESSAGE_REACTIONS), for the bot's own reaction too.
		if c.Archived {
			apiErr(w, 400, 50083, "Thread is archived")
			return
		}
		if !knownEmoji(seg[1]) {
			apiErr(w, 400, 10014, "Unknown Emoji")
			return
		}
		held := slices.Contains(m.Reactions, Reaction{seg[1], Bot})
		m.Reactions = slices.DeleteFunc(m.Reactions, func(x Reaction) bool { return x == Reaction{seg[1], Bot} })
		if held {
			d := f.reactionEvent(Bot, m, seg[1])
			f.later = append(f.later, func() { f.Dispatch("MESSAGE_REACTION_REMOVE", d) })
		}
		w.WriteHeader(204)
	case len(seg) == 2 && seg[0] == "reactions" && r.Method == "GET":
		after := r.URL.Query().Get("after")
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		var users []string
		for _, x := range m.Reactions {
			if x.Emoji == seg[1] {
				users = append(users, x.User)
			}
		}
		sort.Slice(users, func(i, j int) bool { return less(users[i], users[j]) })
		out := []any{}
		for _, u := range users {
			if after != "" && !less(after, u) {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			out = append(out, map[string]any{"id": u, "username": "u" + u, "bot": u == Bot})
		}
		writeJSON(w, 200, out)
	default:
		f.t.Errorf("fake discord: no message route for %s %v", r.Method, seg)
		apiErr(w, 404, 0, "404: Not Found")
	}
}

func (f *Fake) fill(m *Message, in map[string]json.RawMessage) {
	if v, ok := in["content"]; ok {
		_ = json.Unmarshal(v, &m.Content)
	}
	if v, ok := in["embeds"]; ok {
		m.Embeds = v
	}
	if v, ok := in["components"]; ok {
		m.Components = v
	}
	if v, ok := in["allowed_mentions"]; ok {
		m.Mentions = v
	}
}

// botPermissionsLocked are the bot's permissions in a guild channel, as
// Discord computes them (Permissions, "Permission Overwrites"): the
// @everyone role's and the bot's roles' permissions (ADMINISTRATOR is all),
// then the channel's overwrites: @everyone's, the bot's roles' (deny, then
// allow), the bot's own. Without VIEW_CHANNEL there is nothing. A thread
// has its parent's overwrites.
func (f *Fake) botPermissionsLocked(c *Channel) int64 {
	if p := f.channels[c.Parent]; p != nil {
		c = p
	}
	roles := f.members[Bot].Roles
	p := f.roles[Guild]
	for _, r := range roles {
		p |= f.roles[r]
	}
	if p&PermAdministrator != 0 {
		return ^int64(0)
	}
	for _, o := range c.Overwrites {
		if !o.Member && o.ID == Guild {
			p = p&^o.Deny | o.Allow
		}
	}
	var allow, deny int64
	for _, o := range c.Overwrites {
		if !o.Member && o.ID != Guild && slices.Contains(roles, o.ID) {
			allow |= o.Allow
			deny |= o.Deny
		}
	}
	p = p&^deny | allow
	for _, o := range c.Overwrites {
		if o.Member && o.ID == Bot {
			p = p&^o.Deny | o.Allow
		}
	}
	if p&PermViewChannel == 0 {
		return 0
	}
	return p
}

func (f *Fake) channelJSON(c *Channel) map[string]any {
	if c.DMUser != "" {
		return map[string]any{"id": c.ID, "type": c.Type}
	}
	out := map[string]any{"id": c.ID, "type": c.Type, "guild_id": Guild, "name": c.Name}
	if c.Parent == "" {
		// A guild channel's overwrites: type 0 a role, 1 a member; allow
		// and deny as strings of bit sets.
		ows := []any{}
		for _, o := range c.Overwrites {
			typ := 0
			if o.Member {
				typ = 1
			}
			ows = append(ows, map[string]any{"id": o.ID, "type": typ, "allow": strconv.FormatInt(o.Allow, 10), "deny": strconv.FormatInt(o.Deny, 10)})
		}
		out["permission_overwrites"] = ows
	}
	if c.Parent != "" {
		out["parent_id"] = c.Parent
		out["owner_id"] = c.Owner
		out["thread_metadata"] = map[string]any{"archived": c.Archived, "auto_archive_duration": 10080}
	}
	return out
}

func (f *Fake) messageJSON(m *Message) map[string]any {
	out := map[string]any{"id": m.ID, "channel_id": m.Channel, "content": m.Content, "author": map[string]any{"id": Bot, "bot": true}}
	if m.Embeds != nil {
		out["embeds"] = m.Embeds
	}
	// Discord's reaction object: count (the bot's own included), me
	// (whether the bot holds it), emoji.
	counts := map[string]int{}
	me := map[string]bool{}
	var order []string
	for _, r := range m.Reactions {
		if counts[r.Emoji] == 0 {
			order = append(order, r.Emoji)
		}
		counts[r.Emoji]++
		me[r.Emoji] = me[r.Emoji] || r.User == Bot
	}
	var rs []any
	for _, e := range order {
		rs = append(rs, map[string]any{"count": counts[e], "me": me[e], "emoji": map[string]any{"id": nil, "name": e}})
	}
	out["reactions"] = rs
	return out
}

// --- the gateway

// Intents the fake's dispatches need (Gateway, "List of Intents").
const (
	intentGuilds                 = 1 << 0
	intentGuildMembers           = 1 << 1 // privileged
	intentGuildMessages          = 1 << 9
	intentGuildMessageReactions  = 1 << 10
	intentDirectMessages         = 1 << 12
	intentDirectMessageReactions = 1 << 13
)

// intentOf is the intent a session must have identified with to receive
// an event, 0 when it needs none (Gateway, "List of Intents"): reactions
// need GUILD_MESSAGE_REACTIONS (DIRECT_MESSAGE_REACTIONS in a DM), message
// events GUILD_MESSAGES (DIRECT_MESSAGES), thread and channel events
// GUILDS, member events the privileged GUILD_MEMBERS; READY, RESUMED and
// INTERACTION_CREATE come to every session.
func intentOf(typ string, d any) int {
	dm := false
	if m, ok := d.(map[string]any); ok {
		_, guild := m["guild_id"]
		dm = !guild
	}
	switch typ {
	case "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI":
		if dm {
			return intentDirectMessageReactions
		}
		return intentGuildMessageReactions
	case "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK":
		if dm {
			return intentDirectMessages
		}
		return intentGuildMessages
	case "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE":
		return intentGuilds
	case "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE":
		return intentGuildMembers
	}
	return 0
}

func (f *Fake) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.gwMu.Lock()
	if f.refuseGW {
		// Closed before Hello. (Refusing the upgrade itself would make
		// discordgo race with itself: a failed dial clears its gateway
		// address while the old heartbeat logs it.)
		f.refusals++
		f.gwMu.Unlock()
		conn.Close()
		return
	}
	sess := &session{conn: conn, intents: -1}
	f.sessions = append(f.sessions, sess)
	f.gwMu.Unlock()
	defer func() {
		f.gwMu.Lock()
		f.sessions = slices.DeleteFunc(f.sessions, func(s *session) bool { return s == sess })
		f.gwMu.Unlock()
		conn.Close()
	}()
	_ = f.write(conn, map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 1000}})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var msg struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		switch msg.Op {
		case 1:
			_ = f.write(conn, map[string]any{"op": 11})
		case 2:
			var id struct {
				Token   string `json:"token"`
				Intents int    `json:"intents"`
			}
			_ = json.Unmarshal(msg.D, &id)
			f.gwMu.Lock()
			bad := f.badToken || id.Token != "Bot "+Token
			disallowed := f.noMembersIntent && id.Intents&intentGuildMembers != 0
			f.identifies++
			f.nsessions++
			sess.id, sess.seq, sess.intents = fmt.Sprintf("sess-%d", f.nsessions), 0, id.Intents
			if f.known == nil {
				f.known = map[string]int{}
			}
			f.known[sess.id] = id.Intents
			f.gwMu.Unlock()
			if bad {
				_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
				return
			}
			if disallowed {
				// A privileged intent not enabled for the bot.
				_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4014, "Disallowed intent(s)."))
				return
			}
			f.dispatchOn(sess, "READY", map[string]any{
				"v": 9, "session_id": sess.id,
				"user":        map[string]any{"id": Bot, "username": "helpdesk", "bot": true},
				"application": map[string]any{"id": App},
				"guilds":      []any{map[string]any{"id": Guild, "unavailable": true}},
			})
			f.ready <- struct{}{}
		case 6:
			// A resumed session keeps the intents it identified with.
			var res struct {
				SessionID string `json:"session_id"`
				Seq       int64  `json:"seq"`
			}
			_ = json.Unmarshal(msg.D, &res)
			f.gwMu.Lock()
			f.resumes++
			sess.id, sess.seq = res.SessionID, res.Seq
			sess.intents = f.known[res.SessionID]
			f.gwMu.Unlock()
			f.dispatchOn(sess, "RESUMED", map[string]any{})
			f.ready <- struct{}{}
		}
	}
}

func (f *Fake) write(conn *websocket.Conn, v any) error {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return conn.WriteJSON(v)
}

func (f *Fake) dispatchOn(s *session, typ string, d any) {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	s.seq++
	if err := s.conn.WriteJSON(map[string]any{"op": 0, "s": s.seq, "t": typ, "d": d}); err != nil {
		f.t.Logf("fake gateway: dispatch %s: %v", typ, err)
	}
}

// Dispatch sends an event to every connected session whose intents ask
// for it; false when none got it.
func (f *Fake) Dispatch(typ string, d any) bool {
	need := intentOf(typ, d)
	f.gwMu.Lock()
	var to []*session
	for _, s := range f.sessions {
		if s.intents >= 0 && s.intents&need == need {
			to = append(to, s)
		}
	}
	f.gwMu.Unlock()
	for _, s := range to {
		f.dispatchOn(s, typ, d)
	}
	return len(to) > 0
}

// DropGateway closes the bots' connections abruptly.
func (f *Fake) DropGateway() {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	for _, s := range f.sessions {
		s.conn.Close()
	}
	f.sessions = nil
}

// RefuseGateway makes the gateway refuse (or again accept) connections,
// as when Discord's gateway is down.
func (f *Fake) RefuseGateway(refuse bool) {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	f.refuseGW = refuse
}

// Sessions is how many times the bot identified or resumed.
func (f *Fake) Sessions() int {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return f.identifies + f.resumes
}

// Refusals is how many gateway connections the fake refused.
func (f *Fake) Refusals() int {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return f.refusals
}

// WaitReady waits until the bot is identified or resumed.
func (f *Fake) WaitReady(t testing.TB) {
	t.Helper()
	select {
	case <-f.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the bot never became ready")
	}
}

// reactionEvent is MESSAGE_REACTION_REMOVE's payload: no member (unlike
// an add), guild_id outside DMs.
func (f *Fake) reactionEvent(user string, m *Message, emoji string) map[string]any {
	d := map[string]any{"user_id": user, "channel_id": m.Channel, "message_id": m.ID, "emoji": map[string]any{"id": nil, "name": emoji}}
	if ch := f.channels[m.Channel]; ch != nil && ch.DMUser == "" {
		d["guild_id"] = Guild
	}
	return d
}

// knownEmoji is an emoji as Create Reaction takes it in its path (once
// URL-decoded): a Unicode emoji, or a custom one as name:id. "The emoji
// must be URL Encoded or the request will fail with 10014: Unknown
// Emoji" (Create Reaction). The fake takes any text with a character past
// ASCII for a Unicode emoji.
func knownEmoji(e string) bool {
	if name, id, ok := strings.Cut(e, ":"); ok {
		return name != "" && id != "" && strings.Trim(id, "0123456789") == ""
	}
	return strings.ContainsFunc(e, func(r rune) bool { return r > 0x7f })
}

// --- users acting

// React adds a user's reaction and, unless quiet, tells the bot.
func (f *Fake) React(user, msgID, emoji string, quiet bool) {
	f.mu.Lock()
	m := f.messages[msgID]
	if m == nil {
		f.mu.Unlock()
		f.t.Fatalf("react on unknown message %s", msgID)
		return
	}
	if !slices.Contains(m.Reactions, Reaction{emoji, user}) {
		m.Reactions = append(m.Reactions, Reaction{emoji, user})
	}
	ch := f.channels[m.Channel]
	d := map[string]any{"user_id": user, "channel_id": m.Channel, "message_id": m.ID, "emoji": map[string]any{"id": nil, "name": emoji}}
	if ch != nil && ch.DMUser == "" {
		d["guild_id"] = Guild
		if mem, ok := f.members[user]; ok {
			d["member"] = map[string]any{"user": map[string]any{"id": user, "username": mem.Name}, "roles": mem.Roles}
		} else {
			d["member"] = map[string]any{"user": map[string]any{"id": user, "username": "u" + user}, "roles": []string{}}
		}
	}
	f.mu.Unlock()
	if !quiet {
		f.Dispatch("MESSAGE_REACTION_ADD", d)
	}
}

// Unreact takes a user's reaction off and, unless quiet, tells the bot.
func (f *Fake) Unreact(user, msgID, emoji string, quiet bool) {
	f.mu.Lock()
	m := f.messages[msgID]
	m.Reactions = slices.DeleteFunc(m.Reactions, func(r Reaction) bool { return r == Reaction{emoji, user} })
	d := f.reactionEvent(user, m, emoji)
	f.mu.Unlock()
	if !quiet {
		f.Dispatch("MESSAGE_REACTION_REMOVE", d)
	}
}

// Interact sends an interaction from user in channel and returns its id
// and token.
func (f *Fake) Interact(user, channel, locale string, typ int, data any) (id, token string) {
	f.mu.Lock()
	id, token = f.id(), "itok"+f.id()
	mem := f.members[user]
	roles := []string{}
	name := "u" + user
	if mem != nil {
		roles, name = mem.Roles, mem.Name
	}
	f.sent[id] = time.Now()
	f.mu.Unlock()
	f.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": id, "application_id": App, "type": typ, "token": token, "version": 1,
		"guild_id": Guild, "channel_id": channel, "locale": locale,
		"member": map[string]any{"user": map[string]any{"id": user, "username": name}, "roles": roles},
		"data":   data,
	})
	return id, token
}

// topFor is the registered top-level command that has the subcommand sub,
// as a person finds it in Discord's command picker; before any
// registration was taken, "helpdesk". A subcommand no registered command
// has fails the test: a person could not use it.
func (f *Fake) topFor(sub string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.commands) == 0 {
		return "helpdesk"
	}
	var cmds []appCommand
	_ = json.Unmarshal(f.commands[len(f.commands)-1], &cmds)
	for _, c := range cmds {
		for _, o := range c.Options {
			if o.Type == optSubCommand && o.Name == sub {
				return c.Name
			}
		}
	}
	f.t.Errorf("fake discord: no registered command has the subcommand %q", sub)
	return "helpdesk"
}

// CommandInDM is SUB of the command that has it (/helpdesk SUB, /case
// SUB) used in the bot's direct messages: the interaction carries a user
// and no member or guild.
func (f *Fake) CommandInDM(user, sub string, opts ...any) (id, token string) {
	var os []any
	for i := 0; i+1 < len(opts); i += 2 {
		os = append(os, map[string]any{"name": opts[i], "type": 3, "value": opts[i+1]})
	}
	f.mu.Lock()
	id, token = f.id(), "itok"+f.id()
	f.sent[id] = time.Now()
	f.mu.Unlock()
	f.Dispatch("INTERACTION_CREATE", map[string]any{
		"id": id, "application_id": App, "type": 2, "token": token, "version": 1,
		"channel_id": "dm" + user, "locale": "fi",
		"user": map[string]any{"id": user, "username": "u" + user},
		"data": map[string]any{"id": "1", "name": f.topFor(sub), "type": 1,
			"options": []any{map[string]any{"name": sub, "type": 1, "options": os}}},
	})
	return id, token
}

// Command is SUB of the command that has it (/helpdesk SUB, /case SUB) in
// a guild channel, with options (name → value; ints as int).
func (f *Fake) Command(user, channel, sub string, opts ...any) (id, token string) {
	var os []any
	for i := 0; i+1 < len(opts); i += 2 {
		typ := 3
		if _, ok := opts[i+1].(int); ok {
			typ = 4
		}
		os = append(os, map[string]any{"name": opts[i], "type": typ, "value": opts[i+1]})
	}
	return f.Interact(user, channel, "en-US", 2, map[string]any{
		"id": "1", "name": f.topFor(sub), "type": 1,
		"options": []any{map[string]any{"name": sub, "type": 1, "options": os}},
	})
}

// Submit sends a modal submission.
func (f *Fake) Submit(user, channel, locale, customID string, values map[string]string) (id, token string) {
	var rows []any
	for _, k := range []string{"title", "description", "organisation", "links", "timeline", "languages", "skills", "groups"} {
		if v, ok := values[k]; ok {
			rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": k, "value": v}}})
		}
	}
	return f.Interact(user, channel, locale, 5, map[string]any{"custom_id": customID, "components": rows})
}

// --- reading what the bot did

// Registrations are the command registrations Discord took (those within
// its limits), oldest first: each a JSON list of commands.
func (f *Fake) Registrations() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.commands)
}

// Calls lists the REST calls with method whose path contains path.
func (f *Fake) Calls(method, path string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if c.Method == method && strings.Contains(c.Path, path) {
			out = append(out, c)
		}
	}
	return out
}

// CallCount is the number of REST calls made.
func (f *Fake) CallCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// MessagesIn lists the messages of a channel, oldest first.
func (f *Fake) MessagesIn(channel string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.messages {
		if m.Channel == channel {
			out = append(out, m.copy())
		}
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i].ID, out[j].ID) })
	return out
}

// Message returns a message by id (zero if there is none).
func (f *Fake) Message(id string) Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.messages[id]; m != nil {
		return m.copy()
	}
	return Message{}
}

// copy is m as it is now, for a test to read while the bot changes m.
func (m *Message) copy() Message {
	c := *m
	c.Reactions = slices.Clone(m.Reactions)
	return c
}

// Channel returns a channel by id (zero if there is none).
func (f *Fake) Channel(id string) Channel {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.channels[id]; c != nil {
		return *c
	}
	return Channel{}
}

// DMChannel is the DM channel of a user, "" if none was opened.
func (f *Fake) DMChannel(user string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.channels {
		if c.DMUser == user {
			return c.ID
		}
	}
	return ""
}

// Text is everything a message shows: content, and embeds as JSON.
func (m Message) Text() string {
	return m.Content + string(m.Embeds) + string(m.Components)
}

// Embed decodes a message's first embed.
func (m Message) Embed() (title, desc string) {
	var es []struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	_ = json.Unmarshal(m.Embeds, &es)
	if len(es) == 0 {
		return "", ""
	}
	return es[0].Title, es[0].Description
}

// ResponsesTo lists the responses to an interaction.
func (f *Fake) ResponsesTo(id string) []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.responses[id])
}

// EditsOf lists the contents an interaction's answer was edited to.
func (f *Fake) EditsOf(token string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.edits[token])
}

// String lists every REST call, for a failing test's log.
func (f *Fake) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		fmt.Fprintf(&b, "%s %s %.300s\n", c.Method, c.Path, c.Body)
	}
	return b.String()
}

// URL is the fake's address: the adapter's api_url.
func (f *Fake) URL() string { return f.srv.URL }

// RefuseDMs makes direct messages to user fail as Discord does when the
// user closed them (403, code 50007).
func (f *Fake) RefuseDMs(user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noDM[user] = true
}

// RefuseMemberList makes listing the guild's members fail with status, as
// without the Server Members intent. With 403 the intent is taken as not
// enabled for the bot: List Guild Members "requires the GUILD_MEMBERS
// privileged intent", and a gateway Identify asking for the intent is
// closed with 4014 "Disallowed intent(s)" (Gateway, "Privileged Intents";
// Opcodes and Status Codes, "Gateway Close Event Codes").
func (f *Fake) RefuseMemberList(status int) {
	f.mu.Lock()
	f.membersErr = status
	f.mu.Unlock()
	f.gwMu.Lock()
	f.noMembersIntent = status == 403
	f.gwMu.Unlock()
}

// SetRoles gives a member new roles, as a moderator would, and unless
// quiet tells the bots: GUILD_MEMBER_UPDATE {guild_id, roles, user, nick,
// joined_at} (Gateway Events, "Guild Member Update": "Sent when a guild
// member is updated"), only to sessions that identified with the
// privileged GUILD_MEMBERS intent (Gateway, "List of Intents"). Quiet is
// an event the bot missed (it was away: a new session replays nothing).
// The member list and Get Guild Member show the new roles at once. It
// reports whether a session got the event.
func (f *Fake) SetRoles(user string, quiet bool, roles ...string) bool {
	f.mu.Lock()
	m, ok := f.members[user]
	if !ok {
		f.mu.Unlock()
		f.t.Errorf("fake discord: set the roles of unknown member %s", user)
		return false
	}
	m.Roles = append([]string{}, roles...)
	d := f.memberJSON(user)
	d["guild_id"] = Guild
	f.mu.Unlock()
	return !quiet && f.Dispatch("GUILD_MEMBER_UPDATE", d)
}

// RemoveMember removes a member from the guild (they left, or were kicked
// or banned) and unless quiet tells the bots: GUILD_MEMBER_REMOVE
// {guild_id, user} (Gateway Events, "Guild Member Remove"; GUILD_MEMBERS
// intent). They are then missing from List Guild Members, and Get Guild
// Member answers 404 Unknown Member (10007).
func (f *Fake) RemoveMember(user string, quiet bool) {
	f.mu.Lock()
	m, ok := f.members[user]
	if !ok {
		f.mu.Unlock()
		f.t.Errorf("fake discord: remove unknown member %s", user)
		return
	}
	delete(f.members, user)
	d := map[string]any{"guild_id": Guild, "user": map[string]any{"id": m.ID, "username": m.Name}}
	f.mu.Unlock()
	if !quiet {
		f.Dispatch("GUILD_MEMBER_REMOVE", d)
	}
}

// DeleteMessage deletes a message of channel as a moderator would, and
// tells the bots: MESSAGE_DELETE {id, channel_id, guild_id} (Gateway
// Events, "Message Delete"; GUILD_MESSAGES intent, DIRECT_MESSAGES in a
// DM). The message then answers 404 Unknown Message (10008) to GET, PATCH
// and its reactions, as Discord does for a deleted message.
func (f *Fake) DeleteMessage(channel, id string) {
	f.mu.Lock()
	d, ok := f.deleteLocked(channel, id)
	f.mu.Unlock()
	if !ok {
		f.t.Errorf("fake discord: delete unknown message %s/%s", channel, id)
		return
	}
	d["id"] = id
	f.Dispatch("MESSAGE_DELETE", d)
}

// DeleteMessages deletes messages of one channel at once, as a bulk delete
// does, and tells the bots: one MESSAGE_DELETE_BULK {ids, channel_id,
// guild_id} (Gateway Events, "Message Delete Bulk"; GUILD_MESSAGES).
func (f *Fake) DeleteMessages(channel string, ids ...string) {
	f.mu.Lock()
	var d map[string]any
	for _, id := range ids {
		var ok bool
		if d, ok = f.deleteLocked(channel, id); !ok {
			f.mu.Unlock()
			f.t.Errorf("fake discord: delete unknown message %s/%s", channel, id)
			return
		}
	}
	f.mu.Unlock()
	d["ids"] = ids
	f.Dispatch("MESSAGE_DELETE_BULK", d)
}

// deleteLocked deletes a message and returns the event fields it shares
// with others.
func (f *Fake) deleteLocked(channel, id string) (map[string]any, bool) {
	m, ok := f.messages[id]
	if !ok || m.Channel != channel {
		return nil, false
	}
	delete(f.messages, id)
	d := map[string]any{"channel_id": channel}
	if c := f.channels[channel]; c == nil || c.DMUser == "" {
		d["guild_id"] = Guild
	}
	return d, true
}

// DeleteThread deletes a thread (or forum post) as a moderator would, with
// every message in it (a forum post's starter message is in it; the
// message a thread was started from is in the parent channel and stays),
// and tells the bots: THREAD_DELETE {id, guild_id, parent_id, type}
// (Gateway Events, "Thread Delete": "a subset of the channel object"; the
// GUILDS intent), and nothing for the messages. The thread then answers
// 404 Unknown Channel (10003) on every route.
func (f *Fake) DeleteThread(id string) {
	f.mu.Lock()
	c, ok := f.channels[id]
	if !ok || c.Parent == "" {
		f.mu.Unlock()
		f.t.Errorf("fake discord: delete unknown thread %s", id)
		return
	}
	delete(f.channels, id)
	for mid, m := range f.messages {
		if m.Channel == id {
			delete(f.messages, mid)
		}
	}
	d := map[string]any{"id": id, "guild_id": Guild, "parent_id": c.Parent, "type": c.Type}
	f.mu.Unlock()
	f.Dispatch("THREAD_DELETE", d)
}

// Resumes is how often the bot resumed its gateway session.
func (f *Fake) Resumes() int {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return f.resumes
}

// ChannelsUnder lists the threads and posts of a channel.
func (f *Fake) ChannelsUnder(parent string) []Channel {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Channel
	for _, c := range f.channels {
		if c.Parent == parent {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i].ID, out[j].ID) })
	return out
}

// AckLatency is the time from dispatching interaction id to its first
// response; false when it has none yet.
func (f *Fake) AckLatency(id string) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.acked[id]
	if !ok {
		return 0, false
	}
	return a.Sub(f.sent[id]), true
}

// Authorizations lists the Authorization headers the fake received.
func (f *Fake) Authorizations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.authSeen)
}
