// Package mmtest is a fake Mattermost server for tests: the REST routes
// and the WebSocket the helpdesk's adapter uses, served over real HTTP so
// that Mattermost's own Client4 and WebSocket client talk to it, plus the
// side of Mattermost that calls the bot: slash-command callbacks and
// dialog submissions, sent the way Mattermost sends them. It records every
// request.
//
// What it models of a real server, and where that was seen (Mattermost
// 11.2 with PostgreSQL, the bot a team admin, observed 2026-12-02; see the
// project's LIBRARIES.md) or documented:
//
//   - Deleting a root post deletes its replies with it; GET /posts/{id}
//     then answers 404, but GET /posts/{id}/reactions answers 200 with the
//     reactions the post had (observed). The WebSocket sends post_deleted,
//     once, for the post deleted, to the channel's members (observed;
//     server app/post.go DeletePost).
//   - PUT /posts/{id}/patch of a deleted or unknown post answers 403, not
//     404 (api4 patchPost checks the permission on the post first).
//     Adding or removing a reaction on one answers 404 (app
//     SaveReactionForPost and DeleteReactionForPost read the post first).
//   - pending_post_id is remembered server-wide for 30 s: a second create
//     with the same one, in any channel, returns the earlier post and
//     makes nothing (observed; app/post.go pendingPostIDsCacheTTL).
//   - Only a system admin may create ephemeral posts outside a command
//     response: POST /posts/ephemeral answers 403 to the bot (observed).
//   - A bot that is not a member of a channel gets 403 when it posts there;
//     a person who is not a member cannot react there (403), so the bot
//     never hears of it (observed).
//   - The members of a private channel are listed only to its members.
//   - Reaction events reach only the channel's members (the bot must be
//     one); Mattermost's rate limiter answers 429 in plain text.
//   - A post is in its channel once the server has saved it, before the
//     bot has read the answer to its create, and reaction_added travels
//     over the WebSocket apart from that answer: a person quick to react
//     (or an answer slow on its way back) makes the bot hear of a
//     reaction on its post before it knows the post's id. HoldPosts
//     models that answer being slow (modelled from how the two channels
//     work, not yet seen on a real server).
package mmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"
)

// Call is one request the fake received.
type Call struct {
	Method  string
	Path    string
	Pattern string // the route, like "PUT /api/v4/posts/{id}/patch"
	Status  int
}

// Dialog is a dialog the bot opened, with the user it was opened for.
type Dialog struct {
	User    string
	Request model.OpenDialogRequest
	Invalid error // what Dialog.IsValid said, if anything
}

// Follow is a user made to follow a thread.
type Follow struct {
	User, Team, Thread string
}

type failure struct {
	pattern string
	status  int
	n       int
	skip    int // requests to let through before failing
	header  http.Header
	after   bool // the request is carried out, then the answer is lost
}

type pendingPost struct {
	id string
	at time.Time
}

type wsConn struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

func (c *wsConn) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, b)
}

// Server is a fake Mattermost. Create it with New; its zero value is not
// usable.
type Server struct {
	*httptest.Server
	Token    string // the bot's access token
	BotID    string
	TeamName string
	TeamID   string
	// PingEvery is how often the WebSocket pings its clients; change it
	// with SetPingEvery once the server runs.
	PingEvery time.Duration

	client *http.Client

	mu       sync.Mutex
	users    map[string]*model.User
	channels map[string]*model.Channel
	members  map[string]map[string]bool // channel id → user ids
	posts    map[string]*model.Post
	order    []string               // post ids in creation order
	pending  map[string]pendingPost // pending_post_id → the post it made
	// PendingTTL is how long a pending_post_id is remembered (30 s, as
	// Mattermost's cache); change it with SetPendingTTL.
	pendingTTL time.Duration
	reactions  map[string][]*model.Reaction // post id → reactions
	commands   map[string]*model.Command
	triggers   map[string]string // trigger id → user id
	dialogs    []Dialog
	follows    []Follow
	calls      []Call
	unhandled  []string
	fails      []failure
	forbidden  map[string]bool // patterns answered 403
	conns      map[*wsConn]bool
	holds      map[string]chan struct{} // channel id → released when closed
	wsRefuse   bool
	wsConnect  int
	clock      int64
}

