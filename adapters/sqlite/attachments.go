package sqlite

import (
	"fmt"

	"github.com/wmse/helpdesk/bot"
)

// AddAttachment keeps a file that came with a mail and sets a.ID.
func (t *tx) AddAttachment(a *bot.Attachment) error {
	res, err := t.exec(`INSERT INTO attachments (case_id, letter, name, media_type, size, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.CaseID, a.Letter, a.Name, a.MediaType, a.Size, a.Data, encTime(a.At))
	if err != nil {
		return fmt.Errorf("keep a file of case %d: %w", a.CaseID, dbErr(err))
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("keep a file of case %d: %w", a.CaseID, err)
	}
	return nil
}

// Attachments lists a case's files without their bytes, by id.
func (t *tx) Attachments(caseID int64) ([]bot.Attachment, error) {
	rows, err := t.query(`SELECT id, case_id, letter, name, media_type, size, at FROM attachments WHERE case_id = ? ORDER BY id`, caseID)
	out, err := collect(rows, err, func(r scanner) (bot.Attachment, error) {
		var a bot.Attachment
		err := r.Scan(&a.ID, &a.CaseID, &a.Letter, &a.Name, &a.MediaType, &a.Size, timeCol{&a.At})
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("files of case %d: %w", caseID, dbErr(err))
	}
	return out, nil
}

// Attachment reads one file of a case with its bytes, or bot.ErrNotFound.
func (t *tx) Attachment(caseID, id int64) (bot.Attachment, error) {
	var a bot.Attachment
	err := t.queryRow(`SELECT id, case_id, letter, name, media_type, size, data, at FROM attachments WHERE case_id = ? AND id = ?`, caseID, id).
		Scan(&a.ID, &a.CaseID, &a.Letter, &a.Name, &a.MediaType, &a.Size, &a.Data, timeCol{&a.At})
	if err != nil {
		return bot.Attachment{}, fmt.Errorf("file %d of case %d: %w", id, caseID, dbErr(err))
	}
	return a, nil
}
