package discord

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// openCase files a case with h's core directly, as the modal would. (Two
// helpdesks on one bot both receive every interaction: driving them
// through the gateway would open each case in both.)
func (h *harness) openCase(user, title string) {
	h.t.Helper()
	roles := bot.Roles{}
	resp := h.svc.Submit(context.Background(), bot.Invocation{User: userID(user), Name: "u" + user, Locale: "en-US", Roles: &roles},
		bot.Submission{Kind: bot.RequestForm, Type: "media-upload", Key: "test/" + title,
			Values: map[string]string{"title": title, "description": "300 scans.", "organisation": "City archive"}})
	if resp.Reply == nil || len(resp.FieldErrors) > 0 {
		h.t.Fatalf("submit %q: %+v", title, resp)
	}
}

// cardOf waits for the card titled title in channel, with its three vote
// reactions, and returns its id.
func (h *harness) cardOf(channel, title string) string {
	h.t.Helper()
	var id string
	h.eventually("the card "+title+" in "+channel, func() bool {
		for _, m := range h.f.MessagesIn(channel) {
			if t, _ := m.Embed(); strings.HasSuffix(words(t), title) && len(m.Reactions) == 3 {
				id = m.ID
				return true
			}
		}
		return false
	})
	return id
}

// watched is the core's list of the posts it watches on Discord.
func (h *harness) watched() []string {
	h.t.Helper()
	refs, err := h.svc.Watched(context.Background(), Platform)
	if err != nil {
		h.t.Fatal(err)
	}
	return refs
}

// Two helpdesks, each on a fresh database, on one bot (one Discord
// application, one token) and one server: their outbox rows have the same
// ids, and Discord remembers an enforced nonce by author in every channel.
// Each sees its own posts, never the other's.
func TestTwoDatabasesOneBot(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	a := newHarness(t, f)
	a.openCase(rita, "Scans of A")
	cardA := a.cardOf(committeeCh, "Scans of A")
	time.Sleep(2 * time.Second) // the second starts seconds later, well within Discord's nonce window
	b := newHarness(t, f)
	b.openCase(rita, "Letters of B")
	cardB := b.cardOf(committeeCh, "Letters of B")
	if cardA == cardB {
		t.Fatalf("one card for both")
	}
	if got, want := a.watched(), []string{ref(committeeCh, cardA)}; !slices.Equal(got, want) {
		t.Errorf("A watches %v, want %v", got, want)
	}
	if got, want := b.watched(), []string{ref(committeeCh, cardB)}; !slices.Equal(got, want) {
		t.Errorf("B watches %v, want %v", got, want)
	}
	// Both told rita in her DMs: two messages.
	a.eventually("two DMs to rita", func() bool {
		dm := f.DMChannel(rita)
		return dm != "" && len(f.MessagesIn(dm)) == 2
	})
	// A vote on B's card counts for B only.
	b.vote(cardB, "✅", ana)
	b.eventually("ana's vote on B's card", func() bool { return strings.Contains(b.cardText(cardB), b.tally(1, 0, 0, 1, 5)) })
	if strings.Contains(a.cardText(cardA), a.tally(1, 0, 0, 1, 5)) {
		t.Errorf("A counted a vote on B's card")
	}
}

// copyFile copies a database file (and its write-ahead log, if any).
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// sameInstallation gives the database at b, a copy of a, a's installation
// id again. The store gives a copy its own when it first opens it (see
// sqlite.Moved); this is the copy that slipped past that (a file system
// that tells no file apart), for the tests of what Discord then does.
func sameInstallation(t *testing.T, a, b string) {
	t.Helper()
	ctx := context.Background()
	sa, err := sqlite.Open(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	err = sa.View(ctx, func(tx bot.Tx) error { id, err = tx.Installation(); return err })
	if cerr := sa.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sqlite.Open(ctx, b) // placed: it takes its own id, and its file is recorded
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", b)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE installation SET id = ?`, id); err != nil {
		t.Fatal(err)
	}
}

// A database copied by hand (not by the helpdesk's backup) keeps its
// installation id where the store cannot tell the copy from its original:
// the copy, run as a second helpdesk on the same bot with its own
// committee channel, makes the same keys. Discord returns the
// first helpdesk's card, in the other channel, for the second's nonce: the
// second does not take it for its own, and posts its card where it
// belongs.
func TestNonceOfAnotherMessageNotAdopted(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	const otherCommittee = "104"
	f.AddChannel(otherCommittee, 0)
	dir := t.TempDir()
	dbA, dbB := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	st, err := sqlite.Open(context.Background(), dbA)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	copyFile(t, dbA, dbB)
	sameInstallation(t, dbA, dbB)
	a := startHarness(t, &harness{t: t, f: f, db: dbA})
	a.openCase(rita, "Scans of A")
	cardA := a.cardOf(committeeCh, "Scans of A")
	b := startHarness(t, &harness{t: t, f: f, db: dbB, comm: otherCommittee})
	b.openCase(rita, "Letters of B")
	cardB := b.cardOf(otherCommittee, "Letters of B")
	if got, want := b.watched(), []string{ref(otherCommittee, cardB)}; !slices.Equal(got, want) {
		t.Errorf("B watches %v, want %v", got, want)
	}
	if got, want := a.watched(), []string{ref(committeeCh, cardA)}; !slices.Equal(got, want) {
		t.Errorf("A watches %v, want %v", got, want)
	}
	// Its first card is the one: not a card posted again after the core
	// found its "card" (A's, in another channel) gone.
	b.eventually("B's thread", func() bool { return f.Channel(cardB).Parent == otherCommittee })
	time.Sleep(500 * time.Millisecond) // a repost notice would be on its way
	for _, m := range f.MessagesIn(cardB) {
		if m.Content == b.en(bot.T("thread.reposted")) {
			t.Errorf("B's card was posted again: it had taken A's for its own")
		}
	}
	if n := len(f.MessagesIn(otherCommittee)); n != 1 {
		t.Errorf("%d messages in B's committee channel, want its card", n)
	}
	if n := len(f.MessagesIn(committeeCh)); n != 1 {
		t.Errorf("%d messages in A's committee channel, want A's card", n)
	}
	if !strings.Contains(b.log.String(), "not adopted") {
		t.Errorf("the collision was not logged:\n%s", b.log)
	}
	if strings.Contains(b.log.String(), discordtest.Token) {
		t.Errorf("the log shows the token")
	}
}
