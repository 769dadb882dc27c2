package sqlite_test

import (
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// A person's own rows are found by who they are: their events, votes,
// mails and the files of their mails; nobody else's.
func TestAPersonsRows(t *testing.T) {
	s, _ := MustOpen(t)
	c := MustCase(t, s, "mail:lena@museum.se", bot.InitialReview)
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, e := range []bot.Event{
			{CaseID: c.ID, At: at(0), Actor: "mail:lena@museum.se", Type: bot.EvOpened},
			{CaseID: c.ID, At: at(time.Hour), Actor: "shell:bo", Type: bot.EvAsked, Text: "Which licence?"},
		} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		if err := tx.SaveVotes([]bot.Vote{{CaseID: c.ID, Round: 1, Voter: "shell:bo", Choice: bot.Accept}}); err != nil {
			return err
		}
		for _, l := range []bot.LetterRecord{
			{MessageID: "a1@museum.se", CaseID: c.ID, Sender: "mail:lena@museum.se", At: at(0), Outcome: bot.LetterCase},
			{MessageID: "x1@evil.example", CaseID: c.ID, Sender: "mail:mallory@evil.example", At: at(time.Hour), Outcome: bot.LetterHeld},
		} {
			if _, err := tx.AddLetter(l); err != nil {
				return err
			}
		}
		return tx.AddAttachment(&bot.Attachment{CaseID: c.ID, Letter: "a1@museum.se", Name: "list.pdf", MediaType: "application/pdf", Size: 3, Data: []byte("pdf"), At: at(0)})
	})
	MustView(t, s, func(tx bot.Tx) error {
		evs, err := tx.EventsBy("shell:bo")
		if err != nil || len(evs) != 1 || evs[0].Text != "Which licence?" {
			t.Errorf("bo's events %+v %v", evs, err)
		}
		votes, err := tx.VotesBy("shell:bo")
		if err != nil || len(votes) != 1 || votes[0].Choice != bot.Accept {
			t.Errorf("bo's votes %+v %v", votes, err)
		}
		letters, err := tx.LettersFrom("mail:lena@museum.se")
		if err != nil || len(letters) != 1 || letters[0].MessageID != "a1@museum.se" {
			t.Errorf("lena's letters %+v %v", letters, err)
		}
		files, err := tx.FilesFrom("mail:lena@museum.se")
		if err != nil || len(files) != 1 || files[0].Name != "list.pdf" || files[0].Data != nil {
			t.Errorf("lena's files %+v %v", files, err)
		}
		if files, _ := tx.FilesFrom("mail:mallory@evil.example"); len(files) != 0 {
			t.Errorf("mallory's files %+v", files)
		}
		return nil
	})
}