// New starts a fake Mattermost with a bot user "helpdesk-bot" whose token
// is token, and a team named team.
func New(token, team string) *Server {
	s := &Server{
		Token:      token,
		TeamName:   team,
		TeamID:     model.NewId(),
		BotID:      model.NewId(),
		PingEvery:  200 * time.Millisecond,
		client:     &http.Client{Timeout: 60 * time.Second},
		users:      map[string]*model.User{},
		channels:   map[string]*model.Channel{},
		members:    map[string]map[string]bool{},
		posts:      map[string]*model.Post{},
		pending:    map[string]pendingPost{},
		pendingTTL: 30 * time.Second,
		reactions:  map[string][]*model.Reaction{},
		commands:   map[string]*model.Command{},
		triggers:   map[string]string{},
		forbidden:  map[string]bool{},
		conns:      map[*wsConn]bool{},
		clock:      time.Now().UnixMilli(),
	}
	s.users[s.BotID] = &model.User{Id: s.BotID, Username: "helpdesk-bot", IsBot: true, Locale: "en"}
	s.Server = httptest.NewServer(s.routes())
	return s
}

// Close stops the server and its WebSockets.
func (s *Server) Close() {
	s.DropWebSockets(true)
	s.Server.Close()
}

// AddUser adds a person and returns their id.
func (s *Server) AddUser(name, locale string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := model.NewId()
	s.users[id] = &model.User{Id: id, Username: name, Locale: locale}
	return id
}

// AddChannel adds a public channel of the team with members (user ids;
// the bot is added when bot is true) and returns its id.
func (s *Server) AddChannel(name string, bot bool, members ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := model.NewId()
	s.channels[id] = &model.Channel{Id: id, TeamId: s.TeamID, Name: name, DisplayName: name, Type: model.ChannelTypeOpen}
	s.members[id] = map[string]bool{}
	for _, m := range members {
		s.members[id][m] = true
	}
	if bot {
		s.members[id][s.BotID] = true
	}
	return id
}

// SetPendingTTL changes how long a pending_post_id is remembered.
func (s *Server) SetPendingTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendingTTL = d
}

// CreatePostAs makes a post in a channel as user (another program, or
// another helpdesk sharing the bot account) with a pending_post_id, as
// POST /posts would, and returns its id.
func (s *Server) CreatePostAs(user, channel, message, pendingID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &model.Post{Id: model.NewId(), UserId: user, ChannelId: channel, Message: message, PendingPostId: pendingID, CreateAt: s.nowLocked()}
	p.UpdateAt = p.CreateAt
	s.posts[p.Id] = p
	s.order = append(s.order, p.Id)
	if pendingID != "" {
		s.pending[pendingID] = pendingPost{id: p.Id, at: time.Now()}
	}
	return p.Id
}

// AddPrivateChannel adds a private channel of the team, as AddChannel.
func (s *Server) AddPrivateChannel(name string, bot bool, members ...string) string {
	id := s.AddChannel(name, bot, members...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id].Type = model.ChannelTypePrivate
	return id
}

// MakePrivate turns a channel private, as an admin may.
func (s *Server) MakePrivate(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channels[channel]; c != nil {
		c.Type = model.ChannelTypePrivate
	}
}

// RemoveMember removes a user from a channel, as an admin may. A bot
// removed from a channel can no longer post there (403, observed).
func (s *Server) RemoveMember(channel, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.members[channel], user)
}

// IsMember reports whether a user is in a channel.
func (s *Server) IsMember(channel, user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.members[channel][user]
}

// HoldPosts holds back the answers to the bot's posts in channel until
// release is called: each post is made when asked for and is in the
// channel at once (Posts lists it, people may react to it, and React sends
// reaction_added to the bot then); only the answer with its id waits.
func (s *Server) HoldPosts(channel string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	if s.holds == nil {
		s.holds = map[string]chan struct{}{}
	}
	s.holds[channel] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.holds, channel)
			s.mu.Unlock()
			close(ch)
		})
	}
}

// FailNext makes the next n requests to a route (a pattern such as
// "PUT /api/v4/posts/{id}/patch") fail with status and header.
func (s *Server) FailNext(pattern string, status, n int, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{pattern: pattern, status: status, n: n, header: header})
}

// FailAt lets the next skip requests to a route through and makes the n
// after them fail with status.
func (s *Server) FailAt(pattern string, skip, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{pattern: pattern, status: status, n: n, skip: skip})
}

// FailAfter makes the next n requests to a route succeed on the server
// and then answer status, as when a proxy loses the answer: the client
// cannot tell whether it happened.
func (s *Server) FailAfter(pattern string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{pattern: pattern, status: status, n: n, after: true})
}

// Forbid answers every request to a route with 403, as Mattermost does
// where the bot lacks a permission.
func (s *Server) Forbid(pattern string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[pattern] = true
}

