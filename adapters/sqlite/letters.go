package sqlite

import (
	"fmt"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Letter returns what became of the mail messageID, or bot.ErrNotFound.
func (t *tx) Letter(messageID string) (bot.LetterRecord, error) {
	r := bot.LetterRecord{MessageID: messageID}
	err := t.queryRow(`SELECT coalesce(case_id, 0), sender, at, outcome FROM letters WHERE message_id = ?`, messageID).
		Scan(&r.CaseID, &r.Sender, timeCol{&r.At}, &r.Outcome)
	if err != nil {
		return bot.LetterRecord{}, fmt.Errorf("letter %s: %w", messageID, dbErr(err))
	}
	return r, nil
}

// AddLetter records a mail received; false when its Message-ID was.
func (t *tx) AddLetter(r bot.LetterRecord) (bool, error) {
	n, err := t.execN(`INSERT INTO letters (message_id, case_id, sender, at, outcome) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (message_id) DO NOTHING`, r.MessageID, nullID(r.CaseID), r.Sender, encTime(r.At), r.Outcome)
	if err != nil {
		return false, fmt.Errorf("record letter %s: %w", r.MessageID, dbErr(err))
	}
	return n > 0, nil
}

// LettersSince counts the letters from sender since then with outcome.
func (t *tx) LettersSince(sender bot.UserID, since time.Time, outcome string) (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM letters WHERE sender = ? AND at >= ? AND outcome = ?`,
		sender, encTime(since), outcome).Scan(&n); err != nil {
		return 0, fmt.Errorf("count letters of %s: %w", sender, dbErr(err))
	}
	return n, nil
}

// PlatformPosts lists the posts of case caseID on platform in the order
// they were first recorded.
func (t *tx) PlatformPosts(caseID int64, platform string) ([]bot.Post, error) {
	rows, err := t.query(`SELECT name, ref FROM posts WHERE case_id = ? AND platform = ? ORDER BY rowid`, caseID, platform)
	posts, err := collect(rows, err, func(r scanner) (bot.Post, error) {
		p := bot.Post{CaseID: caseID, Platform: platform}
		err := r.Scan(&p.Name, &p.Ref)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("posts of case %d on %s: %w", caseID, platform, dbErr(err))
	}
	return posts, nil
}
