package discord

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// reconciled is how many reconciles the adapter has finished.
func (h *harness) reconciled() int { return strings.Count(h.log.String(), "reactions reconciled") }

// After a reconnect the reactions of every open case are read again, at
// the pace Discord allows. A vote cast meanwhile is not held up behind
// that: the core has it while the reconcile is provably still reading
// (its reads are held back), and the reconcile does not undo it.
func TestLiveVoteDuringReconcile(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	const many = 8 // requesters have at most 3 open cases each
	for i := range many {
		f.AddMember(fmt.Sprint(8100+i), fmt.Sprintf("r%d", i))
	}
	h := newHarness(t, f)
	h.eventually("the first reconcile", func() bool { return h.reconciled() == 1 })
	var cards []string
	for i := range many {
		card := h.request(fmt.Sprint(8100+i), fmt.Sprintf("Case %d", i+1))
		h.vote(card, "✅", ana)
		cards = append(cards, card)
	}
	for _, c := range cards {
		h.eventually("ana's vote", func() bool { return strings.Contains(h.cardText(c), h.tally(1, 0, 0, 1, 5)) })
	}
	release := f.Hold("GET", "/channels/"+committeeCh+"/messages/")
	f.DropGateway()
	f.WaitReady(t)
	h.eventually("the reconcile reading", func() bool { return len(f.Calls("GET", "/channels/"+committeeCh+"/messages/")) > 0 })
	last := cards[len(cards)-1]
	h.vote(last, "❌", bo)
	h.eventually("bo's live vote on the card", func() bool { return strings.Contains(h.cardText(last), h.tally(1, 1, 0, 2, 5)) })
	if n := h.reconciled(); n != 1 {
		t.Fatalf("%d reconciles finished while the reads were held", n)
	}
	release()
	h.eventually("the reconcile done", func() bool { return h.reconciled() == 2 })
	for _, c := range cards[:len(cards)-1] {
		if !strings.Contains(h.cardText(c), h.tally(1, 0, 0, 1, 5)) {
			t.Errorf("card %s: %q", c, h.cardText(c))
		}
	}
	h.eventually("bo's vote kept", func() bool { return strings.Contains(h.cardText(last), h.tally(1, 1, 0, 2, 5)) })
	// Emoji only the bot holds were not listed.
	if n := len(f.Calls("GET", "/reactions/❓")); n != 0 {
		t.Errorf("%d reads of ❓, which only the bot holds", n)
	}
}

// The race between a reconcile and a live event: the reconcile reads a
// post's ✅ list (ana holds it), ana takes her vote back (a live event the
// core applies at once), and only then does the reconcile's read arrive.
// Handing that stale list to the core would give ana her vote back.
func TestLiveRemoveDuringReconcileNotUndone(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.eventually("the first reconcile", func() bool { return h.reconciled() == 1 })
	card := h.request(rita, "Race")
	h.vote(card, "✅", ana)
	h.eventually("ana's vote", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 0, 0, 1, 5)) })
	list := "/channels/" + committeeCh + "/messages/" + card + "/reactions/✅"
	release := f.Hold("GET", list)
	f.DropGateway()
	f.WaitReady(t)
	h.eventually("the ✅ list read (its answer held)", func() bool { return len(f.Calls("GET", list)) == 1 })
	f.Unreact(ana, card, "✅", false)
	h.eventually("ana's vote taken back", func() bool { return strings.Contains(h.cardText(card), h.tally(0, 0, 0, 0, 5)) })
	release()
	h.eventually("the reconcile done", func() bool { return h.reconciled() == 2 })
	recs, err := h.svc.ExportAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(recs[0].Open) != 0 {
		t.Errorf("votes after the reconcile: %+v, want none", recs[0].Open)
	}
}
