package sqlite

import (
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Assign routes case a.CaseID to group a.Group, recording a.RoutedBy and
// a.RoutedAt; false when it already was (nothing changes). a.Claimers and
// the recommendation are ignored: Claim and Recommend record them.
func (t *tx) Assign(a bot.Assignment) (bool, error) {
	n, err := t.execN(`INSERT INTO case_groups (case_id, grp, routed_by, routed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id, grp) DO NOTHING`, a.CaseID, a.Group, a.RoutedBy, encTime(a.RoutedAt))
	if err != nil {
		return false, fmt.Errorf("assign case %d to %q: %w", a.CaseID, a.Group, dbErr(err))
	}
	return n > 0, nil
}

// Assignments lists the groups of a case in routing order, each with its
// claimers in the order they claimed.
func (t *tx) Assignments(caseID int64) ([]bot.Assignment, error) {
	rows, err := t.query(`SELECT grp, routed_by, routed_at, recommendation, recommended_by
		FROM case_groups WHERE case_id = ? ORDER BY seq`, caseID)
	as, err := collect(rows, err, func(r scanner) (bot.Assignment, error) {
		a := bot.Assignment{CaseID: caseID}
		err := r.Scan(&a.Group, &a.RoutedBy, timeCol{&a.RoutedAt}, &a.Recommendation, &a.RecommendedBy)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("assignments of case %d: %w", caseID, dbErr(err))
	}
	if len(as) == 0 {
		return nil, nil
	}
	index := make(map[string]int, len(as))
	for i, a := range as {
		index[a.Group] = i
	}
	rows, err = t.query(`SELECT grp, user FROM claims WHERE case_id = ? ORDER BY seq`, caseID)
	type claim struct {
		group string
		user  bot.UserID
	}
	claims, err := collect(rows, err, func(r scanner) (claim, error) {
		var c claim
		err := r.Scan(&c.group, &c.user)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("claims on case %d: %w", caseID, dbErr(err))
	}
	for _, c := range claims {
		i := index[c.group] // the foreign key keeps claims to routed groups
		as[i].Claimers = append(as[i].Claimers, c.user)
	}
	return as, nil
}

// Claim records that user took case caseID for group at at; false when
// they had. bot.ErrNotFound when the case was not routed to group.
func (t *tx) Claim(caseID int64, group string, user bot.UserID, at time.Time) (bool, error) {
	n, err := t.execN(`INSERT INTO claims (case_id, grp, user, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (case_id, grp, user) DO NOTHING`, caseID, group, user, encTime(at))
	if err != nil {
		return false, fmt.Errorf("claim case %d for %q by %s: %w", caseID, group, user, dbErr(err))
	}
	return n > 0, nil
}

// Recommend records group's recommendation on case caseID, made by user at
// at, replacing an earlier one. bot.ErrNotFound when the case was not
// routed to group.
func (t *tx) Recommend(caseID int64, group string, user bot.UserID, text string, at time.Time) error {
	n, err := t.execN(`UPDATE case_groups SET recommendation = ?, recommended_by = ?, recommended_at = ?
		WHERE case_id = ? AND grp = ?`, text, user, encTime(at), caseID, group)
	if err != nil {
		return fmt.Errorf("recommend on case %d for %q: %w", caseID, group, dbErr(err))
	}
	if n == 0 {
		return fmt.Errorf("recommend on case %d for %q: %w", caseID, group, bot.ErrNotFound)
	}
	return nil
}

// ClearRecommendations empties the recommendations of every group of a
// case, sending them back to work; claims stay.
func (t *tx) ClearRecommendations(caseID int64) error {
	if _, err := t.exec(`UPDATE case_groups SET recommendation = '', recommended_by = '', recommended_at = NULL
		WHERE case_id = ?`, caseID); err != nil {
		return fmt.Errorf("clear recommendations of case %d: %w", caseID, dbErr(err))
	}
	return nil
}
