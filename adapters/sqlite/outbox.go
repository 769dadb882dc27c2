package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Outbox states.
const (
	statePending = "pending"
	stateDone    = "done"
	stateFailed  = "failed"
)

// Enqueue adds it to the outbox, due at it.Due (it.Created when zero), and
// sets it.ID. When
// it.Collapse is set and a pending item with the same key has not been
// tried yet, that item stands for both: nothing is added and it.ID is set
// to that item's id. (Collapsing items are refreshes whose content is read
// at delivery, so the earlier one shows the latest state.) An item of case
// 0 belongs to no case.
func (t *tx) Enqueue(it *bot.Item) error {
	if it.Collapse != "" {
		var id int64
		err := t.queryRow(`SELECT id FROM outbox WHERE collapse = ? AND state = ? AND attempts = 0 ORDER BY id LIMIT 1`,
			it.Collapse, statePending).Scan(&id)
		if err == nil {
			it.ID = id
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("enqueue %s: collapse %q: %w", it.Op, it.Collapse, dbErr(err))
		}
	}
	place, err := jsonText(it.Place)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", it.Op, err)
	}
	msg, err := jsonText(it.Message)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", it.Op, err)
	}
	created, due := encTime(it.Created), encTime(it.Created)
	if !it.Due.IsZero() {
		due = encTime(it.Due)
	}
	res, err := t.exec(`INSERT INTO outbox (platform, case_id, op, name, place, message, emoji, user,
		collapse, state, attempts, next_at, created_at, forget) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Platform, nullID(it.CaseID), it.Op, it.Name, place, msg, it.Emoji, it.User,
		it.Collapse, statePending, it.Attempts, due, created, it.Forget)
	if err != nil {
		return fmt.Errorf("enqueue %s for case %d: %w", it.Op, it.CaseID, dbErr(err))
	}
	if it.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("enqueue %s for case %d: %w", it.Op, it.CaseID, err)
	}
	return nil
}

// Pending lists up to limit (all when limit <= 0) pending items of platform
// due at now, oldest first. An item of a case is left out while an older
// pending item of the same case, on any platform, is not due yet: the work
// of a case is done in order.
func (t *tx) Pending(platform string, now time.Time, limit int) ([]bot.Item, error) {
	if limit <= 0 {
		limit = -1 // no limit, to SQLite
	}
	at := encTime(now)
	rows, err := t.query(`SELECT o.id, o.platform, coalesce(o.case_id, 0), o.op, o.name, o.place, o.message,
			o.emoji, o.user, o.collapse, o.attempts, o.created_at
		FROM outbox o
		WHERE o.platform = ? AND o.state = 'pending' AND o.next_at <= ?
			AND NOT EXISTS (SELECT 1 FROM outbox b
				WHERE o.case_id IS NOT NULL AND b.case_id = o.case_id
					AND b.state = 'pending' AND b.id < o.id AND b.next_at > ? AND b.op <> 'edit')
		ORDER BY o.id LIMIT ?`, platform, at, at, limit)
	items, err := collect(rows, err, func(r scanner) (bot.Item, error) {
		var it bot.Item
		err := r.Scan(&it.ID, &it.Platform, &it.CaseID, &it.Op, &it.Name, jsonCol{&it.Place}, jsonCol{&it.Message},
			&it.Emoji, &it.User, &it.Collapse, &it.Attempts, timeCol{&it.Created})
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("pending items of %s: %w", platform, dbErr(err))
	}
	return items, nil
}

// Take marks item id as being performed: it loses its collapse key, so that
// work enqueued from now on is added after it rather than folded into it.
func (t *tx) Take(id int64) error {
	n, err := t.execN(`UPDATE outbox SET collapse = '' WHERE id = ? AND state = ?`, id, statePending)
	if err != nil {
		return fmt.Errorf("take outbox item %d: %w", id, dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("take outbox item %d: %w", id, bot.ErrNotFound)
	}
	return nil
}

// Done marks item id performed.
func (t *tx) Done(id int64) error {
	return t.finish(id, stateDone, "", "done")
}

// Fail gives item id up for reason; it is never listed again.
func (t *tx) Fail(id int64, reason string) error {
	return t.finish(id, stateFailed, reason, "fail")
}

func (t *tx) finish(id int64, state, reason, what string) error {
	// An item to forget keeps no trace of whom it was for or what it said.
	n, err := t.execN(`UPDATE outbox SET state = ?,
		last_error = CASE WHEN forget THEN '' WHEN ? = '' THEN last_error ELSE ? END,
		done_at = ?,
		place = CASE WHEN forget THEN '{}' ELSE place END,
		message = CASE WHEN forget THEN '{}' ELSE message END,
		user = CASE WHEN forget THEN '' ELSE user END
		WHERE id = ?`, state, reason, reason, encTime(t.now()), id)
	if err != nil {
		return fmt.Errorf("%s item %d: %w", what, id, dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("%s item %d: %w", what, id, bot.ErrNotFound)
	}
	return nil
}

// Retry counts an attempt at item id that failed for reason and puts the
// item off until next.
func (t *tx) Retry(id int64, next time.Time, reason string) error {
	n, err := t.execN(`UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`,
		encTime(next), reason, id)
	if err != nil {
		return fmt.Errorf("retry item %d: %w", id, dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("retry item %d: %w", id, bot.ErrNotFound)
	}
	return nil
}

// AddTimer stores a timer; tm.ID is ignored.
func (t *tx) AddTimer(tm bot.Timer) error {
	if _, err := t.exec(`INSERT INTO timers (case_id, round, kind, subject, step, since, due) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(tm.CaseID), tm.Round, tm.Kind, tm.Subject, tm.Step, nullTime(tm.Since), encTime(tm.Due)); err != nil {
		return fmt.Errorf("add %s timer to case %d: %w", tm.Kind, tm.CaseID, dbErr(err))
	}
	return nil
}

