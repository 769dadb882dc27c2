package mattermost_test

import (
	"net/http"
	"testing"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/metrics/metricstest"
)

// The adapter counts what only it sees: Mattermost's 429s and the waits
// they ask for, how long each command and dialog took to be answered, and
// the reconcile that follows each WebSocket connection.
func TestMetricsOfTheAdapter(t *testing.T) {
	m := metrics.New()
	h := MustStart(t, func(o *mattermost.Options, _ *mmtest.Server) { o.Metrics = m.Platform(mattermost.Platform) })
	scrape := func() metricstest.Families { return metricstest.Scrape(t, m.Handler()) }
	if got := scrape().Value(t, "helpdesk_reconcile_seconds", "platform", mattermost.Platform); got != 1 {
		t.Errorf("reconciles after start = %v, want 1", got)
	}
	h.fake.FailNext("POST /api/v4/reactions", http.StatusTooManyRequests, 1, http.Header{"Retry-After": {"0.5"}})
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3 members")

	h.restart()
	fams := scrape()
	for name, want := range map[string]float64{
		"helpdesk_rate_limited_total":            1,
		"helpdesk_rate_limit_wait_seconds_total": 0.5,
		"helpdesk_ack_seconds":                   2, // the command that opened the dialog, the dialog
		"helpdesk_reconcile_seconds":             2,
		"helpdesk_reconcile_reactions_total":     4, // the bot's three and bea's, after the restart
	} {
		if got := fams.Value(t, name, "platform", mattermost.Platform); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
