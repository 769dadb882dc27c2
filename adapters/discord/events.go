package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/adapters/backlog"
	"github.com/wmse/helpdesk/bot"
)

// gatewayEvent is one event for the worker: a reaction added or removed,
// a (re)connect after which the reactions are read again, a message or
// thread deleted, or the reactions a reconcile read on one post.
type gatewayEvent struct {
	add       *discordgo.MessageReactionAdd
	remove    *discordgo.MessageReactionRemove
	reconnect bool
	gone      []string // messages deleted ("CHANNEL/MESSAGE")
	thread    string   // a thread (or forum post) deleted
	held      *heldRead
	reread    string // a post the core has just recorded
	member    *memberEvent
	roster    *heldRoster
}

// heldRead is what a reconcile read on one post, for the worker to hand
// to the core unless live events on the post came since the read began.
type heldRead struct {
	held bot.HeldReactions
	live uint64    // live events on the post when its read began
	done chan bool // true: handed to the core; false: read it again
}

// work applies gateway events one at a time, in the order the gateway sent
// them, until ctx ends: a remove right after its add must never be applied
// first, or a vote would stay that nobody holds. A reconnect starts a
// reconcile beside it: live events go on while it reads. An event the core
// could not take for a passing reason (the database locked by another
// process longer than the store waits) is kept in the backlog and tried
// again, and the events after it wait behind it (see backlog).
func (a *Adapter) work(ctx context.Context) {
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	defer func() {
		if n := a.backlog.Len(); n > 0 {
			a.log.Warn("discord: events not applied at shutdown; the next start reads the posts again", "events", n)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
			if a.backlog.Drain(ctx) > 0 {
				retry.Reset(a.backlog.Delay())
			}
		case e := <-a.queue:
			for _, h := range a.handlings(ctx, e) {
				if a.backlog.Handle(ctx, h) {
					retry.Reset(a.backlog.Delay())
				}
			}
		}
	}
}

// handlings turns a gateway event into the core's work, in order; the
// worker's own steps (a reconcile started or handed over, a roster read
// applied) are done here and give none.
func (a *Adapter) handlings(ctx context.Context, e gatewayEvent) []*backlog.Event {
	switch {
	case e.add != nil && a.own(e.add.UserID), e.remove != nil && a.own(e.remove.UserID):
		// The helpdesk's own reactions are no votes, and no live change
		// that a reconcile's read must be repeated for.
	case e.add != nil:
		post := ref(e.add.ChannelID, e.add.MessageID)
		a.touched(post)
		return []*backlog.Event{{What: "reaction added", Post: post, Do: func(ctx context.Context) error { return a.reactionAdded(ctx, e.add) }}}
	case e.remove != nil:
		post := ref(e.remove.ChannelID, e.remove.MessageID)
		a.touched(post)
		return []*backlog.Event{{What: "reaction removed", Post: post, Do: func(ctx context.Context) error { return a.reactionRemoved(ctx, e.remove) }}}
	case e.reconnect:
		a.startReconcile(ctx)
	case e.held != nil:
		a.applyHeld(ctx, e.held)
	case e.reread != "":
		a.startReread(ctx, e.reread)
	case e.gone != nil:
		return a.goneHandlings(e.gone)
	case e.thread != "":
		return a.goneHandlings(a.threadRefs(ctx, e.thread))
	case e.member != nil:
		if u := e.member.m.User; u != nil {
			// Noted when it comes, against a roster read under way.
			a.mu.Lock()
			a.memberSeq++
			a.memberAt[u.ID] = a.memberSeq
			a.mu.Unlock()
		}
		return []*backlog.Event{{What: "member", Do: func(ctx context.Context) error { return a.memberChanged(ctx, e.member) }}}
	case e.roster != nil:
		a.applyRoster(ctx, e.roster)
	}
	return nil
}

