package discord

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
)

// botReactions lists the emoji the bot holds on a message.
func botReactions(m discordtest.Message) []string {
	var out []string
	for _, r := range m.Reactions {
		if r.User == discordtest.Bot {
			out = append(out, r.Emoji)
		}
	}
	return out
}

// When a round ends as needing information (three ❓), the card is no
// longer a ballot: the helpdesk takes its ✅❌❓ off it; the members' own
// reactions stay.
func TestBallotEndedTakesTheBotsReactionsOff(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Questions")
	if got := botReactions(f.Message(card)); len(got) != 3 {
		t.Fatalf("the bot holds %v on the card", got)
	}
	h.vote(card, "❓", ana, bo, chen)
	h.eventually("the bot's reactions off the card", func() bool { return len(botReactions(f.Message(card))) == 0 })
	var held []string
	for _, r := range f.Message(card).Reactions {
		held = append(held, r.User)
	}
	if !slices.Equal(held, []string{ana, bo, chen}) {
		t.Errorf("reactions left on the card: %v", f.Message(card).Reactions)
	}
	// The bot's own MESSAGE_REACTION_REMOVE events are no votes taken back.
	if strings.Contains(h.log.String(), "level=ERROR") {
		t.Errorf("errors:\n%s", h.log)
	}
}

// Unreact on a message deleted meanwhile is bot.ErrGone.
func TestUnreactDeletedMessage(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Gone")
	f.DeleteMessage(committeeCh, card)
	if err := h.a.Unreact(context.Background(), ref(committeeCh, card), "✅"); !errors.Is(err, bot.ErrGone) {
		t.Errorf("Unreact on a deleted message: %v, want ErrGone", err)
	}
}
