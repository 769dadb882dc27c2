package discord

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A committee member who loses the committee role while the bot runs no
// longer votes, and the committee is counted without them; so is one who
// leaves the server. (GUILD_MEMBER_UPDATE and GUILD_MEMBER_REMOVE.)
func TestRoleChangesSeenLive(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Roles")
	h.vote(card, "✅", ana, bo)
	h.vote(card, "❓", dina)
	h.eventually("three votes", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 1, 3, 5)) })

	if !f.SetRoles(bo, false) { // bo is no longer on the committee
		t.Fatal("the bot did not get GUILD_MEMBER_UPDATE: it did not ask for the GUILD_MEMBERS intent")
	}
	f.RemoveMember(dina, false) // dina leaves the server
	h.vote(card, "❌", chen)
	h.eventually("bo's and dina's votes gone, a committee of three", func() bool {
		return strings.Contains(h.cardText(card), h.tally(1, 1, 0, 2, 3))
	})
}

// A role change and a departure whose events the bot missed are corrected
// by the member list, read again every RosterEvery.
func TestRoleChangesMissedAreCorrected(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := &harness{t: t, f: f, db: filepath.Join(t.TempDir(), "helpdesk.db"),
		config: func(c *Config) { c.RosterEvery = 100 * time.Millisecond }}
	startHarness(t, h)
	card := h.request(rita, "Missed")
	h.vote(card, "✅", ana, bo)
	h.vote(card, "❓", dina)
	h.eventually("three votes", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 1, 3, 5)) })

	f.SetRoles(bo, true)
	f.RemoveMember(dina, true)
	// The card shows the committee as it was at the last vote: chen votes
	// again and again until the corrected committee shows.
	h.vote(card, "❌", chen)
	n := 0
	h.eventually("bo's and dina's votes gone, a committee of three", func() bool {
		if n++; n%20 == 0 {
			f.Unreact(chen, card, "❌", false)
			f.React(chen, card, "❌", false)
		}
		return strings.Contains(h.cardText(card), h.tally(1, 1, 0, 2, 3))
	})
}

// Without the Server Members intent the bot does not ask for member
// events (Discord would refuse the connection, 4014) and gets none.
func TestNoMemberEventsWithoutTheIntent(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.RefuseMemberList(403)
	newHarness(t, f)
	if f.SetRoles(bo, false) {
		t.Errorf("a session without the GUILD_MEMBERS intent got GUILD_MEMBER_UPDATE")
	}
}
