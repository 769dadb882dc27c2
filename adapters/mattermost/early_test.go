package mattermost_test

import (
	"context"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// hasOpenVote waits until the core counts who's vote in the open round of
// case id.
func (h *harness) hasOpenVote(id int64, who string) {
	h.t.Helper()
	h.eventually("the core counts "+who+"'s vote on case", func() bool {
		recs, err := h.svc.ExportAll(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range recs {
			for _, v := range r.Open {
				if r.Case.ID == id && v.Voter == bot.UserID("mattermost:"+h.users[who]) {
					return true
				}
			}
		}
		return false
	})
}

// bea votes on the card the moment it is in the channel, while
// Mattermost's answer with its id is still on its way to the bot: her
// reaction reaches the core before the card is recorded, and counts once
// it is (the card's reactions are read again then).
func TestAVoteBeforeTheCardIsRecordedCounts(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	first := h.card(1)
	h.botReacted(first.Id, "white_check_mark", "x", "question")

	release := h.fake.HoldPosts(h.comm)
	defer release()
	h.request("rita", "media-upload", scans())
	card := h.card(2) // in the channel; the bot has no answer yet
	if err := h.fake.React(h.users["bea"], card.Id, "white_check_mark"); err != nil {
		t.Fatal(err)
	}
	// The WebSocket's events are handled in order: once carl's vote on
	// the first card, sent after bea's, counts, bea's has been handled,
	// on a card the core did not know yet.
	if err := h.fake.React(h.users["carl"], first.Id, "x"); err != nil {
		t.Fatal(err)
	}
	h.hasOpenVote(1, "carl")
	release()

	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("carl", card.Id, "white_check_mark") // two of three, with bea's
	h.reply(card.Id, "which working groups")
}
