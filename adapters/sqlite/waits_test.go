package sqlite_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// A wait's timers end together, fired or not: a fired timer not ended is
// overdue, one ended is not; a person's timers (a digest) have no case.
func TestWaitsEndAndCountAsOverdue(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "shell:ana", bot.WorkingGroup)
	closed := MustCase(t, s, "shell:bo", bot.Closed)
	since := at(0)
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, tm := range []bot.Timer{
			{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "planning", Step: 1, Since: since, Due: at(72 * time.Hour)},
			{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "communication", Step: 1, Since: since, Due: at(72 * time.Hour)},
			{CaseID: closed.ID, Kind: bot.TimerQuestion, Step: 1, Since: since, Due: at(time.Hour)},
			{Kind: bot.TimerDigest, Subject: "shell:cy", Since: since, Due: at(8 * time.Hour)},
		} {
			if err := tx.AddTimer(tm); err != nil {
				return err
			}
		}
		return nil
	})
	overdue := func() []bot.Wait {
		t.Helper()
		var got []bot.Wait
		MustView(t, s, func(tx bot.Tx) (err error) { got, err = tx.Overdue(0); return err })
		return got
	}
	diff(t, "nothing fired", overdue(), []bot.Wait(nil))
	MustUpdate(t, s, func(tx bot.Tx) error {
		due, err := tx.DueTimers(at(100 * time.Hour))
		if err != nil {
			return err
		}
		for _, tm := range due {
			if tm.Kind == bot.TimerDigest {
				if tm.CaseID != 0 || tm.Subject != "shell:cy" {
					t.Errorf("digest timer %+v", tm)
				}
			}
			if _, err := tx.FireTimer(tm.ID); err != nil {
				return err
			}
		}
		return nil
	})
	// The closed case's fired wait is not overdue: the case is over.
	diff(t, "fired", overdue(), []bot.Wait{
		{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "communication", Since: since},
		{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "planning", Since: since},
	})
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.EndWait(c.ID, bot.TimerUnclaimed, "planning") })
	diff(t, "one ended", overdue(), []bot.Wait{{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "communication", Since: since}})
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.EndWaits(c.ID) })
	diff(t, "all ended", overdue(), []bot.Wait(nil))

	// A digest: the next one, and cancelling it.
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.SetDigest("shell:cy", 7); err != nil {
			return err
		}
		return tx.AddTimer(bot.Timer{Kind: bot.TimerDigest, Subject: "shell:cy", Due: at(31 * time.Hour)})
	})
	MustView(t, s, func(tx bot.Tx) error {
		h, err := tx.Digest("shell:cy")
		if err != nil || h != 7 {
			t.Errorf("digest hour %d, %v", h, err)
		}
		if h, _ := tx.Digest("shell:nobody"); h != -1 {
			t.Errorf("digest hour of someone unknown %d", h)
		}
		next, err := tx.NextTimer(bot.TimerDigest, "shell:cy")
		if err != nil || !next.Due.Equal(at(31*time.Hour)) {
			t.Errorf("next digest %+v, %v", next, err)
		}
		return nil
	})
	MustUpdate(t, s, func(tx bot.Tx) error { return tx.CancelPersonTimers(bot.TimerDigest, "shell:cy") })
	MustView(t, s, func(tx bot.Tx) error {
		if _, err := tx.NextTimer(bot.TimerDigest, "shell:cy"); err == nil {
			t.Error("a cancelled digest is still next")
		}
		return nil
	})
}

// The migration that made events carry their visibility marked the events
// recorded before it by the core's rule: the two lists agree.
func TestTheMigrationMarksInternalEventsByTheCoresRule(t *testing.T) {
	body, err := os.ReadFile("migrations/0009_waits.sql")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)UPDATE events SET internal = 1\s+WHERE type IN \(([^)]*)\)`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no UPDATE of events in the migration")
	}
	var listed []string
	for _, q := range strings.Split(string(m[1]), ",") {
		listed = append(listed, strings.Trim(strings.TrimSpace(q), "'"))
	}
	var internal []string
	for _, typ := range bot.EventTypes[:slices.Index(bot.EventTypes, bot.EvDeliveryLost)+1] { // those before the migration
		if bot.Internal(typ) {
			internal = append(internal, string(typ))
		}
	}
	slices.Sort(listed)
	slices.Sort(internal)
	diff(t, "internal event types", listed, internal)
}