// Calls lists the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count is how many requests a route received.
func (s *Server) Count(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Pattern == pattern {
			n++
		}
	}
	return n
}

// Unhandled lists requests to routes the fake does not have.
func (s *Server) Unhandled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unhandled)
}

// Posts lists the posts of a channel, oldest first, as copies.
func (s *Server) Posts(channel string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.Post
	for _, id := range s.order {
		if p := s.posts[id]; p.ChannelId == channel {
			out = append(out, p.Clone())
		}
	}
	return out
}

// Post returns a copy of a post, or nil.
func (s *Server) Post(id string) *model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.posts[id]; p != nil {
		return p.Clone()
	}
	return nil
}

// Replies lists the replies to a root post, oldest first.
func (s *Server) Replies(root string) []*model.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*model.Post
	for _, id := range s.order {
		if p := s.posts[id]; p.RootId == root {
			out = append(out, p.Clone())
		}
	}
	return out
}

// DirectChannel is the id of the direct channel of two users.
func DirectChannel(a, b string) string { return model.GetDMNameFromIds(a, b) }

// Reactions lists the emoji names users hold on a post, as "user:emoji".
func (s *Server) Reactions(post string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.reactions[post] {
		out = append(out, r.UserId+":"+r.EmojiName)
	}
	return out
}

// Dialogs lists the dialogs the bot opened.
func (s *Server) Dialogs() []Dialog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.dialogs)
}

// Follows lists the users made to follow threads.
func (s *Server) Follows() []Follow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.follows)
}

// Command returns the team's /trigger command, if the bot made one.
func (s *Server) Command(trigger string) *model.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.commands {
		if c.Trigger == trigger && c.DeleteAt == 0 {
			cp := *c
			return &cp
		}
	}
	return nil
}

// AddCommand adds a command as an admin would, returning its token.
func (s *Server) AddCommand(trigger, callback string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &model.Command{Id: model.NewId(), Token: model.NewId(), TeamId: s.TeamID, Trigger: trigger, Method: "P", URL: callback, CreatorId: "admin"}
	s.commands[c.Id] = c
	return c.Token
}

// WebSocketConnects is how many WebSocket connections were made.
func (s *Server) WebSocketConnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wsConnect
}

// Connected is how many WebSocket connections are open.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// SetPingEvery changes how often new WebSocket connections are pinged.
func (s *Server) SetPingEvery(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.PingEvery = d
}

// DropWebSockets closes every WebSocket; with refuse, new ones are refused
// (503) until AllowWebSockets.
func (s *Server) DropWebSockets(refuse bool) {
	s.mu.Lock()
	s.wsRefuse = refuse
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.conns = map[*wsConn]bool{}
	s.mu.Unlock()
	for _, c := range conns {
		c.conn.Close()
	}
}

// AllowWebSockets lets clients connect again.
func (s *Server) AllowWebSockets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wsRefuse = false
}

// ErrNotMember is React's error for a person who is not a member of the
// post's channel: Mattermost refuses their reaction (403).
var ErrNotMember = fmt.Errorf("403: not a member of the channel")

// React adds user's reaction to a post and tells the WebSocket clients, as
// Mattermost does when someone clicks an emoji. A person who is not a
// member of the post's channel cannot react: ErrNotMember, and nobody is
// told.
func (s *Server) React(user, post, emoji string) error {
	s.mu.Lock()
	p := s.posts[post]
	if p == nil || p.DeleteAt != 0 {
		s.mu.Unlock()
		return fmt.Errorf("no post %s", post)
	}
	if !s.members[p.ChannelId][user] {
		s.mu.Unlock()
		return fmt.Errorf("%s reacting in %s: %w", user, p.ChannelId, ErrNotMember)
	}
	for _, r := range s.reactions[post] {
		if r.UserId == user && r.EmojiName == emoji {
			s.mu.Unlock()
			return nil
		}
	}
	r := &model.Reaction{UserId: user, PostId: post, EmojiName: emoji, CreateAt: s.nowLocked(), ChannelId: p.ChannelId}
	s.reactions[post] = append(s.reactions[post], r)
	s.mu.Unlock()
	s.broadcast(model.WebsocketEventReactionAdded, p.ChannelId, r)
	return nil
}

// Unreact takes a reaction back.
func (s *Server) Unreact(user, post, emoji string) error {
	s.mu.Lock()
	p := s.posts[post]
	if p == nil {
		s.mu.Unlock()
		return fmt.Errorf("no post %s", post)
	}
	var gone *model.Reaction
	rs := s.reactions[post][:0]
	for _, r := range s.reactions[post] {
		if r.UserId == user && r.EmojiName == emoji {
			gone = r
			continue
		}
		rs = append(rs, r)
	}
	s.reactions[post] = rs
	s.mu.Unlock()
	if gone != nil {
		s.broadcast(model.WebsocketEventReactionRemoved, p.ChannelId, gone)
	}
	return nil
}

