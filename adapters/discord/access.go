package discord

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// permission is one of Discord's channel permissions the adapter needs,
// with the name Discord's documentation gives it.
type permission struct {
	bit  int64
	name string
}

// Every configured channel is read, posted in and voted in: cards and
// notices, the helpdesk's reactions, reading a message's reactions again
// (which needs its history).
var channelNeeds = []permission{
	{discordgo.PermissionViewChannel, "VIEW_CHANNEL"},
	{discordgo.PermissionSendMessages, "SEND_MESSAGES"},
	{discordgo.PermissionAddReactions, "ADD_REACTIONS"},
	{discordgo.PermissionReadMessageHistory, "READ_MESSAGE_HISTORY"},
}

// The committee channel has a thread per case: started on the card (in a
// forum, the post is the thread), written in, archived and unarchived.
var committeeNeeds = []permission{
	{discordgo.PermissionCreatePublicThreads, "CREATE_PUBLIC_THREADS"},
	{discordgo.PermissionSendMessagesInThreads, "SEND_MESSAGES_IN_THREADS"},
	{discordgo.PermissionManageThreads, "MANAGE_THREADS"},
}

// forumNeeds replace committeeNeeds in a forum: a post is made with
// SEND_MESSAGES (Start Thread in Forum or Media Channel).
var forumNeeds = []permission{
	{discordgo.PermissionSendMessagesInThreads, "SEND_MESSAGES_IN_THREADS"},
	{discordgo.PermissionManageThreads, "MANAGE_THREADS"},
}

// checkAccess makes sure, before the helpdesk starts, that every
// configured channel exists on the server, is of the kind configured, and
// that the bot may do there what the adapter does. Permissions are
// computed from the server's roles, the bot's roles and the channel's
// overwrites, as Discord does (see channelPermissions). The error names
// the configuration key and what is missing.
func (a *Adapter) checkAccess(ctx context.Context) error {
	var me *discordgo.User
	if err := a.call(ctx, "read the bot's user", func(opts ...discordgo.RequestOption) error {
		var err error
		me, err = a.s.User("@me", opts...)
		return err
	}); err != nil {
		return fmt.Errorf("discord: read the bot's user: %w", err)
	}
	var g *discordgo.Guild
	if err := a.call(ctx, "read the server", func(opts ...discordgo.RequestOption) error {
		var err error
		g, err = a.s.Guild(a.cfg.GuildID, opts...)
		return err
	}); err != nil {
		return fmt.Errorf("discord.guild_id: server %s cannot be read (is the bot on it?): %w", a.cfg.GuildID, err)
	}
	var self *discordgo.Member
	if err := a.call(ctx, "read the bot's member", func(opts ...discordgo.RequestOption) error {
		var err error
		self, err = a.s.GuildMember(a.cfg.GuildID, me.ID, opts...)
		return err
	}); err != nil {
		return fmt.Errorf("discord.guild_id: the bot is not a member of server %s: %w", a.cfg.GuildID, err)
	}
	type place struct {
		key, channel string
		needs        []permission
		forum        bool
	}
	committee := place{key: "discord.committee_channel", channel: a.cfg.CommitteeChannel, needs: append(slices.Clone(channelNeeds), committeeNeeds...)}
	if a.cfg.CommitteeForum {
		committee.needs, committee.forum = append(slices.Clone(channelNeeds), forumNeeds...), true
	}
	places := []place{committee}
	groups := make([]string, 0, len(a.cfg.GroupChannels))
	for g := range a.cfg.GroupChannels {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, id := range groups {
		places = append(places, place{key: "discord.groups." + id, channel: a.cfg.GroupChannels[id], needs: channelNeeds})
	}
	for _, p := range places {
		if p.channel == "" {
			return fmt.Errorf("%s: no channel configured", p.key)
		}
		var ch *discordgo.Channel
		err := a.call(ctx, "read a channel", func(opts ...discordgo.RequestOption) error {
			var err error
			ch, err = a.s.Channel(p.channel, opts...)
			return err
		})
		switch {
		case errors.Is(err, bot.ErrGone):
			return fmt.Errorf("%s: channel %s does not exist", p.key, p.channel)
		case errors.Is(err, bot.ErrForbidden):
			return fmt.Errorf("%s: the bot may not see channel %s (VIEW_CHANNEL): %w", p.key, p.channel, err)
		case err != nil:
			return fmt.Errorf("%s: read channel %s: %w", p.key, p.channel, err)
		}
		if ch.GuildID != a.cfg.GuildID {
			return fmt.Errorf("%s: channel %s is not on server %s (discord.guild_id)", p.key, p.channel, a.cfg.GuildID)
		}
		switch {
		case p.forum && ch.Type != discordgo.ChannelTypeGuildForum:
			return fmt.Errorf("%s: channel %s is not a forum channel, and discord.committee_forum is true", p.key, p.channel)
		case !p.forum && ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews:
			return fmt.Errorf("%s: channel %s is not a text channel", p.key, p.channel)
		}
		have := channelPermissions(g, ch, me.ID, self.Roles)
		var missing []string
		for _, n := range p.needs {
			if have&n.bit == 0 {
				missing = append(missing, n.name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%s: the bot lacks %s in channel %s (its roles, or the channel's permission overwrites)", p.key, strings.Join(missing, ", "), p.channel)
		}
	}
	return nil
}

// allPermissions is every permission: discordgo.PermissionAll lacks the
// thread permissions.
const allPermissions = ^int64(0)

// channelPermissions are a member's permissions in a channel, as Discord
// computes them (Permissions, "Permission Hierarchy" and "Permission
// Overwrites"): the owner has all; else the @everyone role's permissions
// (the role whose id is the server's) and those of every role the member
// has; ADMINISTRATOR means all, whatever the overwrites. Then the
// channel's overwrites, in this order: @everyone's, all of the member's
// roles' at once (deny, then allow), the member's own. Without
// VIEW_CHANNEL nothing else is allowed (the implicit denial).
func channelPermissions(g *discordgo.Guild, ch *discordgo.Channel, user string, roles []string) int64 {
	if user == g.OwnerID {
		return allPermissions
	}
	var p int64
	for _, r := range g.Roles {
		if r.ID == g.ID || slices.Contains(roles, r.ID) {
			p |= r.Permissions
		}
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return allPermissions
	}
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == g.ID {
			p = p&^o.Deny | o.Allow
		}
	}
	var allow, deny int64
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID != g.ID && slices.Contains(roles, o.ID) {
			allow |= o.Allow
			deny |= o.Deny
		}
	}
	p = p&^deny | allow
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == user {
			p = p&^o.Deny | o.Allow
		}
	}
	if p&discordgo.PermissionViewChannel == 0 {
		return 0
	}
	return p
}

// Check verifies, changing nothing, what the helpdesk needs of Discord: the
// token, the server, and every configured channel with the bot's
// permissions there (see checkAccess). For helpdesk check.
func (a *Adapter) Check(ctx context.Context) error { return a.checkAccess(ctx) }
