package shell

import (
	"sync"
	"time"
)

// Clock is the shell's time. In a terminal it runs like a wall clock;
// for a script it stands still, so that a scripted conversation plays the
// same way every time. Either way /wait moves it on, so a week of voting
// passes in one line. It implements bot.Clock and is safe for concurrent
// use.
type Clock struct {
	mu      sync.Mutex
	at      time.Time // the clock's time when it last moved
	since   time.Time // the wall time of that moment
	running bool
}

// NewClock returns a clock that shows start until it is advanced.
func NewClock(start time.Time) *Clock {
	return &Clock{at: start}
}

// NewRunningClock returns a clock that starts at start and runs on with
// the wall clock.
func NewRunningClock(start time.Time) *Clock {
	return &Clock{at: start, since: time.Now(), running: true}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.running {
		return c.at.Add(time.Since(c.since))
	}
	return c.at
}

// Advance moves the clock d forward and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.since = c.nowLocked().Add(d), time.Now()
	return c.at
}