// broadcast sends a reaction event to the WebSocket clients: all of them
// are the bot's, and, as in Mattermost, only members of the channel are
// told.
func (s *Server) broadcast(typ model.WebsocketEventType, channel string, r *model.Reaction) {
	s.mu.Lock()
	member := s.members[channel][s.BotID]
	s.mu.Unlock()
	if !member {
		return
	}
	b, _ := json.Marshal(r)
	ev := model.NewWebSocketEvent(typ, "", channel, "", nil, "")
	ev.Add("reaction", string(b))
	s.send(ev)
}

// broadcastPost sends a post event (post_deleted) to the WebSocket
// clients, if the bot is a member of the post's channel.
func (s *Server) broadcastPost(typ model.WebsocketEventType, p *model.Post) {
	s.mu.Lock()
	member := s.members[p.ChannelId][s.BotID]
	s.mu.Unlock()
	if !member {
		return
	}
	b, _ := json.Marshal(p)
	ev := model.NewWebSocketEvent(typ, "", p.ChannelId, "", nil, "")
	ev.Add("post", string(b))
	s.send(ev)
}

func (s *Server) send(ev *model.WebSocketEvent) {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	b, _ := ev.ToJSON()
	for _, c := range conns {
		_ = c.write(b)
	}
}

// CommandResult is the bot's answer to a slash command.
type CommandResult struct {
	Status   int
	Response model.CommandResponse
	Trigger  string // the trigger id sent with the command
}

// RunCommand sends "/trigger text" from user in channel to the bot, as
// Mattermost does: a form POSTed to the command's URL with its token.
// token "" uses the command's own.
func (s *Server) RunCommand(user, channel, text, token string) (CommandResult, error) {
	s.mu.Lock()
	var cmd *model.Command
	for _, c := range s.commands {
		if c.DeleteAt == 0 && c.Trigger == "helpdesk" {
			cmd = c
		}
	}
	u, ch := s.users[user], s.channels[channel]
	trigger := model.NewId()
	s.triggers[trigger] = user
	s.mu.Unlock()
	if cmd == nil || u == nil {
		return CommandResult{}, fmt.Errorf("no /helpdesk command or no user %s", user)
	}
	if token == "" {
		token = cmd.Token
	}
	f := url.Values{
		"token": {token}, "team_id": {s.TeamID}, "team_domain": {s.TeamName},
		"channel_id": {channel}, "user_id": {user}, "user_name": {u.Username},
		"command": {"/" + cmd.Trigger}, "text": {text}, "trigger_id": {trigger},
		"response_url": {s.URL + "/hooks/commands/" + model.NewId()},
	}
	if ch != nil {
		f.Set("channel_name", ch.Name)
	}
	req, err := http.NewRequest(http.MethodPost, cmd.URL, strings.NewReader(f.Encode()))
	if err != nil {
		return CommandResult{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Token "+token)
	resp, err := s.client.Do(req)
	if err != nil {
		return CommandResult{}, err
	}
	defer resp.Body.Close()
	res := CommandResult{Status: resp.StatusCode, Trigger: trigger}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&res.Response); err != nil {
			return res, fmt.Errorf("decode command response: %w", err)
		}
	}
	return res, nil
}

// DialogFor returns the last dialog opened with a trigger id.
func (s *Server) DialogFor(trigger string) (Dialog, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.dialogs) - 1; i >= 0; i-- {
		if s.dialogs[i].Request.TriggerId == trigger {
			return s.dialogs[i], true
		}
	}
	return Dialog{}, false
}

// SubmitResult is the bot's answer to a dialog submission.
type SubmitResult struct {
	Status   int
	Response model.SubmitDialogResponse
}

// Submit sends a filled-in dialog as user, the way Mattermost does (JSON,
// no token). state "" sends the dialog's own state.
func (s *Server) Submit(d Dialog, user, channel string, values map[string]any, state string) (SubmitResult, error) {
	if state == "" {
		state = d.Request.Dialog.State
	}
	body, _ := json.Marshal(model.SubmitDialogRequest{
		Type: "dialog_submission", CallbackId: d.Request.Dialog.CallbackId, State: state,
		UserId: user, ChannelId: channel, TeamId: s.TeamID, Submission: values,
	})
	resp, err := s.client.Post(d.Request.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		return SubmitResult{}, err
	}
	defer resp.Body.Close()
	res := SubmitResult{Status: resp.StatusCode}
	b, _ := io.ReadAll(resp.Body)
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &res.Response); err != nil {
			return res, fmt.Errorf("decode dialog response %q: %w", b, err)
		}
	}
	return res, nil
}

