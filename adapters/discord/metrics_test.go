package discord

import (
	"testing"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/metrics/metricstest"
)

// The adapter counts what only it sees: Discord's 429s and the waits they
// ask for, how long each interaction took to be acknowledged, and the
// reconcile that follows a connection, with the reactions it read.
func TestMetricsOfTheAdapter(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	m := metrics.New()
	h := &harness{t: t, f: f, db: t.TempDir() + "/helpdesk.db", config: func(c *Config) { c.Metrics = m.Platform(Platform) }}
	startHarness(t, h)
	h.eventually("the first reconcile", func() bool {
		return metricstest.Scrape(t, m.Handler()).Value(t, "helpdesk_reconcile_seconds", "platform", Platform) == 1
	})

	f.Fail("POST", "/channels/"+committeeCh+"/messages", 429, 0, 1, 0.25)
	card := h.request(rita, "Scans")
	h.vote(card, "✅", bo, chen)

	// A new session reads the ballots again: the ✅ that others hold is
	// listed, with the bot's own among them (the ❌ and ❓ only the bot
	// holds are not).
	h.stop()
	h.start()
	h.eventually("the second reconcile", func() bool {
		return metricstest.Scrape(t, m.Handler()).Value(t, "helpdesk_reconcile_seconds", "platform", Platform) == 2
	})
	fams := metricstest.Scrape(t, m.Handler())
	for name, want := range map[string]float64{
		"helpdesk_rate_limited_total":            1,
		"helpdesk_rate_limit_wait_seconds_total": 0.25,
		"helpdesk_ack_seconds":                   2, // the command's modal, the form's "thinking…"
		"helpdesk_reconcile_reactions_total":     3,
	} {
		if got := fams.Value(t, name, "platform", Platform); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
