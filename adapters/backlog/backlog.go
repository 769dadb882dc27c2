// Package backlog keeps the platform events the core could not take for a
// passing reason, so that none is dropped: a database locked longer than
// the store waits (another process, a backup) must not lose a vote until
// the next reconnect. Both chat adapters use it for the events of their
// live connection (reactions, deletions, member changes).
//
// Events are kept in the order they came; while some wait, later ones
// wait behind them, so that a person's add and remove stay in order. A
// failure that is not passing is tried a few times, then logged and
// dropped (the next reconcile reads the post again). A reconcile that read
// a post supersedes that post's waiting events (Forget).
package backlog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Event is a platform event turned into the core's work.
type Event struct {
	What, Post string // for the log, and for Forget
	Do         func(context.Context) error
	tries      int
}

// Bounds of a backlog.
const (
	maxEvents      = 100000 // events kept; past it the oldest go, and a reconcile recovers them
	maxFailedTries = 5      // tries of an event that fails for a reason other than a busy database
	minWait        = 100 * time.Millisecond
	maxWait        = 10 * time.Second
)

// Backlog is the waiting events of one adapter; its zero value is ready.
// Prefix starts its log messages ("discord: "). It is safe for concurrent
// use.
type Backlog struct {
	Log    *slog.Logger
	Prefix string

	mu    sync.Mutex
	queue []*Event
	wait  time.Duration
}

// Len is how many events wait.
func (b *Backlog) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// Delay is how long to wait before the next try.
func (b *Backlog) Delay() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.wait, minWait)
}

// Handle does e now, or keeps it when earlier events wait or it fails for
// a passing reason; it reports whether anything waits.
func (b *Backlog) Handle(ctx context.Context, e *Event) bool {
	b.mu.Lock()
	waiting := len(b.queue) > 0
	if waiting {
		b.push(e)
	}
	b.mu.Unlock()
	if waiting {
		return true
	}
	if b.try(ctx, e) {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.push(e)
	return true
}

// Drain does the waiting events in order until one fails again, and
// returns how many still wait.
func (b *Backlog) Drain(ctx context.Context) int {
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.wait = 0
			b.mu.Unlock()
			return 0
		}
		e := b.queue[0]
		b.mu.Unlock()
		if !b.try(ctx, e) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.wait = min(max(b.wait*2, minWait), maxWait)
			return len(b.queue)
		}
		b.mu.Lock()
		if len(b.queue) > 0 && b.queue[0] == e {
			b.queue[0] = nil
			b.queue = b.queue[1:]
		}
		b.mu.Unlock()
	}
}

// Forget drops the waiting events of a post: a reconcile read it since, and
// done after that they would undo newer changes.
func (b *Backlog) Forget(post string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.queue[:0]
	for _, e := range b.queue {
		if e.Post != post {
			kept = append(kept, e)
		}
	}
	clear(b.queue[len(kept):])
	b.queue = kept
}

// try does e and reports whether it is finished with: done, or failed for
// good.
func (b *Backlog) try(ctx context.Context, e *Event) bool {
	err := e.Do(ctx)
	if err == nil || ctx.Err() != nil {
		return true
	}
	e.tries++
	if errors.Is(err, bot.ErrBusy) {
		if e.tries == 1 {
			b.logger().Warn(b.Prefix+"the database is busy; the event is kept and tried again", "event", e.What, "post", e.Post, "err", err)
		}
		return false
	}
	if e.tries < maxFailedTries {
		return false
	}
	b.logger().Error(b.Prefix+"event given up after retries; the next reconcile reads the post again", "event", e.What, "post", e.Post, "err", err)
	return true
}

func (b *Backlog) push(e *Event) {
	if len(b.queue) >= maxEvents {
		b.logger().Error(b.Prefix+"too many events waiting for the database; the oldest is dropped until the next reconcile", "event", b.queue[0].What, "post", b.queue[0].Post)
		b.queue[0] = nil
		b.queue = b.queue[1:]
	}
	b.queue = append(b.queue, e)
}

func (b *Backlog) logger() *slog.Logger {
	if b.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Log
}
