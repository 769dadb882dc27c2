package mattermost

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/bot"
)

// KeyProp is the post property that holds the core's idempotency key.
const KeyProp = "helpdesk_key"

// Post posts m at its place: the committee channel, a group's channel, a
// reply in a case's thread (the thread is the card's post id) or a direct
// message. The key goes into the post's pending_post_id and its
// helpdesk_key property; when an earlier attempt with the same key may
// have succeeded (no answer, a 5xx), the adapter looks for that post in
// the channel or thread before posting again. A message longer than a
// post holds goes on in replies marked as continued.
//
// Errors: bot.ErrGone for an unknown group, channel or thread,
// bot.ErrUnreachable for someone who is not a Mattermost user or cannot
// get a direct message, bot.ErrForbidden when Mattermost refuses.
func (a *Adapter) Post(ctx context.Context, to bot.Place, m bot.Message) (string, error) {
	if err := a.wait(ctx); err != nil {
		return "", err
	}
	// No shortcut on m.Key: a message posted in parts may have failed
	// after its first part, and create skips each part already made.
	channel, root, err := a.where(ctx, to)
	if err != nil {
		return "", err
	}
	parts := split(a.render(m), MaxRunes-200)
	if len(parts) > 1 {
		parts[0] += "\n\n_" + a.say(m.Lang, "card.more_in_thread") + "_"
	}
	ref, err := a.create(ctx, channel, root, m.Key, parts[0])
	if err != nil {
		return "", err
	}
	if root == "" {
		root = ref
	}
	for i, p := range parts[1:] {
		text := "_" + a.say(m.Lang, "card.continued") + "_\n\n" + p
		key := "" // a message without a key has parts without one
		if m.Key != "" {
			key = fmt.Sprintf("%s/%d", m.Key, i+2)
		}
		if _, err := a.create(ctx, channel, root, key, text); err != nil {
			return "", err
		}
	}
	return ref, nil
}

// create makes one post idempotently.
func (a *Adapter) create(ctx context.Context, channel, root, key, text string) (string, error) {
	a.mu.Lock()
	ref, done := a.posted[key]
	uncertain := a.uncertain[key]
	a.mu.Unlock()
	if done && key != "" {
		return ref, nil
	}
	if uncertain {
		ref, err := a.findKey(ctx, channel, root, key)
		if err != nil {
			return "", err
		}
		if ref != "" {
			a.remember(key, ref, channel)
			return ref, nil
		}
	}
	p := &model.Post{ChannelId: channel, RootId: root, Message: text, PendingPostId: pendingID(a.me.Id, key)}
	if key != "" {
		p.AddProp(KeyProp, key)
	}
	var got *model.Post
	err := a.do(ctx, "create post", callOpts{once: true}, func() (r *model.Response, err error) {
		got, r, err = a.client.CreatePost(ctx, p)
		return r, err
	})
	if errors.Is(err, errUnknownOutcome) && key != "" {
		a.mu.Lock()
		a.uncertain[key] = true
		a.mu.Unlock()
	}
	if err != nil {
		return "", err
	}
	if !a.ours(got, channel, root, key) {
		// Mattermost gave back another post made with this pending id
		// within its memory of them (30 s, server-wide): another program,
		// or a bug. Adopting it would edit someone else's post later.
		a.log.Warn("mattermost returned a post that is not the one asked for; posting it anew", "post", got.Id, "channel", got.ChannelId)
		p.PendingPostId = pendingID(a.me.Id, key+"/"+model.NewId())
		err = a.do(ctx, "create post", callOpts{once: true}, func() (r *model.Response, err error) {
			got, r, err = a.client.CreatePost(ctx, p)
			return r, err
		})
		if err != nil {
			return "", err
		}
		if !a.ours(got, channel, root, key) {
			return "", fmt.Errorf("create post: mattermost returned post %s, not the one asked for", got.Id)
		}
	}
	a.remember(key, got.Id, channel)
	return got.Id, nil
}