func (s *Server) nowLocked() int64 {
	s.clock++
	return s.clock
}

// routes are the REST API and the WebSocket.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(pattern, s.wrap(pattern, fn))
	}
	h("GET /api/v4/users/me", s.getMe)
	h("GET /api/v4/users/{id}", s.getUser)
	h("GET /api/v4/users/username/{name}", s.getUserByName)
	h("GET /api/v4/users", s.getUsersInChannel)
	h("GET /api/v4/teams/name/{name}", s.getTeam)
	h("GET /api/v4/teams/name/{team}/channels/name/{name}", s.getChannelByName)
	h("POST /api/v4/channels/direct", s.createDirect)
	h("GET /api/v4/channels/{id}/members/{user}", s.getMember)
	h("POST /api/v4/channels/{id}/members", s.addMember)
	h("GET /api/v4/channels/{id}/posts", s.getChannelPosts)
	h("POST /api/v4/posts", s.createPost)
	h("POST /api/v4/posts/ephemeral", s.createEphemeral)
	h("PUT /api/v4/posts/{id}/patch", s.patchPost)
	h("GET /api/v4/posts/{id}", s.getPost)
	h("GET /api/v4/posts/{id}/thread", s.getThread)
	h("POST /api/v4/reactions", s.saveReaction)
	h("GET /api/v4/posts/{id}/reactions", s.getReactions)
	h("DELETE /api/v4/users/{user}/posts/{id}/reactions/{emoji}", s.deleteReaction)
	h("GET /api/v4/commands", s.listCommands)
	h("POST /api/v4/commands", s.createCommand)
	h("PUT /api/v4/commands/{id}", s.updateCommand)
	h("POST /api/v4/actions/dialogs/open", s.openDialog)
	h("PUT /api/v4/users/{user}/teams/{team}/threads/{thread}/following", s.follow)
	mux.HandleFunc("GET /api/v4/websocket", s.websocket)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.unhandled = append(s.unhandled, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "api.context.404.app_error", "no such route in the fake")
	})
	return mux
}

// wrap records the call, checks the bot's token and applies the failures
// a test asked for.
func (s *Server) wrap(pattern string, fn func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Pattern: pattern, Status: rec.status})
			s.mu.Unlock()
		}()
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || tok != s.Token {
			appError(rec, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session")
			return
		}
		s.mu.Lock()
		var fail *failure
		for i := range s.fails {
			if s.fails[i].pattern == pattern && s.fails[i].n > 0 {
				if s.fails[i].skip > 0 {
					s.fails[i].skip--
					break
				}
				s.fails[i].n--
				fail = &s.fails[i]
				break
			}
		}
		forbidden := s.forbidden[pattern]
		s.mu.Unlock()
		switch {
		case fail != nil && fail.after:
			fn(httptest.NewRecorder(), r)
			appError(rec, fail.status, "fake.failure", "answer lost, as the test asked")
		case fail != nil:
			for k, vs := range fail.header {
				for _, v := range vs {
					rec.Header().Add(k, v)
				}
			}
			if fail.status == http.StatusTooManyRequests {
				// Mattermost's rate limiter answers in plain text.
				rec.WriteHeader(fail.status)
				io.WriteString(rec, "limit exceeded\n")
				return
			}
			appError(rec, fail.status, "fake.failure", "failure asked for by the test")
		case forbidden:
			appError(rec, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		default:
			fn(rec, r)
		}
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func appError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"id": id, "message": msg, "status_code": status})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := *s.users[s.BotID]
	s.mu.Unlock()
	reply(w, http.StatusOK, &u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.users[r.PathValue("id")]
	var cp model.User
	if u != nil {
		cp = *u
	}
	s.mu.Unlock()
	if u == nil {
		appError(w, http.StatusNotFound, "app.user.missing_account.const", "user not found")
		return
	}
	reply(w, http.StatusOK, &cp)
}

func (s *Server) getUserByName(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Username == r.PathValue("name") {
			cp := *u
			reply(w, http.StatusOK, &cp)
			return
		}
	}
	appError(w, http.StatusNotFound, "app.user.missing_account.const", "user not found")
}

