package backlog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wmse/helpdesk/adapters/backlog"
	"github.com/wmse/helpdesk/bot"
)

// While the database is busy events wait, in order, later ones behind
// earlier; a reconcile's read of a post drops that post's waiting events;
// a failure that is not passing is given up after a few tries.
func TestEventsWaitInOrder(t *testing.T) {
	ctx := context.Background()
	var b backlog.Backlog
	busy := true
	var done []string
	ev := func(post, name string) *backlog.Event {
		return &backlog.Event{What: name, Post: post, Do: func(context.Context) error {
			if busy {
				return fmt.Errorf("store: %w", bot.ErrBusy)
			}
			done = append(done, name)
			return nil
		}}
	}
	for _, e := range []*backlog.Event{ev("m1", "add"), ev("m2", "other"), ev("m1", "remove")} {
		if !b.Handle(ctx, e) {
			t.Fatalf("%s was not kept while the database is busy", e.What)
		}
	}
	if n := b.Drain(ctx); n != 3 {
		t.Fatalf("%d wait after a busy drain, want 3", n)
	}
	busy = false
	if b.Handle(ctx, ev("m3", "later")) != true {
		t.Fatal("a later event went ahead of the waiting ones")
	}
	b.Forget("m2")
	if n := b.Drain(ctx); n != 0 {
		t.Fatalf("%d still wait", n)
	}
	if fmt.Sprint(done) != "[add remove later]" {
		t.Fatalf("done %v, want [add remove later]", done)
	}
	broken := &backlog.Event{What: "bug", Do: func(context.Context) error { return errors.New("a bug") }}
	b.Handle(ctx, broken)
	for range 10 {
		b.Drain(ctx)
	}
	if b.Len() != 0 {
		t.Fatal("a failing event was never given up")
	}
}
