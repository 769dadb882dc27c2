package sqlite

import (
	"fmt"

	"github.com/wmse/helpdesk/bot"
)

// EventsBy lists the events actor made, in every case, in order. It reads
// the whole log: for an operator's request about a person, not for pages.
func (t *tx) EventsBy(actor bot.UserID) ([]bot.Event, error) {
	rows, err := t.query(`SELECT `+eventCols+` FROM events WHERE actor = ? ORDER BY id`, actor)
	events, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", actor, dbErr(err))
	}
	return events, nil
}

// VotesBy lists voter's recorded votes.
func (t *tx) VotesBy(voter bot.UserID) ([]bot.Vote, error) {
	rows, err := t.query(`SELECT case_id, round, voter, choice FROM votes WHERE voter = ? ORDER BY case_id, round`, voter)
	votes, err := collect(rows, err, func(r scanner) (bot.Vote, error) {
		var v bot.Vote
		err := r.Scan(&v.CaseID, &v.Round, &v.Voter, &v.Choice)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("votes of %s: %w", voter, dbErr(err))
	}
	return votes, nil
}

// LettersFrom lists the mails received from sender, by time.
func (t *tx) LettersFrom(sender bot.UserID) ([]bot.LetterRecord, error) {
	rows, err := t.query(`SELECT message_id, coalesce(case_id, 0), sender, at, outcome FROM letters WHERE sender = ? ORDER BY at`, sender)
	out, err := collect(rows, err, func(r scanner) (bot.LetterRecord, error) {
		var l bot.LetterRecord
		err := r.Scan(&l.MessageID, &l.CaseID, &l.Sender, timeCol{&l.At}, &l.Outcome)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("letters of %s: %w", sender, dbErr(err))
	}
	return out, nil
}

// FilesFrom lists, without their bytes, the files of sender's mails.
func (t *tx) FilesFrom(sender bot.UserID) ([]bot.Attachment, error) {
	rows, err := t.query(`SELECT a.id, a.case_id, a.letter, a.name, a.media_type, a.size, a.at FROM attachments a
		JOIN letters l ON l.message_id = a.letter WHERE l.sender = ? ORDER BY a.id`, sender)
	out, err := collect(rows, err, func(r scanner) (bot.Attachment, error) {
		var a bot.Attachment
		err := r.Scan(&a.ID, &a.CaseID, &a.Letter, &a.Name, &a.MediaType, &a.Size, timeCol{&a.At})
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("files of %s: %w", sender, dbErr(err))
	}
	return out, nil
}
