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
		return rows.Err()
	}()
	if err != nil {
		return bot.Figures{}, fmt.Errorf("read figures: %w", dbErr(err))
	}
	return f, nil
}