// goneHandlings tells the core of deleted messages, one at a time.
func (a *Adapter) goneHandlings(refs []string) []*backlog.Event {
	hs := make([]*backlog.Event, len(refs))
	for i, r := range refs {
		hs[i] = &backlog.Event{What: "post deleted", Post: r, Do: func(ctx context.Context) error { return a.svc.PostGone(ctx, Platform, r) }}
	}
	return hs
}

// ref is the helpdesk's reference of a Discord message: "CHANNEL/MESSAGE".
func ref(channel, message string) string { return channel + "/" + message }

func (a *Adapter) reactionAdded(ctx context.Context, e *discordgo.MessageReactionAdd) error {
	if a.own(e.UserID) || e.Emoji.ID != "" || !a.ourGuild(e.GuildID) {
		return nil
	}
	if e.Member != nil && e.Member.User != nil && e.Member.User.Bot {
		// Another bot's reaction is nobody's vote (a reconcile leaves
		// bots out too); its remove then changes nothing.
		return nil
	}
	name := ""
	if e.Member != nil {
		if e.Member.User == nil {
			e.Member.User = &discordgo.User{ID: e.UserID}
		}
		if err := a.memberSeen(ctx, e.Member); err != nil {
			return fmt.Errorf("record member %s: %w", e.UserID, err)
		}
		name = displayName(e.Member)
	} else {
		a.ensureKnown(ctx, e.UserID)
	}
	r := bot.Reaction{Post: ref(e.ChannelID, e.MessageID), User: userID(e.UserID), Name: name, Emoji: e.Emoji.Name}
	return a.svc.ReactionAdded(ctx, r)
}

func (a *Adapter) reactionRemoved(ctx context.Context, e *discordgo.MessageReactionRemove) error {
	if a.own(e.UserID) || e.Emoji.ID != "" || !a.ourGuild(e.GuildID) {
		return nil
	}
	// A remove carries no member: the core uses the roles it has, which
	// a miss fetches first.
	a.ensureKnown(ctx, e.UserID)
	r := bot.Reaction{Post: ref(e.ChannelID, e.MessageID), User: userID(e.UserID), Emoji: e.Emoji.Name}
	return a.svc.ReactionRemoved(ctx, r)
}

// own reports whether user is the helpdesk's bot.
func (a *Adapter) own(user string) bool {
	b, _ := a.ids()
	return user == b
}

// ourGuild reports whether an event is from the helpdesk's server or a
// direct message (no guild).
func (a *Adapter) ourGuild(guild string) bool { return guild == "" || guild == a.cfg.GuildID }

// displayName is how the helpdesk names a member: the server nickname,
// else the global name, else the user name.
func displayName(m *discordgo.Member) string {
	if m.Nick != "" {
		return m.Nick
	}
	if m.User == nil {
		return ""
	}
	if m.User.GlobalName != "" {
		return m.User.GlobalName
	}
	return m.User.Username
}

// roles maps a member's Discord roles to the helpdesk's.
func (a *Adapter) roles(ids []string) bot.Roles {
	var r bot.Roles
	for _, id := range ids {
		switch id {
		case "":
		case a.cfg.CommitteeRole:
			r.Committee = true
		case a.cfg.ChairRole:
			r.Chair = true
		case a.cfg.StaffRole:
			r.Staff = true
		}
		for g, rid := range a.cfg.GroupRoles {
			if rid == id && rid != "" && !slices.Contains(r.Groups, g) {
				r.Groups = append(r.Groups, g)
			}
		}
	}
	slices.Sort(r.Groups)
	return r
}

// memberSeen tells the core what Discord says of a member: name and roles.
func (a *Adapter) memberSeen(ctx context.Context, m *discordgo.Member) error {
	if m.User == nil || m.User.Bot {
		return nil
	}
	return a.tell(ctx, m.User.ID, bot.Member{ID: userID(m.User.ID), Name: displayName(m), Roles: a.roles(m.Roles)}, true)
}

