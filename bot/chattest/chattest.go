// Package chattest checks that an implementation of bot.Chat keeps the
// promises written in bot/ports.go, in the spirit of testing/fstest.TestFS
// and golang.org/x/net/nettest.TestConn: one suite, run against every
// platform's adapter over its fake and against the core's own in-memory
// fake, so that a fake which breaks a promise fails the same test as the
// adapter would.
//
// The suite asserts effects, not only return values: after each call it
// reads, through the Harness, what the platform now shows (a post's place
// and text, the helpdesk's reactions on it, who follows a thread). The
// promises checked:
//
//   - Post puts a message where it was asked (the committee channel, a
//     working group's channel, a person's direct messages, a case's
//     thread) and returns a reference to it.
//   - Post with a key the platform has already seen returns the earlier
//     post's reference and posts nothing, in that place or any other;
//     posts with other keys are posts of their own, even with the same
//     words.
//   - StartThread asked again for a post that has a thread returns that
//     thread; posts made in it show in it.
//   - Edit replaces the content of a post, in place (a card by plain text
//     and back), and makes no new post.
//   - React adds the helpdesk's own reaction; reacting again with an emoji
//     it holds shows it once.
//   - Invite makes a person follow a thread; asked again, it does not
//     fail (the outbox delivers at least once).
//   - ErrGone for an edit, a reaction, a thread, a post or an invitation
//     on a post or thread a person deleted (where the harness can delete:
//     Deleter); ErrUnreachable for a direct message to a person who cannot
//     get one (Unreachables); ErrForbidden where the platform refuses a
//     post (Refuser). In each case nothing is shown.
//   - The optional behaviours, when the Chat has them: Unreacter takes the
//     helpdesk's own reaction off and only it (none held is no error; a
//     deleted post is ErrGone); Archiver archives a thread, whose posts
//     can still be edited and which still takes posts (the core refreshes
//     a closed case's ballots and may write there); Pacer names a positive
//     interval at which edits land.
//
// Reading reactions back for a reconcile is not part of bot.Chat: each
// adapter reads them from its platform and hands them to
// bot.Service.Reconcile, and is tested there. The suite reads them only to
// see what React and Unreact did.
package chattest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// Harness is what the suite needs of a platform beyond bot.Chat: places to
// post to and a way to read what the platform shows. A harness may also
// implement Deleter, Unreachables, Refuser and Archives; the checks that
// need one are skipped, saying so, when it does not.
type Harness interface {
	// Chat is the implementation under test.
	Chat() bot.Chat
	// Group is a working group the platform has a channel for.
	Group() string
	// Person is someone who can get direct messages and join threads.
	Person() bot.UserID
	// Read returns what the platform shows of post ref now; false when it
	// shows nothing (never posted, or deleted).
	Read(ref string) (Shown, bool)
	// Posts lists the posts the platform shows in a place, oldest first:
	// in a thread, its posts without the one it was started on.
	Posts(in bot.Place) []string
	// Members lists the people who follow a thread (the helpdesk's own
	// account left out), in any order.
	Members(thread string) []bot.UserID
}

// Shown is what a platform shows of one post.
type Shown struct {
	// Place is where the post is, in the core's words.
	Place bot.Place
	// Text is everything the post says, as rendered: title, lines and
	// fields, in the platform's markup.
	Text string
	// Reactions are the emoji the helpdesk itself holds on the post, in
	// the order shown, each as many times as shown.
	Reactions []string
}

// Deleter is a harness whose platform lets a person delete a post or a
// thread (a moderator, by hand).
type Deleter interface {
	// Delete deletes post or thread ref, as a person would.
	Delete(ref string)
}

// Unreachables is a harness whose platform has people the helpdesk cannot
// write to privately (closed direct messages).
type Unreachables interface {
	// Unreachable is a person a direct message cannot reach.
	Unreachable() bot.UserID
}

// Refuser is a harness whose platform can refuse the helpdesk a place for
// lack of permission.
type Refuser interface {
	// Refuse takes away the helpdesk's right to post in a place, as an
	// admin would, and returns the place.
	Refuse() bot.Place
}

