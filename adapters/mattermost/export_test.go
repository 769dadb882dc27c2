package mattermost

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/bot"
)

// SetListenerTimeouts shortens the listener's read and idle timeouts for a
// test and returns a function that restores them.
func SetListenerTimeouts(read, idle time.Duration) (restore func()) {
	r, i := readTimeout, idleTimeout
	readTimeout, idleTimeout = read, idle
	return func() { readTimeout, idleTimeout = r, i }
}

// Dialog is the dialog the adapter would open for a form.
func (a *Adapter) Dialog(f *bot.Form) model.Dialog { return a.dialog(f) }

// DialogCuts lists the texts of a form's dialog that had to be cut to
// Mattermost's limits.
func (a *Adapter) DialogCuts(f *bot.Form) []string { _, c := a.buildDialog(f); return c }

// LogValue is logValue, for the tests.
var LogValue = logValue
