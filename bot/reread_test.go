package bot_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// rereadChat is the fake platform with the reactions people hold on it,
// read again when the core asks (bot.Rereader), as the Discord and
// Mattermost adapters do. It hands the read to the core at once: no live
// event comes meanwhile in these tests.
type rereadChat struct {
	*fakeChat
	h *harness // its svc is the one running (a restart replaces it)

	mu    sync.Mutex
	shows map[string]map[bot.UserID][]string // post → person → emoji
	reads []string
}

var _ bot.Rereader = (*rereadChat)(nil)

func (r *rereadChat) Reread(ctx context.Context, ref string) {
	r.mu.Lock()
	r.reads = append(r.reads, ref)
	held := bot.HeldReactions{Post: ref, Users: map[bot.UserID][]string{}}
	for u, es := range r.shows[ref] {
		held.Users[u] = slices.Clone(es)
	}
	r.mu.Unlock()
	if err := r.h.svc.Reconcile(ctx, "shell", held); err != nil {
		r.h.t.Errorf("reconcile %s: %v", ref, err)
	}
}

// earlyVote makes name click emoji on the next card the moment it is on
// the platform, before the helpdesk has recorded it: the platform shows
// the reaction, and its event reaches the core first.
func (r *rereadChat) earlyVote(name, emoji string, then func()) {
	f := r.fakeChat
	f.afterPost = func() {
		f.mu.Lock()
		s := f.log[len(f.log)-1]
		f.mu.Unlock()
		if s.Place.Kind != bot.InCommittee {
			return
		}
		f.afterPost = nil
		r.mu.Lock()
		r.shows[s.Ref] = map[bot.UserID][]string{id(name): {emoji}}
		r.mu.Unlock()
		if err := r.h.svc.ReactionAdded(r.h.ctx, bot.Reaction{Post: s.Ref, User: id(name), Emoji: emoji}); err != nil {
			r.h.t.Errorf("early vote: %v", err)
		}
		if then != nil {
			then()
		}
	}
}

func newRereadHarness(t *testing.T) (*harness, *rereadChat) {
	h := newHarness(t)
	rc := &rereadChat{fakeChat: h.chat, h: h, shows: map[string]map[bot.UserID][]string{}}
	h.svc.Attach("shell", rc)
	return h, rc
}

// ana votes on the card before the helpdesk knows it is the card; her
// vote counts once it is recorded, and only posts whose reactions mean
// something are read again.
func TestAVoteBeforeTheCardIsRecordedCounts(t *testing.T) {
	h, rc := newRereadHarness(t)
	rc.earlyVote("ana", "✅", nil)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	card := h.target(c, "ana", "✅")
	rc.mu.Lock()
	reads := slices.Clone(rc.reads)
	rc.mu.Unlock()
	if !slices.Equal(reads, []string{card}) {
		t.Errorf("posts read again: %v, want only the card %s", reads, card)
	}
	h.react(c, "bo", "✅")
	h.react(c, "chen", "✅") // three of five with ana's
	h.wantStage(c, bot.Routing)
}

// The helpdesk dies after the card was made and before it was recorded,
// with ana's vote on it: the card made again with the same key is the
// same card, and her vote is read once it is recorded.
func TestAVoteBeforeACrashBetweenPostAndRecordCounts(t *testing.T) {
	h, rc := newRereadHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	rc.earlyVote("ana", "✅", cancel)
	resp := h.cmd("rita", "request media-upload")
	sub := bot.Submission{Kind: resp.Form.Kind, Type: resp.Form.Type, Values: map[string]string{"title": "Postcards", "description": "300 postcards."}}
	h.svc.Submit(h.ctx, h.inv("rita"), sub)
	if _, err := h.svc.Deliver(ctx, "shell"); err == nil {
		t.Fatal("delivery went on after the crash")
	}
	h.restart()
	h.svc.Attach("shell", rc)
	h.deliver()
	if n := len(h.posted(0, "card.title")); n != 1 {
		t.Fatalf("%d cards, want 1", n)
	}
	h.react(1, "bo", "✅")
	h.react(1, "chen", "✅")
	h.wantStage(1, bot.Routing)
}
