package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// The whole text of a shortened card waits in memory for the card's
// thread, and only there: a group's card, which never gets a thread, is
// not kept, and committee cards whose thread never starts are kept up to a
// bound, the oldest forgotten first. The newest still reach their thread.
func TestDiscordShortenedCardsAreBounded(t *testing.T) {
	f := newFakeGuild(t)
	h := newHarness(t, f)
	ctx := context.Background()
	long := func(i int) bot.Message {
		return bot.Message{
			Lang:  "en",
			Title: bot.T("card.title", "id", bot.C(fmt.Sprintf("#%d", i)), "title", bot.S("Postcards")),
			Lines: []bot.Text{bot.Quoted(fmt.Sprintf("card %d: ", i) + strings.Repeat("*", bot.MaxText))},
		}
	}
	const n = 2 * maxWhole
	var last string
	for i := range n {
		if _, err := h.a.Post(ctx, bot.Place{Kind: bot.InGroup, Group: "implementation"}, long(i)); err != nil {
			t.Fatal(err)
		}
		ref, err := h.a.Post(ctx, bot.Place{Kind: bot.InCommittee}, long(n+i))
		if err != nil {
			t.Fatal(err)
		}
		last = ref
	}
	h.a.mu.Lock()
	kept := len(h.a.whole)
	h.a.mu.Unlock()
	if kept > maxWhole {
		t.Errorf("%d shortened cards' whole texts kept in memory", kept)
	}
	thread, err := h.a.StartThread(ctx, last, bot.Message{Lang: "en", Title: bot.T("thread.name", "id", bot.C("#1"), "title", bot.S("Postcards"))})
	if err != nil {
		t.Fatal(err)
	}
	h.eventually("the whole text of the newest card in its thread", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if strings.Contains(m.Content, fmt.Sprintf("card %d", 2*n-1)) {
				return true
			}
		}
		return false
	})
}
