package discord

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Votes that meet a database locked by another process for longer than
// the store waits are kept and counted once it is free, in order: eli's
// ❌ taken back stays taken back. None is dropped until a reconnect.
func TestVotesWaitForABusyDatabase(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := startHarness(t, &harness{t: t, f: f, db: filepath.Join(t.TempDir(), "helpdesk.db"), busy: 100 * time.Millisecond})
	card := h.request(rita, "Busy")

	other, err := sql.Open("sqlite", h.db+"?_pragma=busy_timeout(5000)") // waits for the bot's own writes
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	h.vote(card, "✅", bo)
	h.vote(card, "❌", eli)
	f.Unreact(eli, card, "❌", false) // eli changes her mind: in order, this stays undone
	h.vote(card, "✅", chen)
	// Once the store has given up on bo's vote, the lock goes.
	h.eventually("the busy database noticed", func() bool { return strings.Contains(h.log.String(), "busy") })
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	h.eventually("bo's and chen's votes, and not eli's", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 0, 2, 5)) })
	if strings.Contains(h.log.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", h.log)
	}
}
