package web

import "time"

// SetCheckTimeout shortens the readiness checks' timeout for a test and
// returns a function that restores it.
func SetCheckTimeout(d time.Duration) (restore func()) {
	old := checkTimeout
	checkTimeout = d
	return func() { checkTimeout = old }
}