// Archives is a harness that can tell whether a thread is archived; the
// suite needs it to check a Chat that is a bot.Archiver.
type Archives interface {
	Archived(thread string) bool
}

// TestChat runs the suite. mk makes a new harness, on a platform of its
// own, for each test; it may register cleanups on the t it is given. The
// tests run in parallel.
func TestChat(t *testing.T, mk func(t *testing.T) Harness) {
	s := &suite{install: newInstall()}
	tests := []struct {
		name string
		fn   func(t *testing.T, c *check)
	}{
		{"PostGoesWhereAsked", s.postGoesWhereAsked},
		{"PostWithASeenKeyPostsNothing", s.postWithASeenKeyPostsNothing},
		{"PostsWithOtherKeysArePostsOfTheirOwn", s.otherKeysArePosts},
		{"StartThreadAgainReturnsTheThread", s.startThreadAgain},
		{"EditReplacesTheContent", s.editReplaces},
		{"ReactAddsTheHelpdesksReaction", s.reactAdds},
		{"InviteMakesAPersonFollow", s.invite},
		{"DeletedPostIsGone", s.deletedPost},
		{"DeletedThreadIsGone", s.deletedThread},
		{"UnreachablePerson", s.unreachable},
		{"RefusedPlaceIsForbidden", s.forbidden},
		{"Unreact", s.unreact},
		{"Archive", s.archive},
		{"Pacer", s.pacer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Each test has a platform of its own; some wait out an
			// adapter's shutdown or an edit interval.
			t.Parallel()
			h := mk(t)
			tc.fn(t, &check{suite: s, t: t, h: h, chat: h.Chat(), ctx: context.Background()})
		})
	}
}

// suite holds what the tests of one run share: the installation part of
// the keys, so that no two posts of a run share a key.
type suite struct {
	install string
	seq     atomic.Int64
}

// newInstall is a random installation id, as the core's keys carry one.
func newInstall() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// key is a fresh idempotency key in the core's form, helpdesk-INSTALL-N.
func (s *suite) key() string {
	return fmt.Sprintf("helpdesk-%s-%d", s.install, s.seq.Add(1))
}

// word is a fresh word that no renderer changes (letters and digits).
func (s *suite) word() string {
	return fmt.Sprintf("w%sx%d", s.install, s.seq.Add(1))
}

// check is one test's view of the harness.
type check struct {
	*suite
	t    *testing.T
	h    Harness
	chat bot.Chat
	ctx  context.Context
}

// plain is a message of one line, word.
func (c *check) plain(key, word string) bot.Message {
	return bot.Message{Key: key, Lang: "en", Lines: []bot.Text{bot.Quoted(word)}}
}

// card is a message with a title and a field, as the core's cards are.
func (c *check) card(key, title, value string) bot.Message {
	return bot.Message{Key: key, Lang: "en", Title: bot.Quoted(title),
		Fields: []bot.Field{{Label: bot.Quoted("label"), Value: bot.Quoted(value)}}}
}

func (c *check) post(to bot.Place, m bot.Message) string {
	c.t.Helper()
	ref, err := c.chat.Post(c.ctx, to, m)
	if err != nil {
		c.t.Fatalf("Post(%+v): %v", to, err)
	}
	if ref == "" {
		c.t.Fatalf("Post(%+v) returned an empty reference", to)
	}
	return ref
}

// thread posts a card in the committee channel and starts a thread on it.
func (c *check) thread() (card, thread string) {
	c.t.Helper()
	card = c.post(bot.Place{Kind: bot.InCommittee}, c.card(c.key(), c.word(), c.word()))
	thread, err := c.chat.StartThread(c.ctx, card, bot.Message{Key: c.key(), Lang: "en", Title: bot.Quoted(c.word())})
	if err != nil {
		c.t.Fatalf("StartThread(%s): %v", card, err)
	}
	if thread == "" {
		c.t.Fatalf("StartThread(%s) returned an empty reference", card)
	}
	return card, thread
}

// read is what the platform shows of ref; the test fails when it shows
// nothing.
func (c *check) read(ref string) Shown {
	c.t.Helper()
	s, ok := c.h.Read(ref)
	if !ok {
		c.t.Fatalf("the platform shows no post %s", ref)
	}
	return s
}