// ours reports whether a post Mattermost returned for a create is the one
// asked for: the bot's, in the channel and thread, with the key.
func (a *Adapter) ours(p *model.Post, channel, root, key string) bool {
	return p != nil && p.UserId == a.me.Id && p.ChannelId == channel && p.RootId == root &&
		(key == "" || p.GetProp(KeyProp) == key)
}

// pendingID is the post's pending_post_id: Mattermost drops a second post
// with the same one made shortly after the first. Its format is the
// creator's id and a key.
func pendingID(me, key string) string {
	if key == "" {
		return ""
	}
	return me + ":" + key
}

// maxRemembered bounds the memory of posts made: the core retries a post
// for minutes, not days, so the oldest knowledge may go.
const maxRemembered = 50000

func (a *Adapter) remember(key, ref, channel string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.posted) >= maxRemembered {
		a.posted = map[string]string{}
	}
	if len(a.channelOf) >= maxRemembered {
		a.channelOf = map[string]string{} // read again from Mattermost when needed
	}
	if key != "" {
		a.posted[key] = ref
		delete(a.uncertain, key)
	}
	a.channelOf[ref] = channel
}

// findKey looks for a post with the key among the recent posts of a
// channel, or the replies of a thread.
func (a *Adapter) findKey(ctx context.Context, channel, root, key string) (string, error) {
	var list *model.PostList
	err := a.do(ctx, "look for an earlier post", callOpts{}, func() (r *model.Response, err error) {
		if root != "" {
			list, r, err = a.client.GetPostThread(ctx, root, "", false)
		} else {
			list, r, err = a.client.GetPostsForChannel(ctx, channel, 0, 100, "", false, false)
		}
		return r, err
	})
	if err != nil {
		return "", err
	}
	for _, id := range list.Order {
		if p := list.Posts[id]; p != nil && p.GetProp(KeyProp) == key && p.UserId == a.me.Id {
			return p.Id, nil
		}
	}
	return "", nil
}

// where maps a place to a channel and, for a thread, its root post.
func (a *Adapter) where(ctx context.Context, to bot.Place) (channel, root string, err error) {
	switch to.Kind {
	case bot.InCommittee:
		return a.committeeCh, "", nil
	case bot.InGroup:
		if ch := a.groupCh[to.Group]; ch != "" {
			return ch, "", nil
		}
		return "", "", fmt.Errorf("no channel for working group %q: %w", to.Group, bot.ErrGone)
	case bot.InThread:
		if to.Thread == "" {
			return "", "", fmt.Errorf("post in a thread without one: %w", bot.ErrGone)
		}
		ch, err := a.postChannel(ctx, to.Thread)
		return ch, to.Thread, err
	case bot.InDirect:
		ch, err := a.direct(ctx, to.User)
		return ch, "", err
	}
	return "", "", fmt.Errorf("post to %q: %w", to.Kind, bot.ErrGone)
}

// postChannel is the channel of a post: the cache, else Mattermost.
func (a *Adapter) postChannel(ctx context.Context, id string) (string, error) {
	a.mu.Lock()
	ch := a.channelOf[id]
	a.mu.Unlock()
	if ch != "" {
		return ch, nil
	}
	var p *model.Post
	err := a.do(ctx, "read post", callOpts{}, func() (r *model.Response, err error) {
		p, r, err = a.client.GetPost(ctx, id, "")
		return r, err
	})
	if err != nil {
		return "", err
	}
	if p.DeleteAt != 0 {
		return "", fmt.Errorf("post %s was deleted: %w", id, bot.ErrGone)
	}
	a.mu.Lock()
	a.channelOf[id] = p.ChannelId
	a.mu.Unlock()
	return p.ChannelId, nil
}

