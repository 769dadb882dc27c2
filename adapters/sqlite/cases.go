package sqlite

import (
	"fmt"
	"strings"

	"github.com/wmse/helpdesk/bot"
)

const caseCols = `c.id, c.platform, c.type, c.title, c.description, c.organisation,
	c.links, c.timeline, c.requester, c.lang, c.stage, c.outcome, c.round, c.rating,
	c.created_at, c.updated_at, c.owner, c.closed_at, c.closed_from, c.erased_at`

func scanCase(r scanner) (bot.Case, error) {
	var c bot.Case
	err := r.Scan(caseDest(&c)...)
	return c, err
}

// caseDest are the destinations of caseCols in c, for a Scan of a row
// that has more columns around them.
func caseDest(c *bot.Case, more ...any) []any {
	return append([]any{&c.ID, &c.Platform, &c.Type, &c.Title, &c.Description, &c.Organisation,
		&c.Links, &c.Timeline, &c.Requester, &c.Lang, &c.Stage, &c.Outcome, &c.Round, &c.Rating,
		timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &c.Owner, timeCol{&c.ClosedAt}, &c.ClosedFrom, timeCol{&c.ErasedAt}}, more...)
}

// CreateCase stores c and sets c.ID; ids are never reused.
func (t *tx) CreateCase(c *bot.Case) error {
	res, err := t.exec(`INSERT INTO cases (platform, type, title, description, organisation,
		links, timeline, requester, lang, stage, outcome, round, rating, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Platform, c.Type, c.Title, c.Description, c.Organisation,
		c.Links, c.Timeline, c.Requester, c.Lang, c.Stage, c.Outcome, c.Round, c.Rating,
		encTime(c.CreatedAt), encTime(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("create case: %w", dbErr(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create case: %w", err)
	}
	c.ID = id
	return nil
}

// Case returns case id, or bot.ErrNotFound.
func (t *tx) Case(id int64) (bot.Case, error) {
	c, err := scanCase(t.queryRow(`SELECT `+caseCols+` FROM cases c WHERE c.id = ?`, id))
	if err != nil {
		return bot.Case{}, fmt.Errorf("case %d: %w", id, dbErr(err))
	}
	return c, nil
}

// UpdateCase writes Stage, Outcome, Round, Rating, Owner, UpdatedAt,
// ClosedAt and ClosedFrom of c if the case is still in stage from;
// otherwise it returns bot.ErrStale, or bot.ErrNotFound when there is no
// such case.
func (t *tx) UpdateCase(c bot.Case, from bot.Stage) error {
	n, err := t.execN(`UPDATE cases SET stage = ?, outcome = ?, round = ?, rating = ?, updated_at = ?,
		owner = ?, closed_at = ?, closed_from = ?
		WHERE id = ? AND stage = ?`,
		c.Stage, c.Outcome, c.Round, c.Rating, encTime(c.UpdatedAt),
		c.Owner, nullTime(c.ClosedAt), c.ClosedFrom, c.ID, from)
	if err != nil {
		return fmt.Errorf("update case %d: %w", c.ID, dbErr(err))
	}
	if n > 0 {
		return nil
	}
	found, err := t.exists(`SELECT 1 FROM cases WHERE id = ?`, c.ID)
	switch {
	case err != nil:
		return fmt.Errorf("update case %d: %w", c.ID, dbErr(err))
	case !found:
		return fmt.Errorf("update case %d: %w", c.ID, bot.ErrNotFound)
	}
	return fmt.Errorf("update case %d from %s: %w", c.ID, from, bot.ErrStale)
}

// Cases lists the cases that match f, oldest first.
func (t *tx) Cases(f bot.CaseFilter) ([]bot.Case, error) {
	var where []string
	var args []any
	if f.Requester != "" {
		where = append(where, "c.requester = ?")
		args = append(args, f.Requester)
	}
	if f.Platform != "" {
		where = append(where, "c.platform = ?")
		args = append(args, f.Platform)
	}
	if f.Stage != "" {
		where = append(where, "c.stage = ?")
		args = append(args, f.Stage)
	}
	if f.OpenOnly {
		// The open stages by name, not "<> closed": the index on stage
		// then reads the open cases alone, however many are closed.
		var open []string
		for _, st := range bot.Stages {
			if st != bot.Closed {
				open = append(open, "?")
				args = append(args, st)
			}
		}
		where = append(where, "c.stage IN ("+strings.Join(open, ", ")+")")
	}
	if !f.UpdatedSince.IsZero() {
		where = append(where, "c.updated_at >= ?")
		args = append(args, encTime(f.UpdatedSince))
	}
	q := `SELECT ` + caseCols + ` FROM cases c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := t.query(q+` ORDER BY c.id`, args...)
	cases, err := collect(rows, err, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", dbErr(err))
	}
	return cases, nil
}

// CaseByThread finds the case whose post named "thread" has the reference
// thread on platform.
func (t *tx) CaseByThread(platform, thread string) (bot.Case, error) {
	c, err := scanCase(t.queryRow(`SELECT `+caseCols+` FROM posts p JOIN cases c ON c.id = p.case_id
		WHERE p.platform = ? AND p.ref = ? AND p.name = 'thread'`, platform, thread))
	if err != nil {
		return bot.Case{}, fmt.Errorf("case of thread %s %s: %w", platform, thread, dbErr(err))
	}
	return c, nil
}

// AppendEvent adds e to the event log; e.ID is ignored. An event of case 0
// belongs to no case.
func (t *tx) AppendEvent(e bot.Event) error {
	detail := "{}"
	if len(e.Detail) > 0 {
		var err error
		if detail, err = jsonText(e.Detail); err != nil {
			return fmt.Errorf("append event %s: %w", e.Type, err)
		}
	}
	if _, err := t.exec(`INSERT INTO events (case_id, at, actor, type, detail, text, internal) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(e.CaseID), encTime(e.At), e.Actor, e.Type, detail, e.Text, e.Internal); err != nil {
		return fmt.Errorf("append event %s to case %d: %w", e.Type, e.CaseID, dbErr(err))
	}
	return nil
}

// Events lists the events of a case in order, or every event when caseID
// is 0. An event without details has a nil Detail.
func (t *tx) Events(caseID int64) ([]bot.Event, error) {
	q := `SELECT ` + eventCols + ` FROM events`
	var args []any
	if caseID != 0 {
		q += ` WHERE case_id = ?`
		args = append(args, caseID)
	}
	rows, err := t.query(q+` ORDER BY id`, args...)
	events, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, dbErr(err))
	}
	return events, nil
}

const eventCols = `id, coalesce(case_id, 0), at, actor, type, detail, text, internal`

// scanEvent reads a row of eventCols; an event without details has a nil
// Detail.
func scanEvent(r scanner) (bot.Event, error) {
	var e bot.Event
	err := r.Scan(&e.ID, &e.CaseID, timeCol{&e.At}, &e.Actor, &e.Type, jsonCol{&e.Detail}, &e.Text, &e.Internal)
	if len(e.Detail) == 0 {
		e.Detail = nil
	}
	return e, err
}

// PutPost records the reference of post p.Name of case p.CaseID, replacing
// an earlier one. A reference may be both a thread's and another post's
// (a thread started on a card has the card's reference on Discord and
// Mattermost), but not two threads' or two other posts'.
func (t *tx) PutPost(p bot.Post) error {
	if _, err := t.exec(`INSERT INTO posts (case_id, name, platform, ref) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id, name) DO UPDATE SET platform = excluded.platform, ref = excluded.ref`,
		p.CaseID, p.Name, p.Platform, p.Ref); err != nil {
		return fmt.Errorf("put post %q of case %d: %w", p.Name, p.CaseID, dbErr(err))
	}
	return nil
}

// Post returns the post name of case caseID, or bot.ErrNotFound.
func (t *tx) Post(caseID int64, name bot.PostName) (bot.Post, error) {
	p := bot.Post{CaseID: caseID, Name: name}
	err := t.queryRow(`SELECT platform, ref FROM posts WHERE case_id = ? AND name = ?`, caseID, name).
		Scan(&p.Platform, &p.Ref)
	if err != nil {
		return bot.Post{}, fmt.Errorf("post %q of case %d: %w", name, caseID, dbErr(err))
	}
	return p, nil
}

// PostByRef finds a post by its platform reference. When a thread and a
// post share the reference, it returns the post: reactions, the reason to
// look a reference up, are on posts.
func (t *tx) PostByRef(platform, ref string) (bot.Post, bot.Case, error) {
	p := bot.Post{Platform: platform, Ref: ref}
	var c bot.Case
	err := t.queryRow(`SELECT p.name, `+caseCols+` FROM posts p JOIN cases c ON c.id = p.case_id
		WHERE p.platform = ? AND p.ref = ? ORDER BY p.name = 'thread' LIMIT 1`, platform, ref).Scan(
		append([]any{&p.Name}, caseDest(&c)...)...)
	if err != nil {
		return bot.Post{}, bot.Case{}, fmt.Errorf("post %s %s: %w", platform, ref, dbErr(err))
	}
	p.CaseID = c.ID
	return p, c, nil
}
