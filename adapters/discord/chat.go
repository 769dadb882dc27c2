package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/wmse/helpdesk/bot"
)

// autoArchive is the longest auto-archive duration Discord offers, in
// minutes (a week): threads of open cases stay open as long as they can,
// and are unarchived whenever the helpdesk writes to them.
const autoArchive = 10080

// maxKeys bounds the message keys the adapter remembers.
const maxKeys = 10000

// cutRef splits "CHANNEL/MESSAGE".
func cutRef(r string) (channel, message string, ok bool) {
	channel, message, ok = strings.Cut(r, "/")
	return channel, message, ok && channel != "" && message != ""
}

// sendWithNonce is a message create with Discord's nonce and
// enforce_nonce, which discordgo's MessageSend lacks: a repeat of a send
// whose outcome was unknown returns the message the first one created.
type sendWithNonce struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// send posts one message in channel with nonce and returns its id.
//
// Discord dedups an enforced nonce by author in every channel: the message
// it returns for a nonce may be another one than asked for, when the key
// behind the nonce was used elsewhere too (a copy of the database run as a
// second helpdesk on the same bot). That message is not adopted: the post
// is made again under a nonce of the nonce and the channel, which a repeat
// of this post (its answer lost) still finds, and at last without one.
func (a *Adapter) send(ctx context.Context, channel, nonce string, m *discordgo.MessageSend) (string, error) {
	tries := []string{nonce}
	if nonce != "" {
		tries = append(tries, salted(nonce, channel), "")
	}
	for n, try := range tries {
		msg, err := a.sendOnce(ctx, channel, try, m)
		if err != nil {
			return "", err
		}
		if try == "" || a.asked(msg, channel) {
			return msg.ID, nil
		}
		// No secret in the log: channels and message ids only.
		a.log.Warn("discord: the nonce of a post returned another message, which is not adopted (another helpdesk with the same keys on this bot?); posting again",
			"channel", channel, "returned_channel", msg.ChannelID, "returned_message", msg.ID, "try", n+1)
	}
	return "", fmt.Errorf("discord: post in %s: every nonce returned another message", channel)
}

// asked reports whether msg, which Discord returned for a post in channel,
// is such a post: in that channel, by the helpdesk's bot.
func (a *Adapter) asked(msg *discordgo.Message, channel string) bool {
	if msg.ChannelID != channel {
		return false
	}
	// Before READY the bot's id is not known; the channel must do.
	b, _ := a.ids()
	return b == "" || msg.Author != nil && msg.Author.ID == b
}

// salted is a second nonce for a post whose first nonce was taken by
// another message: the same for every try of the post, and another for
// every channel.
func salted(nonce, channel string) string { return nonceOf("s" + nonce + "/" + channel) }

// sendOnce is one create message call, with nonce when it is not empty.
func (a *Adapter) sendOnce(ctx context.Context, channel, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	var msg discordgo.Message
	err := a.inThread(ctx, channel, func() error {
		return a.call(ctx, "post", func(opts ...discordgo.RequestOption) error {
			body, err := a.s.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(channel),
				sendWithNonce{MessageSend: m, Nonce: nonce, EnforceNonce: nonce != ""},
				discordgo.EndpointChannelMessages(channel), opts...)
			if err != nil {
				return err
			}
			msg = discordgo.Message{}
			if err := discordgo.Unmarshal(body, &msg); err != nil {
				return fmt.Errorf("read the posted message: %w", err)
			}
			return nil
		})
	})
	return &msg, err
}

// nonce is Discord's nonce for part i of the message with key: "h" and 24
// characters of a hash of both (a nonce holds at most 25). Discord
// remembers an enforced nonce per author for minutes, in every channel,
// so the nonce must be as unique as the key, which names the database
// (its installation id) and the outbox row; cutting the key short would
// drop the part that tells databases apart.
func nonce(key string, i int) string {
	if key == "" {
		return ""
	}
	return nonceOf(fmt.Sprintf("%s\x00%d", key, i))
}

// nonceOf is "h" and 24 characters of a hash of s.
func nonceOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "h" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:24]
}