// memberLeft tells the core that a user is no longer on the server: they
// hold none of its roles (the core keeps the name it knows). Their votes
// stop counting and the committee is counted without them.
func (a *Adapter) memberLeft(ctx context.Context, user string) error {
	return a.tell(ctx, user, bot.Member{ID: userID(user)}, true)
}

// tell records a member with the core, unless always is false and the
// core was told the same already (a roster read again).
func (a *Adapter) tell(ctx context.Context, user string, m bot.Member, always bool) error {
	a.mu.Lock()
	old, ok := a.told[user]
	a.mu.Unlock()
	if !always && ok && old.Name == m.Name && sameRoles(old.Roles, m.Roles) {
		return nil
	}
	if err := a.svc.MemberSeen(ctx, m); err != nil {
		return err
	}
	a.mu.Lock()
	a.known[user] = true
	if m.Name == "" {
		m.Name = old.Name
	}
	a.told[user] = m
	a.mu.Unlock()
	return nil
}

func sameRoles(a, b bot.Roles) bool {
	return a.Committee == b.Committee && a.Chair == b.Chair && a.Staff == b.Staff && slices.Equal(a.Groups, b.Groups)
}

// memberEvent is a member's roles changed (GUILD_MEMBER_UPDATE), a member
// joined (GUILD_MEMBER_ADD) or left or was removed (GUILD_MEMBER_REMOVE).
type memberEvent struct {
	m    *discordgo.Member
	left bool
}

// memberChanged applies a member event, in the worker (the worker noted
// it against a roster read under way when it came; see applyRoster).
func (a *Adapter) memberChanged(ctx context.Context, e *memberEvent) error {
	u := e.m.User
	if u == nil || u.ID == "" || u.Bot || a.own(u.ID) {
		return nil
	}
	if e.left {
		return a.memberLeft(ctx, u.ID)
	}
	return a.memberSeen(ctx, e.m)
}

// ensureKnown makes sure the core has a user's roles: a user this process
// has not seen is fetched from the server. Someone who is not a member
// (they left) has no roles.
func (a *Adapter) ensureKnown(ctx context.Context, user string) {
	a.mu.Lock()
	known := a.known[user]
	a.mu.Unlock()
	if known || a.cfg.GuildID == "" {
		return
	}
	var m *discordgo.Member
	err := a.call(ctx, "get member", func(opts ...discordgo.RequestOption) error {
		var err error
		m, err = a.s.GuildMember(a.cfg.GuildID, user, opts...)
		return err
	})
	switch {
	case codeOf(err) == codeUnknownMember || codeOf(err) == codeUnknownUser:
		if err := a.memberLeft(ctx, user); err != nil {
			a.log.Warn("discord: record a member who left", "user", user, "err", err)
		}
	case errors.Is(err, bot.ErrUnreachable) || errors.Is(err, bot.ErrGone):
		a.mu.Lock()
		a.known[user] = true
		a.mu.Unlock()
	case err != nil:
		a.log.Warn("discord: fetch member", "user", user, "err", err)
	default:
		if m.User == nil {
			m.User = &discordgo.User{ID: user}
		}
		if err := a.memberSeen(ctx, m); err != nil {
			a.log.Warn("discord: record member", "user", user, "err", err)
		}
	}
}

// errNoMemberList is a member list Discord refuses: the bot has not the
// Server Members intent.
var errNoMemberList = errors.New("discord: the server's members cannot be listed")

// errTokenRefused is Discord's 401: the bot's token is wrong.
var errTokenRefused = errors.New("discord: the token was refused")

// readRoster lists the server's members (List Guild Members, 1000 a page,
// after the last id of the page before). Discord requires the Server
// Members intent for it: without, it is errNoMemberList.
func (a *Adapter) readRoster(ctx context.Context) ([]*discordgo.Member, error) {
	after := ""
	var all []*discordgo.Member
	for {
		var page []*discordgo.Member
		err := a.call(ctx, "list members", func(opts ...discordgo.RequestOption) error {
			var err error
			page, err = a.s.GuildMembers(a.cfg.GuildID, after, 1000, opts...)
			return err
		})
		var ae *apiError
		if errors.As(err, &ae) && ae.status == 401 {
			return nil, fmt.Errorf("%w: %w", errTokenRefused, err)
		}
		if errors.Is(err, bot.ErrForbidden) {
			return nil, fmt.Errorf("%w: %w", errNoMemberList, err)
		}
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			if m.User != nil {
				all = append(all, m)
				after = m.User.ID
			}
		}
		if len(page) < 1000 {
			return all, nil
		}
	}
}

