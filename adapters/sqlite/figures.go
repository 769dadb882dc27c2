package sqlite

import (
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Figures reads the figures at now from one snapshot.
func (t *tx) Figures(now time.Time) (bot.Figures, error) {
	f := bot.Figures{Stages: make(map[bot.Stage]int, len(bot.Stages)), Outbox: map[string]bot.Backlog{}}
	for _, st := range bot.Stages {
		f.Stages[st] = 0
	}
	err := func() error {
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
		if err := rows.Err(); err != nil {
			return err
		}
		return t.overdueFigures(&f)
	}()
	if err != nil {
		return bot.Figures{}, fmt.Errorf("read figures: %w", dbErr(err))
	}
	return f, nil
}

// overdueFigures counts the open cases past a wait's first reminder, by
// kind, and those whose vote waits for the chair.
func (t *tx) overdueFigures(f *bot.Figures) error {
	f.Overdue = map[string]int{bot.OverdueDecision: 0}
	for _, k := range bot.WaitKinds {
		f.Overdue[string(k)] = 0
	}
	waits, err := t.Overdue(0)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, w := range waits {
		key := fmt.Sprintf("%s/%d", w.Kind, w.CaseID)
		if !seen[key] {
			seen[key] = true
			f.Overdue[string(w.Kind)]++
		}
	}
	var n int
	if err := t.queryRow(`SELECT count(*) FROM cases c JOIN rounds r ON r.case_id = c.id AND r.n = c.round
		WHERE c.stage IN ('initial_review', 'final_review') AND r.escalated = 1 AND r.closed = 0`).Scan(&n); err != nil {
		return err
	}
	f.Overdue[bot.OverdueDecision] = n
	return nil
}