// Post places m: a card (title or fields) as an embed, anything else as
// text, split into several messages beyond 2000 characters. It returns
// "CHANNEL/MESSAGE" of the first. A repeat of a key returns the first
// post's reference (Discord's enforced nonce; a forum post is found by the
// marker in its card). Errors: bot.ErrGone for a channel that is gone or not
// configured, bot.ErrForbidden, bot.ErrUnreachable for a refused DM.
func (a *Adapter) Post(ctx context.Context, to bot.Place, m bot.Message) (string, error) {
	a.mu.Lock()
	done, ok := a.keys[m.Key]
	a.mu.Unlock()
	if ok && m.Key != "" {
		return done, nil
	}
	r := a.render(m)
	var channel string
	switch to.Kind {
	case bot.InCommittee:
		if a.cfg.CommitteeForum {
			return a.forumPost(ctx, m, r)
		}
		channel = a.cfg.CommitteeChannel
	case bot.InGroup:
		channel = a.cfg.GroupChannels[to.Group]
		if channel == "" {
			return "", fmt.Errorf("discord: no channel for working group %q: %w", to.Group, bot.ErrGone)
		}
	case bot.InThread:
		channel = to.Thread
	case bot.InDirect:
		id, ok := snowflake(to.User)
		if !ok {
			return "", fmt.Errorf("discord: %s is not a Discord user: %w", to.User, bot.ErrUnreachable)
		}
		var dm *discordgo.Channel
		err := a.call(ctx, "open DM", func(opts ...discordgo.RequestOption) error {
			var err error
			dm, err = a.s.UserChannelCreate(id, opts...)
			return err
		})
		if err != nil {
			return "", err
		}
		channel = dm.ID
	}
	if channel == "" {
		return "", fmt.Errorf("discord: nowhere to post %+v: %w", to, bot.ErrGone)
	}
	first, err := a.send(ctx, channel, nonce(m.Key, 0), &r.first)
	if err != nil {
		return "", err
	}
	for i, part := range r.more {
		if _, err := a.send(ctx, channel, nonce(m.Key, i+1), &discordgo.MessageSend{Content: part, AllowedMentions: allowed(m.Ping)}); err != nil {
			return "", err
		}
	}
	out := ref(channel, first)
	a.remember(m.Key, out, r, to.Kind == bot.InCommittee)
	return out, nil
}

// maxWhole bounds the whole texts of shortened cards kept for their
// threads. A card's thread starts right after it is posted, so only a
// thread that keeps failing to start (or a core that never starts it)
// leaves one behind; the oldest is forgotten first, and its thread then
// has no copy of the text.
const maxWhole = 128

// remember keeps a key's reference, and the whole text of a shortened card
// for its thread when the card will have one (committee, the case's card):
// a group's card or a direct message never does, and the text it cut is
// in the case's thread already.
func (a *Adapter) remember(key, out string, r rendered, threaded bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if key != "" {
		if len(a.keys) >= maxKeys {
			// A repeat comes within minutes of its first try; Discord's
			// nonce covers the rest.
			clear(a.keys)
		}
		a.keys[key] = out
	}
	if r.edited && threaded {
		a.keepWholeLocked(out, r.whole)
	}
}

// keepWholeLocked keeps the whole text of the shortened card ref, forgetting
// the oldest beyond maxWhole.
func (a *Adapter) keepWholeLocked(ref string, whole []string) {
	if _, ok := a.whole[ref]; ok {
		a.wholeRefs = slices.DeleteFunc(a.wholeRefs, func(r string) bool { return r == ref })
	}
	a.whole[ref] = whole
	a.wholeRefs = append(a.wholeRefs, ref)
	for len(a.wholeRefs) > maxWhole {
		old := a.wholeRefs[0]
		a.wholeRefs = a.wholeRefs[1:]
		delete(a.whole, old)
		a.log.Warn("discord: a shortened card's thread was not started; its whole text is forgotten", "card", old)
	}
}

// takeWholeLocked returns and forgets the whole text kept for card ref.
func (a *Adapter) takeWholeLocked(ref string) []string {
	whole, ok := a.whole[ref]
	if ok {
		delete(a.whole, ref)
		a.wholeRefs = slices.DeleteFunc(a.wholeRefs, func(r string) bool { return r == ref })
	}
	return whole
}

// forumPost opens a post in the committee's forum channel: its starter
// message is the card, its thread the case's thread (same id).
//
// A forum post takes no nonce (Start Thread in Forum Channel has none), so
// a try whose outcome is unknown (its answer lost, the helpdesk killed
// meanwhile) may have made the post, and nothing in this process may
// remember it. The card's embed therefore carries a marker, the key's
// nonce in its link; before creating, the adapter looks for a post of the
// same name among the guild's active threads whose starter message holds
// the marker, and takes it.
func (a *Adapter) forumPost(ctx context.Context, m bot.Message, r rendered) (string, error) {
	name := a.threadName(m.Lang, m.Title)
	marker := ""
	if m.Key != "" && len(r.first.Embeds) > 0 {
		marker = nonce(m.Key, 0)
		found, err := a.findForumPost(ctx, name, marker)
		if err != nil {
			return "", err
		}
		if found != "" {
			out := ref(found, found)
			a.remember(m.Key, out, r, true)
			return out, nil
		}
		e := *r.first.Embeds[0]
		e.URL = a.forumLink(marker)
		r.first.Embeds = append([]*discordgo.MessageEmbed{&e}, r.first.Embeds[1:]...)
	}
	var th *discordgo.Channel
	err := a.call(ctx, "forum post", func(opts ...discordgo.RequestOption) error {
		var err error
		// discordgo would repeat the post after a 502 by itself.
		th, err = a.s.ForumThreadStartComplex(a.cfg.CommitteeChannel, &discordgo.ThreadStart{Name: name, AutoArchiveDuration: autoArchive}, &r.first, append(opts, discordgo.WithRestRetries(0))...)
		return err
	})
	if err != nil {
		return "", err
	}
	out := ref(th.ID, th.ID)
	a.remember(m.Key, out, r, true)
	return out, nil
}

