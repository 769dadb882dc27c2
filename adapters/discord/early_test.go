package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// hasOpenVote waits until the core counts user's vote in the open round
// of case id.
func (h *harness) hasOpenVote(id int64, user string) {
	h.t.Helper()
	h.eventually("the core counts the vote of "+user, func() bool {
		recs, err := h.svc.ExportAll(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		for _, r := range recs {
			for _, v := range r.Open {
				if r.Case.ID == id && v.Voter == userID(user) {
					return true
				}
			}
		}
		return false
	})
}

// ana votes on the card the moment it is in the channel, while Discord's
// answer with its id is still on its way to the bot: her reaction reaches
// the core before the card is recorded, and counts once it is (the card's
// reactions are read again then).
func TestAVoteBeforeTheCardIsRecordedCounts(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	first := h.request(rita, "First")

	release := f.Hold("POST", "/channels/"+committeeCh+"/messages")
	defer release()
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{
		"title": "Second", "description": "300 scans from the city archive.",
	})
	h.reply(token)
	var card string
	h.eventually("the second card in the channel (the bot has no answer yet)", func() bool {
		ms := f.MessagesIn(committeeCh)
		if len(ms) < 2 {
			return false
		}
		card = ms[len(ms)-1].ID
		return true
	})
	f.React(ana, card, "✅", false)
	// The gateway's events are applied in order: once bo's vote on the
	// first card, sent after ana's, counts, ana's has been handled, on a
	// card the core did not know yet.
	f.React(bo, first, "❌", false)
	h.hasOpenVote(1, bo)
	release()

	h.vote(card, "✅", bo, chen) // three of five, with ana's
	h.eventually("accepted", func() bool { return strings.Contains(h.cardText(card), h.en(bot.T("stage.routing"))) })
}