const timerCols = `id, coalesce(case_id, 0), round, kind, subject, step, since, due`

func scanTimer(r scanner) (bot.Timer, error) {
	var tm bot.Timer
	err := r.Scan(&tm.ID, &tm.CaseID, &tm.Round, &tm.Kind, &tm.Subject, &tm.Step, timeCol{&tm.Since}, timeCol{&tm.Due})
	return tm, err
}

// DueTimers lists the timers neither fired nor cancelled that are due at
// now, earliest first.
func (t *tx) DueTimers(now time.Time) ([]bot.Timer, error) {
	rows, err := t.query(`SELECT `+timerCols+` FROM timers
		WHERE fired_at IS NULL AND cancelled_at IS NULL AND due <= ? ORDER BY due, id`, encTime(now))
	timers, err := collect(rows, err, scanTimer)
	if err != nil {
		return nil, fmt.Errorf("due timers: %w", dbErr(err))
	}
	return timers, nil
}

// FireTimer marks timer id fired; false when it already was or was
// cancelled meanwhile, bot.ErrNotFound when there is no such timer.
func (t *tx) FireTimer(id int64) (bool, error) {
	n, err := t.execN(`UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL`,
		encTime(t.now()), id)
	if err != nil {
		return false, fmt.Errorf("fire timer %d: %w", id, dbErr(err))
	}
	if n > 0 {
		return true, nil
	}
	found, err := t.exists(`SELECT 1 FROM timers WHERE id = ?`, id)
	switch {
	case err != nil:
		return false, fmt.Errorf("fire timer %d: %w", id, dbErr(err))
	case !found:
		return false, fmt.Errorf("fire timer %d: %w", id, bot.ErrNotFound)
	}
	return false, nil
}

// CancelTimers cancels the unfired timers of round round of case caseID:
// they are never listed or fired.
func (t *tx) CancelTimers(caseID int64, round int) error {
	if _, err := t.exec(`UPDATE timers SET cancelled_at = ?
		WHERE case_id = ? AND round = ? AND kind IN ('reminder', 'deadline') AND fired_at IS NULL AND cancelled_at IS NULL`,
		encTime(t.now()), caseID, round); err != nil {
		return fmt.Errorf("cancel timers of round %d of case %d: %w", round, caseID, dbErr(err))
	}
	return nil
}