// sameEmoji compares lists of emoji as the core does: with or without
// variation selectors (bot.NormEmoji), as platforms deliver them.
func sameEmoji(a, b []string) bool {
	return slices.EqualFunc(a, b, func(x, y string) bool { return bot.NormEmoji(x) == bot.NormEmoji(y) })
}

// says reports whether a shown text has word, direction isolates aside.
func says(s Shown, word string) bool {
	return strings.Contains(locales.StripIsolates(s.Text), word)
}

// wantShown checks that post ref is at place and says every word.
func (c *check) wantShown(ref string, at bot.Place, words ...string) Shown {
	c.t.Helper()
	s := c.read(ref)
	if s.Place != at {
		c.t.Errorf("post %s shows at %+v, want %+v", ref, s.Place, at)
	}
	for _, w := range words {
		if !says(s, w) {
			c.t.Errorf("post %s does not say %q: %q", ref, w, s.Text)
		}
	}
	return s
}

// saying lists the posts of a place that say word.
func (c *check) saying(in bot.Place, word string) []string {
	var out []string
	for _, ref := range c.h.Posts(in) {
		if s, ok := c.h.Read(ref); ok && says(s, word) {
			out = append(out, ref)
		}
	}
	return out
}

func (s *suite) postGoesWhereAsked(t *testing.T, c *check) {
	card, thread := c.thread()
	places := []struct {
		name string
		to   bot.Place
	}{
		{"committee", bot.Place{Kind: bot.InCommittee}},
		{"group", bot.Place{Kind: bot.InGroup, Group: c.h.Group()}},
		{"direct", bot.Place{Kind: bot.InDirect, User: c.h.Person()}},
		{"thread", bot.Place{Kind: bot.InThread, Thread: thread}},
	}
	for _, p := range places {
		w := c.word()
		ref := c.post(p.to, c.plain(c.key(), w))
		c.wantShown(ref, p.to, w)
		if got := c.saying(p.to, w); !slices.Equal(got, []string{ref}) {
			t.Errorf("%s: posts saying %q there: %v, want [%s]", p.name, w, got, ref)
		}
	}
	c.wantShown(card, bot.Place{Kind: bot.InCommittee})
	if n := len(c.h.Posts(bot.Place{Kind: bot.InThread, Thread: thread})); n != 1 {
		t.Errorf("the thread shows %d posts, want the 1 made in it", n)
	}
}

func (s *suite) postWithASeenKeyPostsNothing(t *testing.T, c *check) {
	committee := bot.Place{Kind: bot.InCommittee}
	group := bot.Place{Kind: bot.InGroup, Group: c.h.Group()}
	key, first, second, third := c.key(), c.word(), c.word(), c.word()
	ref := c.post(committee, c.plain(key, first))
	before := len(c.h.Posts(committee))
	// Tried again, the message may be rendered anew and say other words.
	again := c.post(committee, c.plain(key, second))
	if again != ref {
		t.Errorf("Post with a key seen returned %q, want the earlier post %q", again, ref)
	}
	if n := len(c.h.Posts(committee)); n != before {
		t.Errorf("the committee channel shows %d posts after a repeat, want %d", n, before)
	}
	if got := c.saying(committee, second); len(got) > 0 {
		t.Errorf("a repeat was posted: %v", got)
	}
	c.wantShown(ref, committee, first)

	// The key is the platform's, whatever the place.
	groupBefore := len(c.h.Posts(group))
	elsewhere := c.post(group, c.plain(key, third))
	if elsewhere != ref {
		t.Errorf("Post with a key seen, to another place, returned %q, want the earlier post %q", elsewhere, ref)
	}
	if n := len(c.h.Posts(group)); n != groupBefore {
		t.Errorf("the group's channel shows %d posts after a repeat elsewhere, want %d", n, groupBefore)
	}
}

