package discord

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
)

// cardAgain waits for a card in channel other than old whose description
// holds want, with its three vote reactions, and returns its id.
func (h *harness) cardAgain(channel, old, want string) string {
	h.t.Helper()
	var again string
	h.eventually("the card posted again with "+want, func() bool {
		for _, m := range h.f.MessagesIn(channel) {
			if _, d := m.Embed(); m.ID != old && strings.Contains(d, want) && len(m.Reactions) == 3 {
				again = m.ID
				return true
			}
		}
		return false
	})
	return again
}

// A card deleted by hand while the bot runs is posted again at once, with
// the votes it held: MESSAGE_DELETE tells the bot (with the GUILD_MESSAGES
// intent), no reconnect or later edit is needed.
func TestCardDeletedLive(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Fragile")
	h.vote(card, "✅", ana, bo)
	h.eventually("two votes", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 0, 2, 5)) })
	sessions := f.Sessions()
	f.DeleteMessage(committeeCh, card)
	again := h.cardAgain(committeeCh, card, h.tally(2, 0, 0, 2, 5))
	if f.Sessions() != sessions {
		t.Errorf("the bot reconnected: it should not have needed to")
	}
	h.vote(again, "✅", chen)
	h.eventually("accepted by three", func() bool { return strings.Contains(h.cardText(again), h.en(bot.T("stage.routing"))) })
}

// Cards deleted in one bulk delete (MESSAGE_DELETE_BULK) are all posted
// again.
func TestCardsDeletedInBulk(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	one := h.request(rita, "One")
	two := h.request(rita, "Two")
	h.vote(two, "❌", ana)
	h.eventually("ana's vote", func() bool { return strings.Contains(h.cardText(two), h.tally(0, 1, 0, 1, 5)) })
	f.DeleteMessages(committeeCh, one, two)
	h.cardAgain(committeeCh, one, h.tally(0, 0, 0, 0, 5))
	h.cardAgain(committeeCh, two, h.tally(0, 1, 0, 1, 5))
}

// A case's thread deleted by hand while the routing message in it still
// matters: THREAD_DELETE tells the bot, and the routing message is posted
// again, in the thread started again on the card.
func TestThreadDeletedLiveWithRouting(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Routed")
	h.vote(card, "✅", ana, bo, chen)
	routed := func(reactions int) func() bool {
		return func() bool {
			if f.Channel(card).Parent != committeeCh {
				return false
			}
			for _, m := range f.MessagesIn(card) {
				if t, _ := m.Embed(); strings.Contains(t, "working groups") && len(m.Reactions) >= reactions {
					return true
				}
			}
			return false
		}
	}
	h.eventually("the routing message in the thread", routed(7))
	f.DeleteThread(card)
	if f.Channel(card).ID != "" {
		t.Fatal("the thread is still there")
	}
	h.eventually("the thread and its routing message again", routed(0))
	// The reactions queued behind the routing message are done again on
	// it once it is posted in the new thread, not given up.
	h.eventually("the routing message with its reactions", routed(7))
}

// A forum post (the card and the case's thread at once) deleted by hand
// while the bot runs is posted again.
func TestForumPostDeletedLive(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newForumHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{"title": "Forum case", "description": "In a forum."})
	h.reply(token)
	var post string
	h.eventually("the forum post", func() bool {
		for _, c := range f.ChannelsUnder("110") {
			post = c.ID
			return len(f.Message(c.ID).Reactions) == 3
		}
		return false
	})
	f.DeleteThread(post)
	h.eventually("the forum post again", func() bool {
		for _, c := range f.ChannelsUnder("110") {
			if c.ID != post && len(f.Message(c.ID).Reactions) == 3 {
				return true
			}
		}
		return false
	})
	if n := len(f.ChannelsUnder("110")); n != 1 {
		t.Errorf("%d forum posts, want 1", n)
	}
}

// A case's thread deleted by hand while nothing in it is watched (the case
// is in its first vote, on the card): the adapter tells the core the
// thread is gone (PostGone with the thread's reference) and the core
// starts it again on the card.
func TestThreadDeletedLive(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Lost thread")
	h.eventually("the thread", func() bool { return f.Channel(card).Parent == committeeCh })
	f.DeleteThread(card)
	h.eventually("the thread started again on the card", func() bool { return f.Channel(card).Parent == committeeCh })
	_ = discordtest.Guild
}