// loadRoster lists the server's members so that the core knows the whole
// committee, which a majority is counted against; it reports whether
// Discord let it. Without the Server Members intent Discord refuses: the
// adapter then knows the people it sees.
func (a *Adapter) loadRoster(ctx context.Context) (bool, error) {
	ms, err := a.readRoster(ctx)
	if errors.Is(err, errTokenRefused) {
		return false, err
	}
	if err != nil {
		a.log.Warn("discord: cannot list the server's members; the committee is known as its members are seen. Enable the Server Members intent of the bot to count the whole committee.", "err", err)
		return false, nil
	}
	a.applyRoster(ctx, &heldRoster{members: ms})
	a.log.Info("discord: members listed", "members", len(ms))
	return true, nil
}

// heldRoster is the server's member list as read, for the worker to hand
// to the core; seq is the count of member events when the read began.
type heldRoster struct {
	members []*discordgo.Member
	seq     uint64
}

// applyRoster tells the core what a roster read found, in the worker:
// roles and names that changed, and the people it knew with roles who
// are no longer listed (they left while no event said so). A member
// whose event came after the read began is left to that event, which is
// newer than the read.
func (a *Adapter) applyRoster(ctx context.Context, r *heldRoster) {
	listed := make(map[string]bool, len(r.members))
	newer := func(id string) bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.memberAt[id] > r.seq
	}
	for _, m := range r.members {
		listed[m.User.ID] = true
		if m.User.Bot || newer(m.User.ID) {
			continue
		}
		if err := a.tell(ctx, m.User.ID, bot.Member{ID: userID(m.User.ID), Name: displayName(m), Roles: a.roles(m.Roles)}, false); err != nil {
			// The next read tries again.
			a.log.Warn("discord: record member", "user", m.User.ID, "err", err)
		}
	}
	a.mu.Lock()
	var gone []string
	for id, m := range a.told {
		if !listed[id] && !sameRoles(m.Roles, bot.Roles{}) && a.memberAt[id] <= r.seq {
			gone = append(gone, id)
		}
	}
	a.mu.Unlock()
	slices.Sort(gone)
	for _, id := range gone {
		if err := a.memberLeft(ctx, id); err != nil {
			a.log.Warn("discord: record a member who left", "user", id, "err", err)
		}
	}
}

// refreshRoster reads the member list again every RosterEvery until ctx
// ends, and has the worker apply it: a member event Discord sent while
// the gateway was away (it replays none after a new session) is
// corrected within that time.
func (a *Adapter) refreshRoster(ctx context.Context) {
	t := time.NewTicker(a.cfg.RosterEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		seq := a.memberSeq
		a.mu.Unlock()
		ms, err := a.readRoster(ctx)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("discord: read the server's members again", "err", err)
			}
			continue
		}
		a.enqueue(ctx, gatewayEvent{roster: &heldRoster{members: ms, seq: seq}})
	}
}

// maxReads is how often a reconcile reads a post whose reactions change
// live meanwhile before it leaves the post to the live events.
const maxReads = 3

// startReconcile starts the reconcile that follows a Ready or Resumed in
// its own goroutine, after the one under way (cancelled: the new one reads
// everything again) has stopped. It runs in the worker.
func (a *Adapter) startReconcile(ctx context.Context) {
	if a.recCancel != nil {
		a.recCancel()
	}
	prev := a.recDone
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.recCancel, a.recDone = cancel, done
	a.reconciles.Add(1)
	go func() {
		defer a.reconciles.Done()
		defer close(done)
		defer cancel()
		if prev != nil {
			<-prev
		}
		a.countLive(true)
		a.reconnected(rctx)
		a.countLive(false)
		if rctx.Err() == nil {
			a.connected.Store(true)
		}
	}()
}