func (s *suite) otherKeysArePosts(t *testing.T, c *check) {
	committee := bot.Place{Kind: bot.InCommittee}
	w := c.word()
	a := c.post(committee, c.plain(c.key(), w))
	b := c.post(committee, c.plain(c.key(), w))
	if a == b {
		t.Fatalf("two keys, one post: %s", a)
	}
	if got := c.saying(committee, w); !slices.Equal(got, []string{a, b}) {
		t.Errorf("posts saying %q: %v, want [%s %s]", w, got, a, b)
	}
}

func (s *suite) startThreadAgain(t *testing.T, c *check) {
	card, thread := c.thread()
	again, err := c.chat.StartThread(c.ctx, card, bot.Message{Key: c.key(), Lang: "en", Title: bot.Quoted(c.word())})
	if err != nil {
		t.Fatalf("StartThread again: %v", err)
	}
	if again != thread {
		t.Errorf("StartThread again returned %q, want the thread %q", again, thread)
	}
	in := bot.Place{Kind: bot.InThread, Thread: thread}
	w := c.word()
	ref := c.post(in, c.plain(c.key(), w))
	c.wantShown(ref, in, w)
	// Another card has a thread of its own.
	_, other := c.thread()
	if other == thread {
		t.Errorf("two cards share the thread %q", thread)
	}
}

func (s *suite) editReplaces(t *testing.T, c *check) {
	for _, at := range []bot.Place{{Kind: bot.InCommittee}, {Kind: bot.InDirect, User: c.h.Person()}} {
		title, value, plain, last := c.word(), c.word(), c.word(), c.word()
		ref := c.post(at, c.card(c.key(), title, value))
		before := c.h.Posts(at)
		// A card becomes plain text: nothing of the card may stay.
		if err := c.chat.Edit(c.ctx, ref, c.plain(c.key(), plain)); err != nil {
			t.Fatalf("Edit: %v", err)
		}
		got := c.wantShown(ref, at, plain)
		if says(got, title) || says(got, value) {
			t.Errorf("an edit to plain text left the card's words: %q", got.Text)
		}
		// And plain text a card.
		if err := c.chat.Edit(c.ctx, ref, c.card(c.key(), last, last)); err != nil {
			t.Fatalf("Edit: %v", err)
		}
		if got := c.wantShown(ref, at, last); says(got, plain) {
			t.Errorf("an edit to a card left the plain text: %q", got.Text)
		}
		if after := c.h.Posts(at); !slices.Equal(after, before) {
			t.Errorf("%s shows %v after edits, want %v as before", at.Kind, after, before)
		}
	}
}

func (s *suite) reactAdds(t *testing.T, c *check) {
	card, thread := c.thread()
	vote := c.post(bot.Place{Kind: bot.InThread, Thread: thread}, c.plain(c.key(), c.word()))
	for _, ref := range []string{card, vote} {
		for _, e := range []string{bot.EmojiYes, bot.EmojiBack, bot.EmojiYes} {
			if err := c.chat.React(c.ctx, ref, e); err != nil {
				t.Fatalf("React(%s, %s): %v", ref, e, err)
			}
		}
		if got, want := c.read(ref).Reactions, []string{bot.EmojiYes, bot.EmojiBack}; !sameEmoji(got, want) {
			t.Errorf("the helpdesk's reactions on %s: %q, want %q", ref, got, want)
		}
	}
}

func (s *suite) invite(t *testing.T, c *check) {
	_, thread := c.thread()
	who := c.h.Person()
	for i := range 2 {
		if err := c.chat.Invite(c.ctx, thread, who); err != nil {
			t.Fatalf("Invite #%d: %v", i+1, err)
		}
		if got := c.h.Members(thread); !slices.Contains(got, who) {
			t.Errorf("after Invite #%d the thread's members are %v, without %s", i+1, got, who)
		}
	}
}

func (c *check) deleter() Deleter {
	c.t.Helper()
	d, ok := c.h.(Deleter)
	if !ok {
		c.t.Skip("the platform's harness cannot delete posts (chattest.Deleter)")
	}
	return d
}