// direct is the direct channel between the bot and a person.
func (a *Adapter) direct(ctx context.Context, user bot.UserID) (string, error) {
	id := userOf(user)
	if id == "" {
		return "", fmt.Errorf("direct message to %s: %w", user, bot.ErrUnreachable)
	}
	a.mu.Lock()
	ch := a.dms[id]
	a.mu.Unlock()
	if ch != "" {
		return ch, nil
	}
	var c *model.Channel
	err := a.do(ctx, "open direct channel", callOpts{}, func() (r *model.Response, err error) {
		c, r, err = a.client.CreateDirectChannel(ctx, a.me.Id, id)
		return r, err
	})
	if errors.Is(err, bot.ErrGone) || errors.Is(err, bot.ErrForbidden) {
		return "", fmt.Errorf("direct message to %s: %w (%w)", user, bot.ErrUnreachable, err)
	}
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.dms[id] = c.Id
	a.mu.Unlock()
	return c.Id, nil
}

// StartThread returns the card's own post id: in Mattermost a thread is
// the replies to a root post, so the card is its thread. bot.ErrGone when
// the card was deleted.
func (a *Adapter) StartThread(ctx context.Context, ref string, _ bot.Message) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("start thread: no post: %w", bot.ErrGone)
	}
	if err := a.wait(ctx); err != nil {
		return "", err
	}
	var p *model.Post
	err := a.do(ctx, "read card", callOpts{}, func() (r *model.Response, err error) {
		p, r, err = a.client.GetPost(ctx, ref, "")
		return r, err
	})
	if err != nil {
		return "", err
	}
	if p.DeleteAt != 0 || p.RootId != "" {
		return "", fmt.Errorf("start thread on %s: %w", ref, bot.ErrGone)
	}
	a.mu.Lock()
	a.channelOf[ref] = p.ChannelId
	a.mu.Unlock()
	return ref, nil
}

// Edit replaces the text of post ref with m; a message too long for a
// post is cut, saying that the rest is in the thread. bot.ErrGone when
// the post was deleted.
func (a *Adapter) Edit(ctx context.Context, ref string, m bot.Message) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	text := a.render(m)
	if parts := split(text, MaxRunes-200); len(parts) > 1 {
		text = parts[0] + "\n\n_" + a.say(m.Lang, "card.more_in_thread") + "_"
	}
	err := a.do(ctx, "edit post", callOpts{quiet403: true}, func() (r *model.Response, err error) {
		_, r, err = a.client.PatchPost(ctx, ref, &model.PostPatch{Message: &text})
		return r, err
	})
	return a.goneOrForbidden(ctx, ref, "edit post", err)
}

// goneOrForbidden tells a deleted post from a refusal: Mattermost answers
// an edit (and, depending on the version, a reaction) on a post it cannot
// find with 403, and the core reposts a gone card but only tells staff of
// a refusal. It looks the post up: gone, it is bot.ErrGone; there, the
// refusal stands (and is logged).
func (a *Adapter) goneOrForbidden(ctx context.Context, ref, what string, err error) error {
	if !errors.Is(err, bot.ErrForbidden) {
		return err
	}
	var p *model.Post
	perr := a.do(ctx, "read post", callOpts{quiet403: true}, func() (r *model.Response, err error) {
		p, r, err = a.client.GetPost(ctx, ref, "")
		return r, err
	})
	if errors.Is(perr, bot.ErrGone) || perr == nil && p.DeleteAt != 0 {
		return fmt.Errorf("%s %s: the post was deleted: %w", what, ref, bot.ErrGone)
	}
	a.log.Warn("mattermost refused: the bot lacks a permission", "call", what, "post", ref, "err", err)
	return err
}

// React adds the bot's own reaction emoji to post ref.
func (a *Adapter) React(ctx context.Context, ref string, emoji string) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	r := &model.Reaction{UserId: a.me.Id, PostId: ref, EmojiName: emojiName(emoji)}
	err := a.do(ctx, "add reaction", callOpts{quiet403: true}, func() (resp *model.Response, err error) {
		_, resp, err = a.client.SaveReaction(ctx, r)
		return resp, err
	})
	return a.goneOrForbidden(ctx, ref, "add reaction", err)
}

