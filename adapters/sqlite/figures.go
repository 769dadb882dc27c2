package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Figures are the few numbers about the whole helpdesk that the operators'
// metrics show, read in a handful of indexed rows however many cases and
// events the database holds.
type Figures struct {
	// Stages counts the cases in each stage (kept by the triggers of
	// migration 0005); every stage is present, zero or not.
	Stages map[bot.Stage]int
	// Outbox is the work waiting for each platform that has any.
	Outbox map[string]Backlog
}

// Backlog is a platform's pending outbox work.
type Backlog struct {
	Due     int           // items due now (not put off until later)
	Waiting int           // items put off: retried later, or held back
	Oldest  time.Duration // how long the oldest due item has waited since it was made
}

// Figures reads the figures at now from one snapshot.
func (s *Store) Figures(ctx context.Context, now time.Time) (Figures, error) {
	f := Figures{Stages: make(map[bot.Stage]int, len(bot.Stages)), Outbox: map[string]Backlog{}}
	for _, st := range bot.Stages {
		f.Stages[st] = 0
	}
	err := s.View(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		counts, err := t.stageCounts()
		if err != nil {
			return err
		}
		for st, n := range counts {
			f.Stages[st] = n
		}
		// Only pending rows are read: the partial index outbox_case holds
		// them alone, however many done rows the outbox keeps.
		rows, err := t.query(`SELECT platform, next_at <= ?, count(*), min(created_at) FROM outbox INDEXED BY outbox_case
			WHERE state = 'pending'
			GROUP BY platform, next_at <= ?`, encTime(now), encTime(now))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var platform, oldest string
			var due bool
			var n int
			if err := rows.Scan(&platform, &due, &n, &oldest); err != nil {
				return err
			}
			b := f.Outbox[platform]
			if due {
				b.Due += n
				at, err := decTime(oldest)
				if err != nil {
					return err
				}
				b.Oldest = max(now.Sub(at), 0)
			} else {
				b.Waiting += n
			}
			f.Outbox[platform] = b
		}
		return rows.Err()
	})
	if err != nil {
		return Figures{}, fmt.Errorf("read figures: %w", busyErr(err))
	}
	return f, nil
}