func (s *suite) deletedPost(t *testing.T, c *check) {
	d := c.deleter()
	card := c.post(bot.Place{Kind: bot.InCommittee}, c.card(c.key(), c.word(), c.word()))
	if err := c.chat.React(c.ctx, card, bot.EmojiYes); err != nil {
		t.Fatal(err)
	}
	d.Delete(card)
	if _, ok := c.h.Read(card); ok {
		t.Fatalf("post %s still shows after it was deleted", card)
	}
	w := c.word()
	if err := c.chat.Edit(c.ctx, card, c.plain(c.key(), w)); !errors.Is(err, bot.ErrGone) {
		t.Errorf("Edit of a deleted post: %v, want ErrGone", err)
	}
	if err := c.chat.React(c.ctx, card, bot.EmojiNo); !errors.Is(err, bot.ErrGone) {
		t.Errorf("React on a deleted post: %v, want ErrGone", err)
	}
	if u, ok := c.chat.(bot.Unreacter); ok {
		if err := u.Unreact(c.ctx, card, bot.EmojiYes); !errors.Is(err, bot.ErrGone) {
			t.Errorf("Unreact on a deleted post: %v, want ErrGone", err)
		}
	}
	if _, err := c.chat.StartThread(c.ctx, card, bot.Message{Key: c.key(), Lang: "en", Title: bot.Quoted(w)}); !errors.Is(err, bot.ErrGone) {
		t.Errorf("StartThread on a deleted post: %v, want ErrGone", err)
	}
	if _, ok := c.h.Read(card); ok {
		t.Errorf("post %s shows again after calls on it", card)
	}
	if got := c.saying(bot.Place{Kind: bot.InCommittee}, w); len(got) > 0 {
		t.Errorf("calls on a deleted post posted %v", got)
	}
}

func (s *suite) deletedThread(t *testing.T, c *check) {
	d := c.deleter()
	_, thread := c.thread()
	in := bot.Place{Kind: bot.InThread, Thread: thread}
	inside := c.post(in, c.plain(c.key(), c.word()))
	d.Delete(thread)
	if _, ok := c.h.Read(inside); ok {
		t.Errorf("post %s of deleted thread %s still shows", inside, thread)
	}
	// At once, before any other call: an adapter may only hear of the
	// deletion later, if at all.
	if err := c.chat.Invite(c.ctx, thread, c.h.Person()); !errors.Is(err, bot.ErrGone) {
		t.Errorf("Invite to a deleted thread: %v, want ErrGone", err)
	}
	if _, err := c.chat.Post(c.ctx, in, c.plain(c.key(), c.word())); !errors.Is(err, bot.ErrGone) {
		t.Errorf("Post in a deleted thread: %v, want ErrGone", err)
	}
	if err := c.chat.Edit(c.ctx, inside, c.plain(c.key(), c.word())); !errors.Is(err, bot.ErrGone) {
		t.Errorf("Edit of a post of a deleted thread: %v, want ErrGone", err)
	}
	if err := c.chat.React(c.ctx, inside, bot.EmojiYes); !errors.Is(err, bot.ErrGone) {
		t.Errorf("React on a post of a deleted thread: %v, want ErrGone", err)
	}
}

func (s *suite) unreachable(t *testing.T, c *check) {
	u, ok := c.h.(Unreachables)
	if !ok {
		t.Skip("the platform's harness has nobody whose direct messages are closed (chattest.Unreachables)")
	}
	who := u.Unreachable()
	to := bot.Place{Kind: bot.InDirect, User: who}
	w := c.word()
	if ref, err := c.chat.Post(c.ctx, to, c.plain(c.key(), w)); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("a direct message to %s: %q, %v; want ErrUnreachable", who, ref, err)
	}
	if got := c.saying(to, w); len(got) > 0 {
		t.Errorf("a direct message that did not reach shows: %v", got)
	}
	// A person who can be reached still is.
	reach := bot.Place{Kind: bot.InDirect, User: c.h.Person()}
	c.wantShown(c.post(reach, c.plain(c.key(), w)), reach, w)
}