// forumLink is the link of a forum card's title: the forum, and the
// marker that finds the post again.
func (a *Adapter) forumLink(marker string) string {
	return "https://discord.com/channels/" + a.cfg.GuildID + "/" + a.cfg.CommitteeChannel + "?helpdesk=" + marker
}

// findForumPost looks for the forum post a lost try made: an active thread
// of the forum, of the bot, named name, whose starter message's embed
// links with marker. It returns the thread's id, "" when there is none.
func (a *Adapter) findForumPost(ctx context.Context, name, marker string) (string, error) {
	var list *discordgo.ThreadsList
	err := a.call(ctx, "list active threads", func(opts ...discordgo.RequestOption) error {
		var err error
		list, err = a.s.GuildThreadsActive(a.cfg.GuildID, opts...)
		return err
	})
	if err != nil {
		return "", err
	}
	botID, _ := a.ids()
	for _, th := range list.Threads {
		if th.ParentID != a.cfg.CommitteeChannel || th.Name != name || botID != "" && th.OwnerID != "" && th.OwnerID != botID {
			continue
		}
		var starter *discordgo.Message
		err := a.call(ctx, "read forum post", func(opts ...discordgo.RequestOption) error {
			var err error
			starter, err = a.s.ChannelMessage(th.ID, th.ID, opts...)
			return err
		})
		if errors.Is(err, bot.ErrGone) {
			continue
		}
		if err != nil {
			return "", err
		}
		for _, e := range starter.Embeds {
			if e != nil && strings.Contains(e.URL, "helpdesk="+marker) {
				return th.ID, nil
			}
		}
	}
	return "", nil
}

// StartThread opens the case's public thread on the card (in a forum the
// post is the thread already) and returns the thread's id; asked again, it
// returns the same thread. When the card had to be shortened, the whole
// text is posted in the thread.
func (a *Adapter) StartThread(ctx context.Context, cardRef string, name bot.Message) (string, error) {
	ch, msg, ok := cutRef(cardRef)
	if !ok {
		return "", fmt.Errorf("discord: start thread on %q: %w", cardRef, bot.ErrGone)
	}
	thread := msg
	if ch != msg { // a forum post's starter message has the thread's id
		title := a.threadName(name.Lang, name.Title)
		err := a.call(ctx, "start thread", func(opts ...discordgo.RequestOption) error {
			th, err := a.s.MessageThreadStartComplex(ch, msg, &discordgo.ThreadStart{Name: title, AutoArchiveDuration: autoArchive, Type: discordgo.ChannelTypeGuildPublicThread}, opts...)
			if err == nil {
				thread = th.ID
			}
			return err
		})
		// A thread started from a message has the message's id.
		if err != nil && codeOf(err) != codeThreadAlreadyExists {
			return "", err
		}
	}
	a.mu.Lock()
	whole := a.takeWholeLocked(cardRef)
	a.mu.Unlock()
	// The key names the database; the thread alone would not.
	key := "t" + thread
	if name.Key != "" {
		key = name.Key + "/whole"
	}
	for i, part := range whole {
		if _, err := a.send(ctx, thread, nonce(key, i), &discordgo.MessageSend{Content: part, AllowedMentions: allowed(nil)}); err != nil {
			a.log.Warn("discord: post the whole text in the thread", "thread", thread, "err", err)
			break
		}
	}
	return thread, nil
}

