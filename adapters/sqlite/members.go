package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

func scanMember(r scanner) (bot.Member, error) {
	var m bot.Member
	err := r.Scan(&m.ID, &m.Name, &m.Locale, &m.Lang,
		&m.Roles.Committee, &m.Roles.Chair, &m.Roles.Staff, jsonCol{&m.Roles.Groups}, jsonCol{&m.Also})
	if len(m.Roles.Groups) == 0 {
		m.Roles.Groups = nil
	}
	if len(m.Also) == 0 {
		m.Also = nil
	}
	return m, err
}

// memberCols are a member's columns and, last, the other identities of
// the person, linked (a JSON array, sorted).
const memberCols = `id, name, locale, lang, committee, chair, staff, groups,
	(SELECT json_group_array(id) FROM (SELECT o.id FROM identities i JOIN identities o ON o.person = i.person AND o.id <> i.id
		WHERE i.id = members.id ORDER BY o.id))`

// Member returns the person id, or bot.ErrNotFound. A person without
// working groups has nil Roles.Groups.
func (t *tx) Member(id bot.UserID) (bot.Member, error) {
	m, err := scanMember(t.queryRow(`SELECT `+memberCols+` FROM members WHERE id = ?`, id))
	if err != nil {
		return bot.Member{}, fmt.Errorf("member %s: %w", id, dbErr(err))
	}
	return m, nil
}

// PutMember records m's name, locale and roles, adding the person if they
// are new; m.Lang is ignored and the language they chose is kept.
func (t *tx) PutMember(m bot.Member) error {
	groups := []string{}
	if m.Roles.Groups != nil {
		groups = m.Roles.Groups
	}
	gs, err := jsonText(groups)
	if err != nil {
		return fmt.Errorf("put member %s: %w", m.ID, err)
	}
	if _, err := t.exec(`INSERT INTO members (id, name, locale, committee, chair, staff, groups)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, locale = excluded.locale,
			committee = excluded.committee, chair = excluded.chair, staff = excluded.staff,
			groups = excluded.groups`,
		m.ID, m.Name, m.Locale, m.Roles.Committee, m.Roles.Chair, m.Roles.Staff, gs); err != nil {
		return fmt.Errorf("put member %s: %w", m.ID, dbErr(err))
	}
	return nil
}

// SetLang records the language id chose, adding the person if they are
// new.
func (t *tx) SetLang(id bot.UserID, lang string) error {
	if _, err := t.exec(`INSERT INTO members (id, lang) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET lang = excluded.lang`, id, lang); err != nil {
		return fmt.Errorf("set language of %s: %w", id, dbErr(err))
	}
	return nil
}

// SetDigest records the hour of id's daily digest (-1: none), adding the
// person if they are new.
func (t *tx) SetDigest(id bot.UserID, hour int) error {
	if _, err := t.exec(`INSERT INTO members (id, digest_hour) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET digest_hour = excluded.digest_hour`, id, hour); err != nil {
		return fmt.Errorf("set digest of %s: %w", id, dbErr(err))
	}
	return nil
}

// Digest returns the hour of id's daily digest, -1 for none.
func (t *tx) Digest(id bot.UserID) (int, error) {
	hour := -1
	err := t.queryRow(`SELECT digest_hour FROM members WHERE id = ?`, id).Scan(&hour)
	if errors.Is(err, sql.ErrNoRows) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("digest of %s: %w", id, dbErr(err))
	}
	return hour, nil
}

// Members lists the people whose id has the prefix platform+":", by id.
func (t *tx) Members(platform string) ([]bot.Member, error) {
	// A range on the primary key rather than LIKE, which would need its
	// wildcards escaped; ';' is the character after ':'.
	rows, err := t.query(`SELECT `+memberCols+` FROM members WHERE id >= ? AND id < ? ORDER BY id`,
		platform+":", platform+";")
	ms, err := collect(rows, err, scanMember)
	if err != nil {
		return nil, fmt.Errorf("members on %s: %w", platform, dbErr(err))
	}
	return ms, nil
}

// PutVolunteer records v, replacing an earlier sign-up of v.User.
func (t *tx) PutVolunteer(v bot.Volunteer) error {
	if _, err := t.exec(`INSERT INTO volunteers (user, languages, skills, groups, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user) DO UPDATE SET languages = excluded.languages, skills = excluded.skills,
			groups = excluded.groups, at = excluded.at`,
		v.User, v.Languages, v.Skills, v.Groups, encTime(v.At)); err != nil {
		return fmt.Errorf("put volunteer %s: %w", v.User, dbErr(err))
	}
	return nil
}

// Volunteers lists the volunteers by user id.
func (t *tx) Volunteers() ([]bot.Volunteer, error) {
	rows, err := t.query(`SELECT user, languages, skills, groups, at FROM volunteers ORDER BY user`)
	vs, err := collect(rows, err, func(r scanner) (bot.Volunteer, error) {
		var v bot.Volunteer
		err := r.Scan(&v.User, &v.Languages, &v.Skills, &v.Groups, timeCol{&v.At})
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("list volunteers: %w", dbErr(err))
	}
	return vs, nil
}

// FirstNotice records that user was told key at at; false when they had
// been (the first time is kept). A record kept for a while (keep > 0) is
// forgotten once at is past it: each call first deletes those due, a
// range of the partial index notices_forget, so that the table holds only
// what still matters.
func (t *tx) FirstNotice(user bot.UserID, key string, at time.Time, keep time.Duration) (bool, error) {
	if _, err := t.exec(`DELETE FROM notices WHERE forget_at <= ?`, encTime(at)); err != nil {
		return false, fmt.Errorf("forget old notices: %w", dbErr(err))
	}
	var forget any
	if keep > 0 {
		forget = encTime(at.Add(keep))
	}
	n, err := t.execN(`INSERT INTO notices (user, key, at, forget_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user, key) DO NOTHING`, user, key, encTime(at), forget)
	if err != nil {
		return false, fmt.Errorf("notice %q to %s: %w", key, user, dbErr(err))
	}
	return n > 0, nil
}

// Installation returns the database's installation id, 20 random hex
// digits made with the database.
func (t *tx) Installation() (string, error) {
	var id string
	if err := t.queryRow(`SELECT id FROM installation WHERE one = 1`).Scan(&id); err != nil {
		return "", fmt.Errorf("read installation id: %w", dbErr(err))
	}
	return id, nil
}

// SetReachable records whether a private message last reached user: false
// keeps the first time it did not, true forgets it.
func (t *tx) SetReachable(user bot.UserID, reachable bool, at time.Time) error {
	var err error
	if reachable {
		_, err = t.exec(`DELETE FROM unreachable WHERE user = ?`, user)
	} else {
		_, err = t.exec(`INSERT INTO unreachable (user, since) VALUES (?, ?) ON CONFLICT (user) DO NOTHING`, user, encTime(at))
	}
	if err != nil {
		return fmt.Errorf("record whether %s can be written to: %w", user, dbErr(err))
	}
	return nil
}

// Reachable reports whether user can be written to privately, as far as
// the last private message told.
func (t *tx) Reachable(user bot.UserID) (bool, error) {
	found, err := t.exists(`SELECT 1 FROM unreachable WHERE user = ?`, user)
	if err != nil {
		return false, fmt.Errorf("read whether %s can be written to: %w", user, dbErr(err))
	}
	return !found, nil
}
