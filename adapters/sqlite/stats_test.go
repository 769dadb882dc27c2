package sqlite_test

import (
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// The statistics' stays in each stage, closed cases by outcome and work
// open for each group follow what happens to the cases, kept by the
// store itself (triggers and indexes), not read from the event log.
func TestStatsFollowTheCases(t *testing.T) {
	s, _ := MustOpen(t)
	move := func(c *bot.Case, to bot.Stage, after time.Duration, o bot.Outcome) {
		t.Helper()
		from := c.Stage
		c.Stage, c.Outcome, c.UpdatedAt = to, o, t0.Add(after)
		if to == bot.Closed {
			c.ClosedAt, c.ClosedFrom = c.UpdatedAt, from
		}
		MustUpdate(t, s, func(tx bot.Tx) error { return tx.UpdateCase(*c, from) })
	}
	// One case through the whole life: 2 h in initial review, 3 h in
	// routing, 4 h with the groups (a save in between does not count as a
	// move), 10 h in final review, 30 h in support, then resolved.
	a := MustCase(t, s, "shell:ana", bot.InitialReview)
	move(&a, bot.Routing, 2*time.Hour, "")
	move(&a, bot.WorkingGroup, 5*time.Hour, "")
	MustUpdate(t, s, func(tx bot.Tx) error { a.UpdatedAt = t0.Add(6 * time.Hour); return tx.UpdateCase(a, a.Stage) })
	move(&a, bot.FinalReview, 9*time.Hour, "")
	move(&a, bot.Support, 19*time.Hour, "")
	move(&a, bot.Closed, 49*time.Hour, bot.Resolved)
	// Another declined after 6 h; a third with two groups, one of which
	// recommended, the other with a card whose first reminder fired.
	b := MustCase(t, s, "shell:bo", bot.InitialReview)
	move(&b, bot.Closed, 6*time.Hour, bot.Declined)
	c := MustCase(t, s, "shell:chen", bot.InitialReview)
	move(&c, bot.Routing, time.Hour, "")
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, g := range []string{"implementation", "communication"} {
			if _, err := tx.Assign(bot.Assignment{CaseID: c.ID, Group: g, RoutedBy: "shell:ana", RoutedAt: t0.Add(time.Hour)}); err != nil {
				return err
			}
		}
		if err := tx.Recommend(c.ID, "communication", "shell:cora", "Ask the archive.", t0.Add(2*time.Hour)); err != nil {
			return err
		}
		return tx.AddTimer(bot.Timer{CaseID: c.ID, Kind: bot.TimerUnclaimed, Subject: "implementation", Step: 1, Since: t0.Add(time.Hour), Due: t0.Add(3 * time.Hour)})
	})
	move(&c, bot.WorkingGroup, time.Hour, "")
	MustUpdate(t, s, func(tx bot.Tx) error {
		due, err := tx.DueTimers(t0.Add(4 * time.Hour))
		if err != nil || len(due) != 1 {
			t.Fatalf("due timers: %v %v", due, err)
		}
		_, err = tx.FireTimer(due[0].ID)
		return err
	})

	var st bot.Stats
	MustView(t, s, func(tx bot.Tx) error {
		var err error
		st, err = tx.Stats(t0, t0.Add(50*time.Hour))
		return err
	})
	h := time.Hour
	diff(t, "stays", st.InStage, map[bot.Stage]bot.Spread{
		bot.InitialReview: {N: 3, P25: 90 * time.Minute, Median: 2 * h, P75: 4 * h, P90: 5*h + 12*time.Minute, Max: 6 * h},
		bot.Routing:       {N: 2, P25: 45 * time.Minute, Median: 90 * time.Minute, P75: 135 * time.Minute, P90: 162 * time.Minute, Max: 3 * h},
		bot.WorkingGroup:  {N: 1, P25: 4 * h, Median: 4 * h, P75: 4 * h, P90: 4 * h, Max: 4 * h},
		bot.FinalReview:   {N: 1, P25: 10 * h, Median: 10 * h, P75: 10 * h, P90: 10 * h, Max: 10 * h},
		bot.Support:       {N: 1, P25: 30 * h, Median: 30 * h, P75: 30 * h, P90: 30 * h, Max: 30 * h},
	})
	month := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
	diff(t, "closed", st.Closed, []bot.MonthOutcomes{{Month: month, ByOutcome: map[bot.Outcome]int{bot.Resolved: 1, bot.Declined: 1}, Total: 2}})
	diff(t, "groups", st.Groups, []bot.GroupLoad{{Group: "communication", Open: 1}, {Group: "implementation", Open: 1, Overdue: 1}})
	if len(st.Quarters) != 1 || st.Quarters[0].Filed != 3 {
		t.Errorf("quarters: %+v", st.Quarters)
	}
}
