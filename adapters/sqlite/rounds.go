package sqlite

import (
	"fmt"

	"github.com/wmse/helpdesk/bot"
)

// OpenRound stores a new vote round; a round with the same case and number
// is an error.
func (t *tx) OpenRound(r bot.Round) error {
	if _, err := t.exec(`INSERT INTO rounds (case_id, n, kind, post, opened_at, deadline, closed, result, escalated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CaseID, r.N, r.Kind, r.Post, encTime(r.OpenedAt), encTime(r.Deadline),
		r.Closed, r.Result, r.Escalated); err != nil {
		return fmt.Errorf("open round %d of case %d: %w", r.N, r.CaseID, dbErr(err))
	}
	return nil
}

// Round returns round n of case caseID, or bot.ErrNotFound.
func (t *tx) Round(caseID int64, n int) (bot.Round, error) {
	r := bot.Round{CaseID: caseID, N: n}
	err := t.queryRow(`SELECT kind, post, opened_at, deadline, closed, result, escalated
		FROM rounds WHERE case_id = ? AND n = ?`, caseID, n).
		Scan(&r.Kind, &r.Post, timeCol{&r.OpenedAt}, timeCol{&r.Deadline}, &r.Closed, &r.Result, &r.Escalated)
	if err != nil {
		return bot.Round{}, fmt.Errorf("round %d of case %d: %w", n, caseID, dbErr(err))
	}
	return r, nil
}

// UpdateRound writes Closed, Result and Escalated of r; bot.ErrNotFound
// when the round does not exist.
func (t *tx) UpdateRound(r bot.Round) error {
	n, err := t.execN(`UPDATE rounds SET closed = ?, result = ?, escalated = ? WHERE case_id = ? AND n = ?`,
		r.Closed, r.Result, r.Escalated, r.CaseID, r.N)
	if err != nil {
		return fmt.Errorf("update round %d of case %d: %w", r.N, r.CaseID, dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("update round %d of case %d: %w", r.N, r.CaseID, bot.ErrNotFound)
	}
	return nil
}

// SaveVotes records votes. A voter's later vote in the same round replaces
// the choice of the earlier one and keeps its place in the order.
func (t *tx) SaveVotes(votes []bot.Vote) error {
	for _, v := range votes {
		if _, err := t.exec(`INSERT INTO votes (case_id, round, voter, choice) VALUES (?, ?, ?, ?)
			ON CONFLICT (case_id, round, voter) DO UPDATE SET choice = excluded.choice`,
			v.CaseID, v.Round, v.Voter, v.Choice); err != nil {
			return fmt.Errorf("save vote of %s in round %d of case %d: %w", v.Voter, v.Round, v.CaseID, dbErr(err))
		}
	}
	return nil
}

// Votes lists the recorded votes of a case by round, then in the order
// they were saved.
func (t *tx) Votes(caseID int64) ([]bot.Vote, error) {
	rows, err := t.query(`SELECT round, voter, choice FROM votes WHERE case_id = ? ORDER BY round, seq`, caseID)
	votes, err := collect(rows, err, func(r scanner) (bot.Vote, error) {
		v := bot.Vote{CaseID: caseID}
		err := r.Scan(&v.Round, &v.Voter, &v.Choice)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("votes of case %d: %w", caseID, dbErr(err))
	}
	return votes, nil
}

// AddReaction records that user holds emoji on post ref; false when they
// already did. A reaction added again after its removal comes after every
// reaction added before.
func (t *tx) AddReaction(platform, ref string, user bot.UserID, emoji string) (bool, error) {
	n, err := t.execN(`INSERT INTO reactions (platform, ref, user, emoji) VALUES (?, ?, ?, ?)
		ON CONFLICT (platform, ref, user, emoji) DO NOTHING`, platform, ref, user, emoji)
	if err != nil {
		return false, fmt.Errorf("add reaction %s of %s on %s %s: %w", emoji, user, platform, ref, dbErr(err))
	}
	if n == 0 {
		// Held already; if it was carried from a deleted post, the platform
		// now shows it again.
		if _, err := t.exec(`UPDATE reactions SET carried = 0
			WHERE platform = ? AND ref = ? AND user = ? AND emoji = ? AND carried = 1`, platform, ref, user, emoji); err != nil {
			return false, fmt.Errorf("add reaction %s of %s on %s %s: %w", emoji, user, platform, ref, dbErr(err))
		}
	}
	return n > 0, nil
}

// RemoveReaction forgets that user holds emoji on post ref; false when
// there was nothing to forget.
func (t *tx) RemoveReaction(platform, ref string, user bot.UserID, emoji string) (bool, error) {
	n, err := t.execN(`DELETE FROM reactions WHERE platform = ? AND ref = ? AND user = ? AND emoji = ?`,
		platform, ref, user, emoji)
	if err != nil {
		return false, fmt.Errorf("remove reaction %s of %s on %s %s: %w", emoji, user, platform, ref, dbErr(err))
	}
	return n > 0, nil
}

// Reactions lists the reactions held on post ref, by Seq.
func (t *tx) Reactions(platform, ref string) ([]bot.HeldReaction, error) {
	rows, err := t.query(`SELECT user, emoji, seq, carried FROM reactions WHERE platform = ? AND ref = ? ORDER BY seq`,
		platform, ref)
	rs, err := collect(rows, err, func(r scanner) (bot.HeldReaction, error) {
		var h bot.HeldReaction
		err := r.Scan(&h.User, &h.Emoji, &h.Seq, &h.Carried)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("reactions on %s %s: %w", platform, ref, dbErr(err))
	}
	return rs, nil
}

// MoveReactions moves the reactions held on post from to post to, marking
// them carried; a reaction the person already holds on to is kept as it is.
func (t *tx) MoveReactions(platform, from, to string) error {
	if _, err := t.exec(`UPDATE OR IGNORE reactions SET ref = ?, carried = 1 WHERE platform = ? AND ref = ?`,
		to, platform, from); err != nil {
		return fmt.Errorf("move reactions from %s %s: %w", platform, from, dbErr(err))
	}
	if _, err := t.exec(`DELETE FROM reactions WHERE platform = ? AND ref = ?`, platform, from); err != nil {
		return fmt.Errorf("move reactions from %s %s: %w", platform, from, dbErr(err))
	}
	return nil
}