func (s *Server) getUsersInChannel(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 60
	}
	s.mu.Lock()
	// Mattermost lists the members of a private channel only to its own.
	if ch := s.channels[q.Get("in_channel")]; ch != nil && ch.Type == model.ChannelTypePrivate && !s.members[ch.Id][s.BotID] {
		s.mu.Unlock()
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	var ids []string
	for id := range s.members[q.Get("in_channel")] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []*model.User{}
	for i := page * per; i < len(ids) && i < (page+1)*per; i++ {
		cp := *s.users[ids[i]]
		out = append(out, &cp)
	}
	s.mu.Unlock()
	reply(w, http.StatusOK, out)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("name") != s.TeamName {
		appError(w, http.StatusNotFound, "app.team.get_by_name.missing.app_error", "team not found")
		return
	}
	reply(w, http.StatusOK, &model.Team{Id: s.TeamID, Name: s.TeamName, DisplayName: s.TeamName})
}

func (s *Server) getChannelByName(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.PathValue("team") == s.TeamName {
		for _, c := range s.channels {
			if c.Name == r.PathValue("name") && c.TeamId == s.TeamID {
				cp := *c
				reply(w, http.StatusOK, &cp)
				return
			}
		}
	}
	appError(w, http.StatusNotFound, "app.channel.get_by_name.missing.app_error", "channel not found")
}