// Unreact takes the bot's own reaction emoji off post ref. A post already
// gone has none: bot.ErrGone.
func (a *Adapter) Unreact(ctx context.Context, ref string, emoji string) error {
	if err := a.wait(ctx); err != nil {
		return err
	}
	r := &model.Reaction{UserId: a.me.Id, PostId: ref, EmojiName: emojiName(emoji)}
	err := a.do(ctx, "remove reaction", callOpts{quiet403: true}, func() (*model.Response, error) {
		return a.client.DeleteReaction(ctx, r)
	})
	return a.goneOrForbidden(ctx, ref, "remove reaction", err)
}

// Invite brings a person into a case's thread, without ever widening what
// they can read: a member of the committee channel is made to follow the
// thread; someone else is added to the channel only when it is public
// (anyone in the team may join it anyway). A private committee channel is
// never opened to a claimer: it would show them every case, where the
// helpdesk's rule is that a group member sees the cases of their group.
// They follow the case on their group's card and with /helpdesk status.
// Where the bot may not make others follow, it mentions them in the thread
// instead, which makes Mattermost follow it for them.
func (a *Adapter) Invite(ctx context.Context, thread string, user bot.UserID) error {
	id := userOf(user)
	if id == "" {
		return fmt.Errorf("invite %s: %w", user, bot.ErrUnreachable)
	}
	if err := a.wait(ctx); err != nil {
		return err
	}
	// The thread is read afresh, not from the cache, which post_deleted
	// may not have reached yet: following a deleted thread is not known
	// to fail (the fake lets it), and an invitation is rare (a claim).
	a.mu.Lock()
	delete(a.channelOf, thread)
	a.mu.Unlock()
	channel, err := a.postChannel(ctx, thread)
	if err != nil {
		return err
	}
	var member *model.ChannelMember
	err = a.do(ctx, "read channel member", callOpts{}, func() (r *model.Response, err error) {
		member, r, err = a.client.GetChannelMember(ctx, channel, id, "")
		return r, err
	})
	if errors.Is(err, bot.ErrGone) || member == nil {
		if !a.committeePublic {
			a.log.Info("not added to the private committee channel: it would show them every case", "user", id, "thread", thread)
			return nil
		}
		err = a.do(ctx, "add to channel", callOpts{}, func() (r *model.Response, err error) {
			_, r, err = a.client.AddChannelMember(ctx, channel, id)
			return r, err
		})
	}
	if err != nil {
		return err
	}
	if !a.followForbidden.Load() {
		err = a.do(ctx, "follow thread", callOpts{}, func() (*model.Response, error) {
			return a.client.UpdateThreadFollowForUser(ctx, id, a.teamID, thread, true)
		})
		if !errors.Is(err, bot.ErrForbidden) {
			return err
		}
		// Making others follow needs the permission to edit other users;
		// a mention does it too. Not asked again until a restart.
		a.followForbidden.Store(true)
	}
	u, err := a.user(ctx, id)
	if err != nil {
		return err
	}
	lang := a.svc.Config().CommitteeLang
	text := a.say(lang, "mattermost.invited", "who", bot.C("@"+u.Username))
	key := fmt.Sprintf("invite/%s/%s/%d", thread, id, time.Now().Unix()/3600)
	_, err = a.create(ctx, channel, thread, key, text)
	return err
}

// ThreadURL is the web address of a case's thread (its card's permalink),
// for the dashboard.
func (a *Adapter) ThreadURL(thread string) string {
	if !model.IsValidId(thread) {
		return ""
	}
	return a.url + "/" + url.PathEscape(a.opt.Team) + "/pl/" + thread
}
