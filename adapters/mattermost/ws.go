package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/backlog"
	"github.com/wmse/helpdesk/bot"
)

// Reconnect backoff of the WebSocket.
const (
	minReconnect = 200 * time.Millisecond
	maxReconnect = 30 * time.Second
)

// follow keeps a WebSocket to Mattermost open until ctx ends and turns its
// reaction events into the core's. Mattermost's client never reconnects:
// when its event channel closes or the server's pings stop, follow opens a
// new client, with backoff, and after every connect re-reads the reactions
// of every post that still matters, so that what happened meanwhile
// counts, once.
func (a *Adapter) follow(ctx context.Context) {
	wsURL := "ws" + strings.TrimPrefix(a.url, "http") // http→ws, https→wss
	backoff := minReconnect
	var once sync.Once
	dialer := a.dialer(ctx)
	for ctx.Err() == nil {
		wsc, err := model.NewWebSocketClient4WithDialer(dialer, wsURL, a.opt.Token)
		if err != nil {
			a.log.Warn("websocket: cannot connect; trying again", "in", backoff, "err", apiMessage(err))
			if !sleep(ctx, backoff+rand.N(backoff/2+1)) {
				return
			}
			backoff = min(backoff*2, maxReconnect)
			continue
		}
		wsc.Listen()
		a.log.Info("websocket connected")
		if err := a.reconcile(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("reconcile reactions", "err", err)
		}
		once.Do(func() { close(a.ready) })
		a.live.Store(true)
		started := time.Now()
		a.listen(ctx, wsc)
		a.live.Store(false)
		// Not wsc.Close: it closes the writer's channel while the reader's
		// ping handler may be sending a pong on it, and the panic would
		// take the whole helpdesk down. Closing the connection ends the
		// reader, which then stops the writer itself, in its own goroutine.
		_ = wsc.Conn.Close()
		for range wsc.EventChannel { // drained, so the reader can end
		}
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			backoff = minReconnect
		}
		a.log.Warn("websocket lost; reconnecting", "in", backoff, "err", listenError(wsc))
		if !sleep(ctx, backoff+rand.N(backoff/2+1)) {
			return
		}
		backoff = min(backoff*2, maxReconnect)
	}
}

// handshakeTimeout bounds the WebSocket's opening handshake.
const handshakeTimeout = 15 * time.Second

// dialer opens WebSocket connections that end with ctx: the library dials
// without a context, and its default dialer waits 45 s for a handshake, so
// a server that accepts and says nothing would hold up a shutdown.
func (a *Adapter) dialer(ctx context.Context) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: handshakeTimeout,
		NetDialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: handshakeTimeout}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &ctxConn{Conn: c, stop: context.AfterFunc(ctx, func() { c.Close() })}, nil
		},
	}
}

// ctxConn is a connection closed when its context ends; closing it
// forgets the context.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

func listenError(wsc *model.WebSocketClient) string {
	if wsc.ListenError != nil {
		return apiMessage(wsc.ListenError)
	}
	return "closed"
}

// listen handles one connection's events until it ends, its pings stop, or
// ctx ends. An event the core could not take for a passing reason (the
// database busy) is kept and tried again, in order, with the events after
// it (see backlog); the backlog outlives the connection.
func (a *Adapter) listen(ctx context.Context, wsc *model.WebSocketClient) {
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	if a.backlog.Len() > 0 {
		retry.Reset(a.backlog.Delay())
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-wsc.PingTimeoutChannel:
			a.log.Warn("websocket: no ping from the server")
			return
		case <-retry.C:
			if a.backlog.Drain(ctx) > 0 {
				retry.Reset(a.backlog.Delay())
			}
		case <-a.rereadC:
			a.rereadPending(ctx)
		case ev, ok := <-wsc.EventChannel:
			if !ok {
				return
			}
			if h := a.event(ev); h != nil && a.backlog.Handle(ctx, h) {
				retry.Reset(a.backlog.Delay())
			}
		}
	}
}

// event turns a WebSocket event into the core's work: a reaction (the
// bot's own are left out), or a post of the bot's that was deleted; nil
// for an event that means nothing to the helpdesk.
func (a *Adapter) event(ev *model.WebSocketEvent) *backlog.Event {
	var added bool
	switch ev.EventType() {
	case model.WebsocketEventReactionAdded:
		added = true
	case model.WebsocketEventReactionRemoved:
	case model.WebsocketEventPostDeleted:
		return a.postDeleted(ev)
	default:
		return nil
	}
	raw, _ := ev.GetData()["reaction"].(string)
	var r model.Reaction
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		a.log.Warn("websocket: unreadable reaction", "err", err)
		return nil
	}
	if r.UserId == a.me.Id || r.UserId == "" || r.PostId == "" {
		return nil
	}
	a.log.Debug("reaction", "post", r.PostId, "user", r.UserId, "emoji", r.EmojiName, "added", added)
	rr := bot.Reaction{Post: r.PostId, User: userID(r.UserId), Emoji: emojiFromName(r.EmojiName)}
	if u := a.cachedUser(r.UserId); u != nil {
		rr.Name = u.Username
	}
	return &backlog.Event{What: "reaction", Post: r.PostId, Do: func(ctx context.Context) error {
		if added {
			return a.svc.ReactionAdded(ctx, rr)
		}
		return a.svc.ReactionRemoved(ctx, rr)
	}}
}