// Edit replaces post ref with m; a thread that was archived is unarchived
// for the edit and archived again. A post deleted by hand is bot.ErrGone:
// the core then posts it again as it stands.
func (a *Adapter) Edit(ctx context.Context, postRef string, m bot.Message) error {
	ch, msg, ok := cutRef(postRef)
	if !ok {
		return fmt.Errorf("discord: edit %q: %w", postRef, bot.ErrGone)
	}
	r := a.render(m)
	edit := discordgo.NewMessageEdit(ch, msg)
	edit.Content = &r.first.Content
	embeds := r.first.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if ch == msg && len(embeds) > 0 {
		// A forum card's title links as it did when posted (with the
		// marker that found it), now to the post itself.
		e := *embeds[0]
		e.URL = "https://discord.com/channels/" + a.cfg.GuildID + "/" + ch
		embeds = append([]*discordgo.MessageEmbed{&e}, embeds[1:]...)
	}
	edit.Embeds = &embeds
	components := r.first.Components
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	edit.Components = &components
	edit.AllowedMentions = r.first.AllowedMentions
	reopened, err := a.unarchived(ctx, ch, func() error {
		return a.call(ctx, "edit", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ChannelMessageEditComplex(edit, opts...)
			return err
		})
	})
	if reopened {
		// An edit shows a new state; it does not reopen the discussion
		// (the thread of a closed case stays archived).
		if err := a.setArchived(ctx, ch, true); err != nil {
			a.log.Warn("discord: archive the thread again", "thread", ch, "err", err)
		}
	}
	return err
}

// React adds the helpdesk's reaction emoji to post ref.
func (a *Adapter) React(ctx context.Context, postRef string, emoji string) error {
	ch, msg, ok := cutRef(postRef)
	if !ok {
		return fmt.Errorf("discord: react on %q: %w", postRef, bot.ErrGone)
	}
	return a.inThread(ctx, ch, func() error {
		return a.call(ctx, "react", func(opts ...discordgo.RequestOption) error {
			return a.s.MessageReactionAdd(ch, msg, emoji, opts...)
		})
	})
}

// Unreact takes the helpdesk's own reaction emoji off post ref (Delete Own
// Reaction), when the post stops being a ballot. A message deleted
// meanwhile is bot.ErrGone; a reaction the bot does not hold is no error.
func (a *Adapter) Unreact(ctx context.Context, postRef string, emoji string) error {
	ch, msg, ok := cutRef(postRef)
	if !ok {
		return fmt.Errorf("discord: unreact on %q: %w", postRef, bot.ErrGone)
	}
	return a.inThread(ctx, ch, func() error {
		return a.call(ctx, "unreact", func(opts ...discordgo.RequestOption) error {
			return a.s.MessageReactionRemove(ch, msg, emoji, "@me", opts...)
		})
	})
}

// Invite adds a person to a thread.
func (a *Adapter) Invite(ctx context.Context, thread string, user bot.UserID) error {
	id, ok := snowflake(user)
	if !ok {
		return fmt.Errorf("discord: %s is not a Discord user: %w", user, bot.ErrUnreachable)
	}
	return a.inThread(ctx, thread, func() error {
		return a.call(ctx, "add to thread", func(opts ...discordgo.RequestOption) error {
			return a.s.ThreadMemberAdd(thread, id, opts...)
		})
	})
}

// Archive archives the thread of a closed case.
func (a *Adapter) Archive(ctx context.Context, thread string) error {
	return a.setArchived(ctx, thread, true)
}

// inThread runs fn on channel; when Discord says the channel is an
// archived thread, it unarchives it and runs fn again.
func (a *Adapter) inThread(ctx context.Context, channel string, fn func() error) error {
	_, err := a.unarchived(ctx, channel, fn)
	return err
}

// unarchived is inThread that also reports whether it had to unarchive.
func (a *Adapter) unarchived(ctx context.Context, channel string, fn func() error) (bool, error) {
	err := fn()
	if codeOf(err) != codeThreadArchived {
		return false, err
	}
	if err := a.setArchived(ctx, channel, false); err != nil {
		return false, err
	}
	return true, fn()
}

// Rename names a case's thread again (bot.Renamer): its title was erased.
// An archived thread is unarchived for it and archived again.
func (a *Adapter) Rename(ctx context.Context, thread string, name bot.Message) error {
	title := a.threadName(name.Lang, name.Title)
	unarchived, err := a.unarchived(ctx, thread, func() error {
		return a.call(ctx, "rename", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ChannelEdit(thread, &discordgo.ChannelEdit{Name: title}, opts...)
			return err
		})
	})
	if err != nil || !unarchived {
		return err
	}
	return a.setArchived(ctx, thread, true)
}

func (a *Adapter) setArchived(ctx context.Context, thread string, archived bool) error {
	return a.call(ctx, "archive", func(opts ...discordgo.RequestOption) error {
		_, err := a.s.ChannelEdit(thread, &discordgo.ChannelEdit{Archived: &archived, AutoArchiveDuration: autoArchive}, opts...)
		return err
	})
}

// ThreadURL is the web address of a case's thread, for the dashboard.
func (a *Adapter) ThreadURL(thread string) string {
	if thread == "" || strings.ContainsAny(thread, "/?#") {
		return ""
	}
	return "https://discord.com/channels/" + url.PathEscape(a.cfg.GuildID) + "/" + url.PathEscape(thread)
}