// Reread has the reactions on post ref read again, the core having just
// recorded it, and returns at once. Discord shows a message as soon as it
// is created and sends MESSAGE_REACTION_ADD on the gateway apart from the
// answer to the create: a person's reaction can come before the core
// knows the message, and the core ignores it then. The request goes
// through the worker's queue, behind the events already received.
func (a *Adapter) Reread(ctx context.Context, ref string) {
	a.enqueue(ctx, gatewayEvent{reread: ref})
}

// startReread reads the reactions on a post the core has just recorded, in
// its own goroutine as a reconcile reads every watched post, and hands
// them to the core through the worker, read again if live events on the
// post came meanwhile (see applyHeld). It runs in the worker, so that the
// live events after it are counted from now on. A read that fails is left
// to the reconcile of the next connection (a post that still matters is
// watched).
func (a *Adapter) startReread(ctx context.Context, post string) {
	a.countLive(true)
	a.reconciles.Add(1)
	go func() {
		defer a.reconciles.Done()
		defer a.countLive(false)
		read := 0
		if err := a.settle(ctx, post, &read); err != nil && ctx.Err() == nil {
			a.log.Warn("discord: read the reactions on a new post again", "post", post, "err", err)
		}
	}()
}

// settle reconciles post, reading it again while live events on it come
// meanwhile, at most maxReads times (then the live events keep it).
func (a *Adapter) settle(ctx context.Context, post string, read *int) error {
	for n := 1; ctx.Err() == nil; n++ {
		applied, err := a.reconcile(ctx, post, read)
		if err != nil || applied {
			return err
		}
		if n == maxReads {
			a.log.Warn("discord: reactions changing while read; the live events keep the post", "post", post)
			return nil
		}
	}
	return nil
}

// countLive starts (on) or stops counting the live reaction events by
// post, for a read of reactions that begins or ends: the counts are kept
// while any read is under way, and only grow meanwhile.
func (a *Adapter) countLive(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if on {
		if a.liveReads == 0 {
			a.live = map[string]uint64{}
		}
		a.liveReads++
		return
	}
	a.liveReads--
	if a.liveReads == 0 {
		a.live = nil
	}
}

// touched counts a live reaction event on a post while reactions are read.
func (a *Adapter) touched(post string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.live != nil {
		a.live[post]++
	}
}

// liveEvents is the number of live reaction events on post since the
// reads under way began (a read compares two of them).
func (a *Adapter) liveEvents(post string) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.live[post]
}

// applyHeld hands a reconcile's read of one post to the core, in the
// worker, in gateway order with the live events. A live event on the post
// that came after the read began may be missing from the read (a vote
// taken back after its list was read): the core would take the read's
// stale list for the truth and undo the event. Then the post is read
// again.
func (a *Adapter) applyHeld(ctx context.Context, h *heldRead) {
	if a.liveEvents(h.held.Post) != h.live {
		h.done <- false
		return
	}
	err := a.svc.Reconcile(ctx, Platform, h.held)
	if errors.Is(err, bot.ErrBusy) && ctx.Err() == nil {
		h.done <- false // read again
		return
	}
	if err != nil && ctx.Err() == nil {
		a.log.Warn("discord: reconcile reactions", "post", h.held.Post, "err", err)
	}
	if err == nil {
		// What the post shows now stands for the events of it still
		// waiting (they came before the read began: a later one would
		// have made it read again): done after this, they would undo
		// newer changes.
		a.backlog.Forget(h.held.Post)
	}
	h.done <- true
}

