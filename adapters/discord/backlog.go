package discord

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// handling is a gateway event turned into the core's work.
type handling struct {
	what, post string
	do         func(context.Context) error
	tries      int
}

// backlog keeps the gateway events the core could not take for a passing
// reason, in the order they came, so that none is dropped: a database
// locked longer than the store waits (another process, a backup) must not
// lose a vote until the next reconnect. While events wait, later ones wait
// behind them, so a person's add and remove stay in order. A failure that
// is not passing is tried a few times, then logged and dropped (the next
// reconcile reads the post again). Only the worker uses it.
type backlog struct {
	log   *slog.Logger
	queue []*handling
	wait  time.Duration
}

// Bounds of the backlog.
const (
	maxBacklog     = 100000 // events kept; past it the oldest go, and a reconcile recovers them
	maxFailedTries = 5      // tries of an event that fails for a reason other than a busy database
	minBacklogWait = 100 * time.Millisecond
	maxBacklogWait = 10 * time.Second
)

// delay is how long to wait before the next try.
func (b *backlog) delay() time.Duration { return max(b.wait, minBacklogWait) }

// handle does h now, or keeps it when earlier events wait or it fails for
// a passing reason; it reports whether anything waits.
func (b *backlog) handle(ctx context.Context, h *handling) bool {
	if len(b.queue) > 0 {
		b.push(h)
		return true
	}
	if b.try(ctx, h) {
		return false
	}
	b.push(h)
	return true
}

// drain does the waiting events in order until one fails again, and
// returns how many still wait.
func (b *backlog) drain(ctx context.Context) int {
	for len(b.queue) > 0 {
		if !b.try(ctx, b.queue[0]) {
			b.wait = min(max(b.wait*2, minBacklogWait), maxBacklogWait)
			return len(b.queue)
		}
		b.queue[0] = nil
		b.queue = b.queue[1:]
	}
	b.wait = 0
	return 0
}

// try does h and reports whether it is finished with: done, or failed for
// good.
func (b *backlog) try(ctx context.Context, h *handling) bool {
	err := h.do(ctx)
	if err == nil || ctx.Err() != nil {
		return true
	}
	h.tries++
	if errors.Is(err, bot.ErrBusy) {
		if h.tries == 1 {
			b.log.Warn("discord: the database is busy; the event is kept and tried again", "event", h.what, "post", h.post, "err", err)
		}
		return false
	}
	if h.tries < maxFailedTries {
		return false
	}
	b.log.Error("discord: event given up after retries; the next reconcile reads the post again", "event", h.what, "post", h.post, "err", err)
	return true
}

// forget drops the waiting events of a post (a reconcile read it since).
func (b *backlog) forget(post string) {
	kept := b.queue[:0]
	for _, h := range b.queue {
		if h.post != post {
			kept = append(kept, h)
		}
	}
	clear(b.queue[len(kept):])
	b.queue = kept
}

func (b *backlog) push(h *handling) {
	if len(b.queue) >= maxBacklog {
		b.log.Error("discord: too many events waiting for the database; the oldest is dropped until the next reconcile", "event", b.queue[0].what, "post", b.queue[0].post)
		b.queue[0] = nil
		b.queue = b.queue[1:]
	}
	b.queue = append(b.queue, h)
}