// EndWait cancels the timers of a wait of case caseID, fired or not; an
// empty subject ends the waits of kind about every subject.
func (t *tx) EndWait(caseID int64, kind bot.TimerKind, subject string) error {
	q := `UPDATE timers SET cancelled_at = ? WHERE case_id = ? AND kind = ? AND cancelled_at IS NULL`
	args := []any{encTime(t.now()), caseID, kind}
	if subject != "" {
		q += ` AND subject = ?`
		args = append(args, subject)
	}
	if _, err := t.exec(q, args...); err != nil {
		return fmt.Errorf("end %s wait of case %d: %w", kind, caseID, dbErr(err))
	}
	return nil
}

// EndWaits cancels every timer of case caseID not cancelled yet.
func (t *tx) EndWaits(caseID int64) error {
	if _, err := t.exec(`UPDATE timers SET cancelled_at = ? WHERE case_id = ? AND cancelled_at IS NULL`,
		encTime(t.now()), caseID); err != nil {
		return fmt.Errorf("end waits of case %d: %w", caseID, dbErr(err))
	}
	return nil
}

// Waiting lists the timers of case caseID not cancelled, by due time.
func (t *tx) Waiting(caseID int64) ([]bot.Timer, error) {
	rows, err := t.query(`SELECT `+timerCols+` FROM timers
		WHERE case_id = ? AND cancelled_at IS NULL ORDER BY due, id`, caseID)
	timers, err := collect(rows, err, scanTimer)
	if err != nil {
		return nil, fmt.Errorf("timers of case %d: %w", caseID, dbErr(err))
	}
	return timers, nil
}

// Overdue lists the waits of open cases whose first reminder fired and
// that have not ended, one per case, kind and subject, by case.
func (t *tx) Overdue(caseID int64) ([]bot.Wait, error) {
	kinds := make([]string, len(bot.WaitKinds))
	args := make([]any, len(bot.WaitKinds))
	for i, k := range bot.WaitKinds {
		kinds[i], args[i] = "?", k
	}
	one := ""
	if caseID != 0 {
		one, args = " AND tm.case_id = ?", append(args, caseID)
	}
	rows, err := t.query(`SELECT tm.case_id, tm.kind, tm.subject, min(coalesce(tm.since, tm.due))
		FROM timers tm JOIN cases c ON c.id = tm.case_id
		WHERE tm.fired_at IS NOT NULL AND tm.cancelled_at IS NULL AND tm.kind IN (`+strings.Join(kinds, ", ")+`)
			AND c.stage <> 'closed'`+one+`
		GROUP BY tm.case_id, tm.kind, tm.subject ORDER BY tm.case_id, tm.kind, tm.subject`, args...)
	waits, err := collect(rows, err, func(r scanner) (bot.Wait, error) {
		var w bot.Wait
		err := r.Scan(&w.CaseID, &w.Kind, &w.Subject, timeCol{&w.Since})
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("overdue waits: %w", dbErr(err))
	}
	return waits, nil
}

// NextTimer is the earliest unfired timer of kind about subject with no
// case, or bot.ErrNotFound.
func (t *tx) NextTimer(kind bot.TimerKind, subject string) (bot.Timer, error) {
	tm, err := scanTimer(t.queryRow(`SELECT `+timerCols+` FROM timers
		WHERE case_id IS NULL AND kind = ? AND subject = ? AND fired_at IS NULL AND cancelled_at IS NULL
		ORDER BY due, id LIMIT 1`, kind, subject))
	if err != nil {
		return bot.Timer{}, fmt.Errorf("next %s timer of %s: %w", kind, subject, dbErr(err))
	}
	return tm, nil
}

// CancelPersonTimers cancels the unfired timers of kind about subject
// with no case.
func (t *tx) CancelPersonTimers(kind bot.TimerKind, subject string) error {
	if _, err := t.exec(`UPDATE timers SET cancelled_at = ?
		WHERE case_id IS NULL AND kind = ? AND subject = ? AND fired_at IS NULL AND cancelled_at IS NULL`,
		encTime(t.now()), kind, subject); err != nil {
		return fmt.Errorf("cancel %s timers of %s: %w", kind, subject, dbErr(err))
	}
	return nil
}
