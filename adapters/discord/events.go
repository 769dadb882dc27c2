package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// gatewayEvent is one event for the worker: a reaction added or removed,
// or a (re)connect after which the reactions are read again.
type gatewayEvent struct {
	add       *discordgo.MessageReactionAdd
	remove    *discordgo.MessageReactionRemove
	reconnect bool
	gone      []string // messages deleted ("CHANNEL/MESSAGE")
	thread    string   // a thread (or forum post) deleted
}

// work applies gateway events one at a time, in the order the gateway sent
// them, until ctx ends: a remove right after its add must never be applied
// first, or a vote would stay that nobody holds.
func (a *Adapter) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-a.queue:
			switch {
			case e.add != nil:
				a.reactionAdded(ctx, e.add)
			case e.remove != nil:
				a.reactionRemoved(ctx, e.remove)
			case e.reconnect:
				a.reconnected(ctx)
			case e.gone != nil:
				a.postsGone(ctx, e.gone)
			case e.thread != "":
				a.threadGone(ctx, e.thread)
			}
		}
	}
}

// ref is the helpdesk's reference of a Discord message: "CHANNEL/MESSAGE".
func ref(channel, message string) string { return channel + "/" + message }

func (a *Adapter) reactionAdded(ctx context.Context, e *discordgo.MessageReactionAdd) {
	if a.own(e.UserID) || e.Emoji.ID != "" || !a.ourGuild(e.GuildID) {
		return
	}
	if e.Member != nil && e.Member.User != nil && e.Member.User.Bot {
		// Another bot's reaction is nobody's vote (a reconcile leaves
		// bots out too); its remove then changes nothing.
		return
	}
	name := ""
	if e.Member != nil {
		if e.Member.User == nil {
			e.Member.User = &discordgo.User{ID: e.UserID}
		}
		a.memberSeen(ctx, e.Member)
		name = displayName(e.Member)
	} else {
		a.ensureKnown(ctx, e.UserID)
	}
	r := bot.Reaction{Post: ref(e.ChannelID, e.MessageID), User: userID(e.UserID), Name: name, Emoji: e.Emoji.Name}
	if err := a.svc.ReactionAdded(ctx, r); err != nil && ctx.Err() == nil {
		a.log.Error("discord: reaction added", "post", r.Post, "user", r.User, "err", err)
	}
}

func (a *Adapter) reactionRemoved(ctx context.Context, e *discordgo.MessageReactionRemove) {
	if a.own(e.UserID) || e.Emoji.ID != "" || !a.ourGuild(e.GuildID) {
		return
	}
	// A remove carries no member: the core uses the roles it has, which
	// a miss fetches first.
	a.ensureKnown(ctx, e.UserID)
	r := bot.Reaction{Post: ref(e.ChannelID, e.MessageID), User: userID(e.UserID), Emoji: e.Emoji.Name}
	if err := a.svc.ReactionRemoved(ctx, r); err != nil && ctx.Err() == nil {
		a.log.Error("discord: reaction removed", "post", r.Post, "user", r.User, "err", err)
	}
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
func (a *Adapter) memberSeen(ctx context.Context, m *discordgo.Member) {
	if m.User == nil || m.User.Bot {
		return
	}
	err := a.svc.MemberSeen(ctx, bot.Member{ID: userID(m.User.ID), Name: displayName(m), Roles: a.roles(m.Roles)})
	if err != nil {
		a.log.Error("discord: record member", "user", m.User.ID, "err", err)
		return
	}
	a.mu.Lock()
	a.known[m.User.ID] = true
	a.mu.Unlock()
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
		a.memberSeen(ctx, m)
	}
}

// loadRoster lists the server's members (1000 a page) so that the core
// knows the whole committee, which a majority is counted against. Without
// the Server Members intent Discord refuses: the adapter then knows the
// people it sees.
func (a *Adapter) loadRoster(ctx context.Context) error {
	after := ""
	n := 0
	for {
		var page []*discordgo.Member
		err := a.call(ctx, "list members", func(opts ...discordgo.RequestOption) error {
			var err error
			page, err = a.s.GuildMembers(a.cfg.GuildID, after, 1000, opts...)
			return err
		})
		var ae *apiError
		if errors.As(err, &ae) && ae.status == 401 {
			return fmt.Errorf("discord: the token was refused: %w", err)
		}
		if err != nil {
			a.log.Warn("discord: cannot list the server's members; the committee is known as its members are seen. Enable the Server Members intent of the bot to count the whole committee.", "err", err)
			return nil
		}
		for _, m := range page {
			if m.User != nil {
				a.memberSeen(ctx, m)
				after = m.User.ID
				n++
			}
		}
		if len(page) < 1000 {
			a.log.Info("discord: members listed", "members", n)
			return nil
		}
	}
}

// reconnected follows every Ready and Resumed: it reads the reactions of
// every post whose reactions still matter and hands them to the core,
// which applies the difference (votes cast while the bot was away count,
// none twice).
func (a *Adapter) reconnected(ctx context.Context) {
	refs, err := a.svc.Watched(ctx, Platform)
	if err != nil {
		a.log.Error("discord: list watched posts", "err", err)
		return
	}
	for _, r := range refs {
		if ctx.Err() != nil {
			return
		}
		if err := a.reconcile(ctx, r); err != nil {
			a.log.Warn("discord: reconcile reactions", "post", r, "err", err)
		}
	}
}

// reconcile reads every reaction on one post, page by page, and hands the
// set to the core.
func (a *Adapter) reconcile(ctx context.Context, postRef string) error {
	ch, msg, ok := cutRef(postRef)
	if !ok {
		return nil
	}
	var m *discordgo.Message
	err := a.call(ctx, "get message", func(opts ...discordgo.RequestOption) error {
		var err error
		m, err = a.s.ChannelMessage(ch, msg, opts...)
		return err
	})
	if errors.Is(err, bot.ErrGone) {
		// Deleted by hand while the bot was away: the core posts it again,
		// and the votes it knew on it still count.
		return a.svc.PostGone(ctx, Platform, postRef)
	}
	if err != nil {
		return err
	}
	held := bot.HeldReactions{Post: postRef, Users: map[bot.UserID][]string{}}
	for _, r := range m.Reactions {
		if r.Emoji == nil || r.Emoji.ID != "" {
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
				return err
			}
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
	return a.svc.Reconcile(ctx, Platform, held)
}

// postsGone tells the core of messages deleted on Discord (MESSAGE_DELETE,
// MESSAGE_DELETE_BULK): a post of the helpdesk that still matters is
// posted again at once, with the votes it held. Messages that are not the
// helpdesk's are unknown to the core, which ignores them.
func (a *Adapter) postsGone(ctx context.Context, refs []string) {
	for _, r := range refs {
		if err := a.svc.PostGone(ctx, Platform, r); err != nil && ctx.Err() == nil {
			a.log.Error("discord: a deleted message", "post", r, "err", err)
		}
	}
}

// threadGone tells the core of a thread deleted on Discord (THREAD_DELETE;
// Discord sends nothing for the messages in it). In a forum the post is
// the case's card, its starter message has the thread's id, and it went
// with the thread: the card goes first, so that the case's thread is then
// started on the card posted again. Then the thread, by its reference,
// and the posts in it whose reactions still matter (vote and routing
// messages).
func (a *Adapter) threadGone(ctx context.Context, thread string) {
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
	a.postsGone(ctx, refs)
}