func (s *Server) createDirect(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil || len(ids) != 2 {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "two user ids")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.users[id] == nil {
			appError(w, http.StatusNotFound, "app.user.missing_account.const", "user not found")
			return
		}
	}
	id := DirectChannel(ids[0], ids[1])
	if s.channels[id] == nil {
		s.channels[id] = &model.Channel{Id: id, Name: id, Type: model.ChannelTypeDirect}
		s.members[id] = map[string]bool{ids[0]: true, ids[1]: true}
	}
	cp := *s.channels[id]
	reply(w, http.StatusCreated, &cp)
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.members[r.PathValue("id")][r.PathValue("user")]
	s.mu.Unlock()
	if !ok {
		appError(w, http.StatusNotFound, "app.channel.get_member.missing.app_error", "not a member")
		return
	}
	reply(w, http.StatusOK, &model.ChannelMember{ChannelId: r.PathValue("id"), UserId: r.PathValue("user")})
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	var body struct {
		UserID string `json:"user_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := s.members[r.PathValue("id")]
	if ms == nil || s.users[body.UserID] == nil {
		appError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "no such channel or user")
		return
	}
	ms[body.UserID] = true
	reply(w, http.StatusCreated, &model.ChannelMember{ChannelId: r.PathValue("id"), UserId: body.UserID})
}

func (s *Server) postList(keep func(p *model.Post) bool) *model.PostList {
	l := model.NewPostList()
	for i := len(s.order) - 1; i >= 0; i-- { // newest first, as Mattermost
		p := s.posts[s.order[i]]
		if keep(p) {
			l.AddPost(p.Clone())
			l.AddOrder(p.Id)
		}
	}
	return l
}

func (s *Server) getChannelPosts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := r.PathValue("id")
	reply(w, http.StatusOK, s.postList(func(p *model.Post) bool { return p.ChannelId == ch && p.DeleteAt == 0 }))
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	var p model.Post
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "post")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.channels[p.ChannelId] == nil:
		appError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "channel not found")
		return
	case !s.members[p.ChannelId][s.BotID]:
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "not a member of the channel")
		return
	case utf8.RuneCountInString(p.Message) > model.PostMessageMaxRunesV2:
		appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "message too long")
		return
	}
	if p.RootId != "" {
		root := s.posts[p.RootId]
		if root == nil || root.DeleteAt != 0 || root.ChannelId != p.ChannelId || root.RootId != "" {
			appError(w, http.StatusBadRequest, "api.post.create_post.root_id.app_error", "invalid root")
			return
		}
	}
	// Server-wide, whatever the channel or the author: the earlier post.
	if pp, ok := s.pending[p.PendingPostId]; ok && p.PendingPostId != "" && time.Since(pp.at) < s.pendingTTL {
		reply(w, http.StatusCreated, s.posts[pp.id].Clone())
		return
	}
	p.Id = model.NewId()
	p.UserId = s.BotID
	p.CreateAt = s.nowLocked()
	p.UpdateAt = p.CreateAt
	stored := p.Clone()
	s.posts[p.Id] = stored
	s.order = append(s.order, p.Id)
	if p.PendingPostId != "" {
		s.pending[p.PendingPostId] = pendingPost{id: p.Id, at: time.Now()}
	}
	out := stored.Clone()
	if held := s.holds[p.ChannelId]; held != nil {
		s.mu.Unlock()
		select {
		case <-held:
		case <-r.Context().Done():
		}
		s.mu.Lock() // for the deferred unlock
	}
	reply(w, http.StatusCreated, out)
}

// createEphemeral refuses: only a system admin may create ephemeral posts
// outside a command response, and the bot is a team admin.
func (s *Server) createEphemeral(w http.ResponseWriter, r *http.Request) {
	appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
}

func (s *Server) patchPost(w http.ResponseWriter, r *http.Request) {
	var patch model.PostPatch
	if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "patch")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.posts[r.PathValue("id")]
	if p == nil || p.DeleteAt != 0 {
		// As Mattermost does (api4 patchPost): a post it cannot find is a
		// permission error, not a 404.
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	if patch.Message != nil {
		if utf8.RuneCountInString(*patch.Message) > model.PostMessageMaxRunesV2 {
			appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "message too long")
			return
		}
		p.Message = *patch.Message
	}
	p.EditAt = s.nowLocked()
	reply(w, http.StatusOK, p.Clone())
}

func (s *Server) getPost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.posts[r.PathValue("id")]
	if p == nil || p.DeleteAt != 0 {
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	reply(w, http.StatusOK, p.Clone())
}

func (s *Server) getThread(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if p := s.posts[id]; p == nil || p.DeleteAt != 0 {
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	reply(w, http.StatusOK, s.postList(func(p *model.Post) bool { return (p.Id == id || p.RootId == id) && p.DeleteAt == 0 }))
}

// DeletePost deletes a post, as a person might: a root post takes its
// replies with it, and the WebSocket clients hear post_deleted for the
// post itself (not for each reply), as from Mattermost. Its reactions stay
// readable.
func (s *Server) DeletePost(id string) {
	s.mu.Lock()
	p := s.posts[id]
	if p == nil || p.DeleteAt != 0 {
		s.mu.Unlock()
		return
	}
	at := s.nowLocked()
	p.DeleteAt, p.UpdateAt = at, at
	for _, q := range s.posts {
		if q.RootId == id && q.DeleteAt == 0 {
			q.DeleteAt, q.UpdateAt = at, at
		}
	}
	cp := p.Clone()
	s.mu.Unlock()
	s.broadcastPost(model.WebsocketEventPostDeleted, cp)
}

func (s *Server) saveReaction(w http.ResponseWriter, r *http.Request) {
	var re model.Reaction
	if err := json.NewDecoder(r.Body).Decode(&re); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "reaction")
		return
	}
	if re.UserId != s.BotID {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "reactions only as oneself")
		return
	}
	s.mu.Lock()
	p := s.posts[re.PostId]
	if p == nil || p.DeleteAt != 0 {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	if !emojiNameRE.MatchString(re.EmojiName) {
		s.mu.Unlock()
		appError(w, http.StatusBadRequest, "model.reaction.is_valid.emoji_name.app_error", "bad emoji name")
		return
	}
	for _, x := range s.reactions[re.PostId] {
		if x.UserId == re.UserId && x.EmojiName == re.EmojiName {
			cp := *x
			s.mu.Unlock()
			reply(w, http.StatusOK, &cp)
			return
		}
	}
	re.CreateAt = s.nowLocked()
	re.ChannelId = p.ChannelId
	stored := re
	s.reactions[re.PostId] = append(s.reactions[re.PostId], &stored)
	s.mu.Unlock()
	s.broadcast(model.WebsocketEventReactionAdded, p.ChannelId, &stored)
	reply(w, http.StatusOK, &re)
}

// getReactions answers for a deleted post too, with the reactions it had:
// Mattermost 11.2 does (observed), so reading reactions cannot tell that a
// post is gone.
func (s *Server) getReactions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.posts[r.PathValue("id")]; p == nil {
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	out := []*model.Reaction{}
	for _, x := range s.reactions[r.PathValue("id")] {
		cp := *x
		out = append(out, &cp)
	}
	reply(w, http.StatusOK, out)
}

// deleteReaction answers 404 for a deleted post, as saving a reaction
// does: the server reads the post first (app DeleteReactionForPost,
// GetSinglePost without deleted posts).
func (s *Server) deleteReaction(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("user") != s.BotID {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "reactions only as oneself")
		return
	}
	s.mu.Lock()
	if p := s.posts[r.PathValue("id")]; p == nil || p.DeleteAt != 0 {
		s.mu.Unlock()
		appError(w, http.StatusNotFound, "app.post.get.app_error", "post not found")
		return
	}
	var gone *model.Reaction
	rs := s.reactions[r.PathValue("id")][:0]
	for _, x := range s.reactions[r.PathValue("id")] {
		if x.UserId != s.BotID || x.EmojiName != r.PathValue("emoji") {
			rs = append(rs, x)
		} else {
			gone = x
		}
	}
	s.reactions[r.PathValue("id")] = rs
	s.mu.Unlock()
	if gone != nil { // as Mattermost, to the channel's members
		s.broadcast(model.WebsocketEventReactionRemoved, gone.ChannelId, gone)
	}
	reply(w, http.StatusOK, map[string]string{"status": "OK"})
}

func (s *Server) listCommands(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*model.Command{}
	for _, c := range s.commands {
		if c.TeamId == r.URL.Query().Get("team_id") && c.DeleteAt == 0 {
			cp := *c
			out = append(out, &cp)
		}
	}
	reply(w, http.StatusOK, out)
}

func (s *Server) createCommand(w http.ResponseWriter, r *http.Request) {
	var c model.Command
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "command")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.commands {
		if x.TeamId == c.TeamId && x.Trigger == c.Trigger && x.DeleteAt == 0 {
			appError(w, http.StatusBadRequest, "api.command.duplicate_trigger.app_error", "trigger in use")
			return
		}
	}
	c.Id, c.Token, c.CreatorId, c.CreateAt = model.NewId(), model.NewId(), s.BotID, s.nowLocked()
	stored := c
	s.commands[c.Id] = &stored
	reply(w, http.StatusCreated, &c)
}

func (s *Server) updateCommand(w http.ResponseWriter, r *http.Request) {
	var c model.Command
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "command")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.commands[r.PathValue("id")]
	if old == nil {
		appError(w, http.StatusNotFound, "app.command.getcommand.app_error", "command not found")
		return
	}
	// The token and creator stay the server's.
	c.Id, c.Token, c.CreatorId, c.CreateAt = old.Id, old.Token, old.CreatorId, old.CreateAt
	stored := c
	s.commands[c.Id] = &stored
	reply(w, http.StatusOK, &c)
}

func (s *Server) openDialog(w http.ResponseWriter, r *http.Request) {
	var req model.OpenDialogRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "dialog")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	user, ok := s.triggers[req.TriggerId]
	if !ok {
		appError(w, http.StatusBadRequest, "interactive_message.decode_trigger_id.signature_decode_failed", "bad trigger id")
		return
	}
	d := Dialog{User: user, Request: req}
	if err := req.Dialog.IsValid(); err != nil {
		d.Invalid = err // Mattermost only logs it
	}
	s.dialogs = append(s.dialogs, d)
	reply(w, http.StatusOK, map[string]string{"status": "OK"})
}

func (s *Server) follow(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.posts[r.PathValue("thread")]; p == nil {
		appError(w, http.StatusNotFound, "app.post.get.app_error", "thread not found")
		return
	}
	s.follows = append(s.follows, Follow{User: r.PathValue("user"), Team: r.PathValue("team"), Thread: r.PathValue("thread")})
	reply(w, http.StatusOK, map[string]string{"status": "OK"})
}

// emojiNameRE is what Mattermost accepts as a reaction's emoji name.
var emojiNameRE = regexp.MustCompile(`^[a-zA-Z0-9+_-]{1,64}$`)

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// websocket accepts a client, checks its authentication challenge, says
// hello, pings it and sends it the events.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	refuse := s.wsRefuse
	s.mu.Unlock()
	if refuse {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{conn: conn}
	// The client authenticates with its first message.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var auth struct {
		Seq    int64          `json:"seq"`
		Action string         `json:"action"`
		Data   map[string]any `json:"data"`
	}
	if err := conn.ReadJSON(&auth); err != nil || auth.Action != string(model.WebsocketAuthenticationChallenge) || auth.Data["token"] != s.Token {
		conn.Close()
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	b, _ := json.Marshal(map[string]any{"status": "OK", "seq_reply": auth.Seq})
	_ = c.write(b)
	hello := model.NewWebSocketEvent(model.WebsocketEventHello, "", "", s.BotID, nil, "")
	hello.Add("server_version", "fake")
	b, _ = hello.ToJSON()
	_ = c.write(b)
	s.mu.Lock()
	s.conns[c] = true
	s.wsConnect++
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.mu.Lock()
		every := s.PingEvery
		s.mu.Unlock()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.mu.Lock()
				err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
				c.mu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	for { // read until the client goes (pongs are handled by the library)
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	close(done)
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	conn.Close()
}