func (s *suite) forbidden(t *testing.T, c *check) {
	r, ok := c.h.(Refuser)
	if !ok {
		t.Skip("the platform's harness cannot take a permission away (chattest.Refuser)")
	}
	to := r.Refuse()
	w := c.word()
	if ref, err := c.chat.Post(c.ctx, to, c.plain(c.key(), w)); !errors.Is(err, bot.ErrForbidden) {
		t.Errorf("a post where the platform refuses: %q, %v; want ErrForbidden", ref, err)
	}
	if got := c.saying(to, w); len(got) > 0 {
		t.Errorf("a refused post shows: %v", got)
	}
}

func (s *suite) unreact(t *testing.T, c *check) {
	u, ok := c.chat.(bot.Unreacter)
	if !ok {
		t.Skip("the Chat is not a bot.Unreacter")
	}
	card := c.post(bot.Place{Kind: bot.InCommittee}, c.card(c.key(), c.word(), c.word()))
	for _, e := range []string{bot.EmojiYes, bot.EmojiNo, bot.EmojiInfo} {
		if err := c.chat.React(c.ctx, card, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Unreact(c.ctx, card, bot.EmojiNo); err != nil {
		t.Fatalf("Unreact: %v", err)
	}
	want := []string{bot.EmojiYes, bot.EmojiInfo}
	if got := c.read(card).Reactions; !sameEmoji(got, want) {
		t.Errorf("after Unreact %s the helpdesk holds %q, want %q", bot.EmojiNo, got, want)
	}
	// Taken off again (a retry), or never held: nothing to do, no error.
	for _, e := range []string{bot.EmojiNo, bot.EmojiClaim} {
		if err := u.Unreact(c.ctx, card, e); err != nil {
			t.Errorf("Unreact of %s, not held: %v", e, err)
		}
	}
	if got := c.read(card).Reactions; !sameEmoji(got, want) {
		t.Errorf("the helpdesk holds %q, want %q", got, want)
	}
}

func (s *suite) archive(t *testing.T, c *check) {
	a, ok := c.chat.(bot.Archiver)
	if !ok {
		t.Skip("the Chat is not a bot.Archiver")
	}
	ar, ok := c.h.(Archives)
	if !ok {
		t.Fatal("the Chat is a bot.Archiver, but its harness cannot tell an archived thread (chattest.Archives)")
	}
	_, thread := c.thread()
	in := bot.Place{Kind: bot.InThread, Thread: thread}
	ballot := c.post(in, c.plain(c.key(), c.word()))
	if ar.Archived(thread) {
		t.Fatalf("thread %s is archived before Archive", thread)
	}
	if err := a.Archive(c.ctx, thread); err != nil {
		t.Fatalf("Archive: %v", err)
	}
	if !ar.Archived(thread) {
		t.Fatalf("thread %s is not archived after Archive", thread)
	}
	// The core refreshes a closed case's ballot, and may write in its
	// thread (a message that could not be delivered privately).
	w := c.word()
	if err := c.chat.Edit(c.ctx, ballot, c.plain(c.key(), w)); err != nil {
		t.Fatalf("Edit in an archived thread: %v", err)
	}
	c.wantShown(ballot, in, w)
	late := c.word()
	ref, err := c.chat.Post(c.ctx, in, c.plain(c.key(), late))
	if err != nil {
		t.Fatalf("Post in an archived thread: %v", err)
	}
	c.wantShown(ref, in, late)
}

func (s *suite) pacer(t *testing.T, c *check) {
	p, ok := c.chat.(bot.Pacer)
	if !ok {
		t.Skip("the Chat is not a bot.Pacer")
	}
	every := p.EditInterval()
	if every <= 0 {
		t.Fatalf("EditInterval() = %v, want a positive interval", every)
	}
	if every > time.Minute {
		t.Fatalf("EditInterval() = %v: a ballot would lag its votes by more than a minute", every)
	}
	ref := c.post(bot.Place{Kind: bot.InCommittee}, c.plain(c.key(), c.word()))
	for i := range 2 {
		time.Sleep(every)
		w := c.word()
		if err := c.chat.Edit(c.ctx, ref, c.plain(c.key(), w)); err != nil {
			t.Fatalf("edit #%d, %v after the last: %v", i+1, every, err)
		}
		c.wantShown(ref, bot.Place{Kind: bot.InCommittee}, w)
	}
}