// reconnected follows every Ready and Resumed: it reads the reactions of
// every post whose reactions still matter and hands them to the core,
// which applies the difference (votes cast while the bot was away count,
// none twice). It runs beside the worker.
func (a *Adapter) reconnected(ctx context.Context) {
	start, read := time.Now(), 0
	refs, err := a.svc.Watched(ctx, Platform)
	if err != nil {
		a.log.Error("discord: list watched posts", "err", err)
		return
	}
	for _, r := range refs {
		if err := a.settle(ctx, r, &read); err != nil {
			a.log.Warn("discord: reconcile reactions", "post", r, "err", err)
		}
	}
	if ctx.Err() == nil {
		a.cfg.Metrics.Reconciled(time.Since(start), read)
		a.log.Info("discord: reactions reconciled", "posts", len(refs))
	}
}

// reconcile reads the reactions on one post, page by page, and has the
// worker hand the set to the core; false when live events on the post came
// meanwhile and it must be read again. Only emoji that someone other than
// the bot holds are listed (the message tells the count, and whether the
// bot is one): Discord limits reading them to a few a second. The
// reactions read are added to *read.
func (a *Adapter) reconcile(ctx context.Context, postRef string, read *int) (bool, error) {
	ch, msg, ok := cutRef(postRef)
	if !ok {
		return true, nil
	}
	live := a.liveEvents(postRef)
	var m *discordgo.Message
	err := a.call(ctx, "get message", func(opts ...discordgo.RequestOption) error {
		var err error
		m, err = a.s.ChannelMessage(ch, msg, opts...)
		return err
	})
	if errors.Is(err, bot.ErrGone) {
		// Deleted by hand while the bot was away: the core posts it again,
		// and the votes it knew on it still count.
		return true, a.svc.PostGone(ctx, Platform, postRef)
	}
	if err != nil {
		return false, err
	}
	held := bot.HeldReactions{Post: postRef, Users: map[bot.UserID][]string{}}
	for _, r := range m.Reactions {
		if r.Emoji == nil || r.Emoji.ID != "" {
			continue
		}
		others := r.Count
		if r.Me {
			others--
		}
		if others <= 0 {
			continue
		}
		after := ""
		for {
			var users []*discordgo.User
			err := a.call(ctx, "list reactions", func(opts ...discordgo.RequestOption) error {
				var err error
				users, err = a.s.MessageReactions(ch, msg, r.Emoji.APIName(), 100, "", after, opts...)
				return err
			})
			if err != nil {
				return false, err
			}
			*read += len(users)
			for _, u := range users {
				if a.own(u.ID) || u.Bot {
					continue
				}
				a.ensureKnown(ctx, u.ID)
				held.Users[userID(u.ID)] = append(held.Users[userID(u.ID)], r.Emoji.Name)
			}
			if len(users) < 100 {
				break
			}
			after = users[len(users)-1].ID
		}
	}
	h := &heldRead{held: held, live: live, done: make(chan bool, 1)}
	a.enqueue(ctx, gatewayEvent{held: h})
	select {
	case applied := <-h.done:
		return applied, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// threadRefs are what a thread deleted on Discord took with it
// (THREAD_DELETE; Discord sends nothing for the messages in it), for the
// core, in order. In a forum the post is the case's card, its starter
// message has the thread's id, and it went with the thread: the card goes
// first, so that the case's thread is then started on the card posted
// again. Then the thread, by its reference, and the posts in it whose
// reactions still matter (vote and routing messages). Deleted messages
// (MESSAGE_DELETE, MESSAGE_DELETE_BULK) are told to the core by their
// references alone: a post of the helpdesk that still matters is posted
// again at once, with the votes it held; others the core ignores.
func (a *Adapter) threadRefs(ctx context.Context, thread string) []string {
	refs := []string{ref(thread, thread), thread}
	watched, err := a.svc.Watched(ctx, Platform)
	if err != nil {
		a.log.Error("discord: list watched posts", "err", err)
	}
	for _, r := range watched {
		if ch, _, ok := cutRef(r); ok && ch == thread && r != ref(thread, thread) {
			refs = append(refs, r)
		}
	}
	return refs
}