// postDeleted tells the core that one of the bot's posts was deleted
// (Mattermost sends post_deleted once, for the post itself: a card's
// replies go with it unannounced). The core posts it again if it still
// matters; the bot's other posts it does not know change nothing.
func (a *Adapter) postDeleted(ev *model.WebSocketEvent) *backlog.Event {
	raw, _ := ev.GetData()["post"].(string)
	var p model.Post
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Id == "" {
		a.log.Warn("websocket: unreadable post_deleted event")
		return nil
	}
	if p.UserId != a.me.Id {
		return nil
	}
	a.mu.Lock()
	delete(a.channelOf, p.Id)
	a.mu.Unlock()
	a.log.Info("a post of the bot was deleted", "post", p.Id)
	return &backlog.Event{What: "post a deleted post again", Post: p.Id, Do: func(ctx context.Context) error {
		return a.svc.PostGone(ctx, Platform, p.Id)
	}}
}

// reconcile re-reads the reactions of every post the core watches and
// hands them to it. It reads the post first: Mattermost answers for the
// reactions of a deleted post as if it were there, so only the post tells
// that it is gone, and the core then posts it again. An unreadable post is
// skipped.
func (a *Adapter) reconcile(ctx context.Context) error {
	start, read := time.Now(), 0
	refs, err := a.svc.Watched(ctx, Platform)
	if err != nil {
		return err
	}
	defer func() {
		if ctx.Err() == nil {
			a.opt.Metrics.Reconciled(time.Since(start), read)
		}
	}()
	for _, ref := range refs {
		var p *model.Post
		err := a.do(ctx, "read post", callOpts{}, func() (r *model.Response, err error) {
			p, r, err = a.client.GetPost(ctx, ref, "")
			return r, err
		})
		if err == nil && p.DeleteAt != 0 {
			err = fmt.Errorf("post %s was deleted: %w", ref, bot.ErrGone)
		}
		var rs []*model.Reaction
		if err == nil {
			err = a.do(ctx, "read reactions", callOpts{}, func() (r *model.Response, err error) {
				rs, r, err = a.client.GetReactions(ctx, ref)
				return r, err
			})
		}
		if errors.Is(err, bot.ErrGone) {
			// Deleted while the bot was away: the core posts it again, and
			// the votes it knew on it still count.
			if err := a.svc.PostGone(ctx, Platform, ref); err != nil {
				if ctx.Err() != nil {
					return err
				}
				a.log.Warn("post a deleted post again", "post", ref, "err", err)
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			// One post out of reach (the bot left its channel) does not
			// keep the others from being read.
			a.log.Warn("read reactions", "post", ref, "err", err)
			continue
		}
		read += len(rs)
		if err := a.svc.Reconcile(ctx, Platform, a.held(ref, rs)); err != nil {
			if ctx.Err() != nil {
				return err
			}
			// One post the core could not take (a busy database) does not
			// keep the others from being reconciled.
			a.log.Warn("reconcile reactions", "post", ref, "err", err)
			continue
		}
		// What the post shows now stands for the events of it still
		// waiting: done after this, they would undo newer changes.
		a.backlog.Forget(ref)
	}
	return nil
}

// held is what the reactions Mattermost lists on post ref tell the core:
// the people's, not the bot's own, in the order listed.
func (a *Adapter) held(ref string, rs []*model.Reaction) bot.HeldReactions {
	h := bot.HeldReactions{Post: ref, Users: map[bot.UserID][]string{}}
	for _, r := range rs {
		if r.UserId == a.me.Id || r.DeleteAt != 0 {
			continue
		}
		u := userID(r.UserId)
		h.Users[u] = append(h.Users[u], emojiFromName(r.EmojiName))
	}
	return h
}

// Reread has the WebSocket loop read the reactions on post ref again, the
// core having just recorded it, and returns at once. Mattermost shows a
// post to the channel as soon as it is made and sends reaction_added over
// the WebSocket apart from its answer to the bot's create: a person's
// reaction can come before the core knows the post, and the core ignores
// it then. A request made while the WebSocket is down waits for the next
// connection (whose reconcile reads the post too, if it still matters).
func (a *Adapter) Reread(_ context.Context, ref string) {
	a.mu.Lock()
	if a.rereads == nil {
		a.rereads = map[string]bool{}
	}
	a.rereads[ref] = true
	a.mu.Unlock()
	select {
	case a.rereadC <- struct{}{}:
	default: // the loop has been told already and will find ref
	}
}

// rereadPending reads the reactions on the posts Reread asked for and
// hands them to the core. It runs in the WebSocket loop, between two
// events: every event it has handled is in what Mattermost lists now, and
// each one still to come, older or newer than the read, is then applied
// after it in order, so the last one on each reaction wins, as it should.
// Reading outside the loop would let a read older than an event handled
// meanwhile undo it. A read that fails is left to the reconcile of the
// next connection (a post that still matters is watched).
func (a *Adapter) rereadPending(ctx context.Context) {
	a.mu.Lock()
	refs := a.rereads
	a.rereads = nil
	a.mu.Unlock()
	for ref := range refs {
		var rs []*model.Reaction
		err := a.do(ctx, "read reactions", callOpts{}, func() (r *model.Response, err error) {
			rs, r, err = a.client.GetReactions(ctx, ref)
			return r, err
		})
		if err == nil {
			err = a.svc.Reconcile(ctx, Platform, a.held(ref, rs))
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.log.Warn("read the reactions on a new post again", "post", ref, "err", err)
			continue
		}
		a.log.Debug("reactions on a new post read again", "post", ref, "reactions", len(rs))
		// As after a reconcile: events of the post still waiting in the
		// backlog are older than the read.
		a.backlog.Forget(ref)
	}
}
