package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// AddLinkCode keeps the hash of a one-time code of user's, valid until
// expires; user keeps at most keep codes, the oldest dropped.
func (t *tx) AddLinkCode(hash string, user bot.UserID, at, expires time.Time, keep int) error {
	if _, err := t.exec(`INSERT INTO link_codes (hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, user, encTime(at), encTime(expires)); err != nil {
		return fmt.Errorf("add a link code: %w", dbErr(err))
	}
	if _, err := t.exec(`DELETE FROM link_codes WHERE user = ? AND hash NOT IN
		(SELECT hash FROM link_codes WHERE user = ? ORDER BY created_at DESC, hash LIMIT ?)`, user, user, keep); err != nil {
		return fmt.Errorf("drop old link codes: %w", dbErr(err))
	}
	// Expired codes of anyone go too: nothing else removes them.
	if _, err := t.exec(`DELETE FROM link_codes WHERE expires_at <= ?`, encTime(at)); err != nil {
		return fmt.Errorf("drop expired link codes: %w", dbErr(err))
	}
	return nil
}

// TakeLinkCode spends the code whose hash is hash and returns whose it
// was; bot.ErrNotFound when it is unknown, spent or expired at now.
func (t *tx) TakeLinkCode(hash string, now time.Time) (bot.UserID, error) {
	var user bot.UserID
	var expires time.Time
	err := t.queryRow(`SELECT user, expires_at FROM link_codes WHERE hash = ?`, hash).Scan(&user, timeCol{&expires})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("link code: %w", bot.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("link code: %w", dbErr(err))
	}
	if _, err := t.exec(`DELETE FROM link_codes WHERE hash = ?`, hash); err != nil {
		return "", fmt.Errorf("spend link code: %w", dbErr(err))
	}
	if !now.Before(expires) {
		return "", fmt.Errorf("link code expired: %w", bot.ErrNotFound)
	}
	return user, nil
}

// Link makes a and b one person, with every identity either was linked
// to; the person is named by a's person (or a).
func (t *tx) Link(a, b bot.UserID, at time.Time) error {
	person := func(id bot.UserID) (bot.UserID, error) {
		var p bot.UserID
		err := t.queryRow(`SELECT person FROM identities WHERE id = ?`, id).Scan(&p)
		if errors.Is(err, sql.ErrNoRows) {
			return id, nil
		}
		return p, err
	}
	pa, err := person(a)
	if err != nil {
		return fmt.Errorf("link %s: %w", a, dbErr(err))
	}
	pb, err := person(b)
	if err != nil {
		return fmt.Errorf("link %s: %w", b, dbErr(err))
	}
	for _, id := range []bot.UserID{a, b} {
		if _, err := t.exec(`INSERT INTO identities (id, person, linked_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, pa, encTime(at)); err != nil {
			return fmt.Errorf("link %s: %w", id, dbErr(err))
		}
	}
	if _, err := t.exec(`UPDATE identities SET person = ? WHERE person = ?`, pa, pb); err != nil {
		return fmt.Errorf("link %s and %s: %w", a, b, dbErr(err))
	}
	return nil
}

// Unlink takes id out of its person; a person left with one identity is
// no longer linked. It reports whether id was linked.
func (t *tx) Unlink(id bot.UserID) (bool, error) {
	var person bot.UserID
	err := t.queryRow(`SELECT person FROM identities WHERE id = ?`, id).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("unlink %s: %w", id, dbErr(err))
	}
	if _, err := t.exec(`DELETE FROM identities WHERE id = ?`, id); err != nil {
		return false, fmt.Errorf("unlink %s: %w", id, dbErr(err))
	}
	if person == id {
		// The person was named by id: another of theirs names it now.
		if _, err := t.exec(`UPDATE identities SET person = (SELECT min(id) FROM identities WHERE person = ?) WHERE person = ?`, id, id); err != nil {
			return false, fmt.Errorf("unlink %s: %w", id, dbErr(err))
		}
	}
	if _, err := t.exec(`DELETE FROM identities WHERE person IN
		(SELECT person FROM identities GROUP BY person HAVING count(*) = 1)`); err != nil {
		return false, fmt.Errorf("unlink %s: %w", id, dbErr(err))
	}
	return true, nil
}
