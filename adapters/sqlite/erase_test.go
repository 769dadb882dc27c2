package sqlite_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite/sqlitetest"
	"github.com/wmse/helpdesk/bot"
)

// One person on every platform's tables: Åsa files by mail (with a file),
// is written about by name in others' texts (in any case, inside JSON in
// the outbox), and a committee member whose id is a prefix of another's
// votes. The erasure of Åsa leaves none of her in any table and touches
// nobody else; that of the voter keeps the votes as counts.
func TestEraseReplacesThePersonInEveryTable(t *testing.T) {
	s, path := MustOpen(t)
	const (
		asa   = bot.UserID("mail:asa@museum.se")
		voter = bot.UserID("discord:12")
		other = bot.UserID("discord:123")
		staff = bot.UserID("mattermost:staff1")
	)
	c := newCase(asa, bot.Closed)
	c.Title, c.Description, c.Organisation = "Åsa's herbarium", "Pressed plants sent by asa@museum.se.", "Skoklosters slott"
	c.Owner, c.ClosedAt = staff, at(time.Hour)
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.CreateCase(c); err != nil {
			return err
		}
		return tx.UpdateCase(*c, bot.Closed)
	})
	d := newCase("shell:omar", bot.InitialReview)
	d.Description = "Like ÅSA's herbarium; ask åsa."
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.CreateCase(d); err != nil {
			return err
		}
		for _, m := range []bot.Member{{ID: asa, Name: "Åsa"}, {ID: voter, Name: "vera"}, {ID: other, Name: "otto"}} {
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		for _, e := range []bot.Event{
			{CaseID: c.ID, At: at(0), Actor: asa, Type: bot.EvOpened},
			{CaseID: c.ID, At: at(time.Minute), Actor: staff, Type: bot.EvAsked, Text: "Which licence, Åsa?"},
			{CaseID: c.ID, At: at(2 * time.Minute), Actor: asa, Type: bot.EvAnswered, Text: "CC0 for the herbarium."},
			{CaseID: c.ID, At: at(3 * time.Minute), Actor: staff, Type: bot.EvOwner, Detail: map[string]string{"owner": string(staff), "name": "staff one"}},
			{CaseID: d.ID, At: at(4 * time.Minute), Actor: staff, Type: bot.EvNote, Text: "Åsa's first case was similar."},
			{CaseID: d.ID, At: at(5 * time.Minute), Actor: voter, Type: bot.EvVoteCast, Detail: map[string]string{"choice": "accept"}},
		} {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		if err := tx.SaveVotes([]bot.Vote{{CaseID: d.ID, Round: 1, Voter: voter, Choice: bot.Accept}, {CaseID: d.ID, Round: 1, Voter: other, Choice: bot.Decline}}); err != nil {
			return err
		}
		if _, err := tx.AddReaction("discord", "m1", voter, "✅"); err != nil {
			return err
		}
		if _, err := tx.AddLetter(bot.LetterRecord{MessageID: "a1@museum.se", CaseID: c.ID, Sender: asa, At: at(0), Outcome: bot.LetterCase}); err != nil {
			return err
		}
		if err := tx.AddAttachment(&bot.Attachment{CaseID: c.ID, Letter: "a1@museum.se", Name: "herbarium.pdf", MediaType: "application/pdf", Size: 3, Data: []byte("pdf"), At: at(0)}); err != nil {
			return err
		}
		if err := tx.AddSignIn("h1", asa, at(0), at(time.Hour), 5); err != nil {
			return err
		}
		// What the outbox sent her (history), what waits for her, and a
		// message for the committee that names her: "<Åsa>" is written
		// by JSON as \u003cÅsa\u003e.
		for _, it := range []bot.Item{
			{Platform: "mail", CaseID: c.ID, Op: bot.OpPost, Place: bot.Place{Kind: bot.InDirect, User: asa}, Message: bot.Message{Lines: []bot.Text{bot.T("dm.opened", "title", bot.S("Åsa's herbarium"))}}},
			{Platform: "discord", CaseID: d.ID, Op: bot.OpPost, Place: bot.Place{Kind: bot.InThread}, Message: bot.Message{Lines: []bot.Text{bot.Quoted("as <Åsa> said"), bot.T("x", "who", bot.P(bot.Person{ID: asa}))}, Ping: []bot.UserID{asa}}},
		} {
			it.Created = at(0)
			if err := tx.Enqueue(&it); err != nil {
				return err
			}
		}
		return tx.Done(1)
	})

	var n int64
	MustUpdate(t, s, func(tx bot.Tx) error {
		var err error
		n, err = tx.Erase(bot.Erasure{Person: asa, Pseudonym: "erased:aaaa", Names: []string{"Åsa", "asa@museum.se"}, Cases: []int64{c.ID}, At: at(time.Hour)})
		return err
	})
	if n == 0 {
		t.Fatal("nothing changed")
	}
	all := sqlitetest.Dump(t, path)
	for _, gone := range []string{"asa@museum.se", "Åsa", "ÅSA", "åsa", "herbarium.pdf", "CC0 for", "Skokloster", "Pressed plants", "Which licence"} {
		for _, line := range strings.Split(all, "\n") {
			if strings.Contains(line, gone) && !strings.HasPrefix(line, "letters: a1@museum.se") {
				t.Errorf("%q is left: %s", gone, line)
			}
		}
	}
	for _, kept := range []string{"Like […]'s herbarium; ask […].", "[…]'s first case was similar.", "discord:12 ", "discord:123", "staff one", `as \u003c[…]\u003e said`, `"erased:aaaa"`} {
		if !strings.Contains(all, kept) {
			t.Errorf("%q is not there:\n%s", kept, all)
		}
	}
	MustView(t, s, func(tx bot.Tx) error {
		got, err := tx.Case(c.ID)
		if err != nil || got.Requester != "erased:aaaa" || got.ErasedAt.IsZero() || got.Title != "" || got.Owner != staff || got.Stage != bot.Closed {
			t.Errorf("her case: %+v %v", got, err)
		}
		if _, err := tx.Member(asa); err == nil {
			t.Error("her member record is left")
		}
		return nil
	})

	// The voter: his vote stays a vote, under a pseudonym; the other
	// voter, whose id he prefixes, is untouched.
	MustUpdate(t, s, func(tx bot.Tx) error {
		_, err := tx.Erase(bot.Erasure{Person: voter, Pseudonym: "erased:bbbb", Names: []string{"vera"}, At: at(time.Hour)})
		return err
	})
	MustView(t, s, func(tx bot.Tx) error {
		b, err := tx.Votes(d.ID)
		if err != nil {
			return err
		}
		got := map[bot.UserID]bot.Choice{}
		for _, v := range b {
			got[v.Voter] = v.Choice
		}
		diff(t, "votes", got, map[bot.UserID]bot.Choice{"erased:bbbb": bot.Accept, other: bot.Decline})
		held, err := tx.Reactions("discord", "m1")
		if err != nil || len(held) != 1 || held[0].User != "erased:bbbb" {
			t.Errorf("reactions %+v %v", held, err)
		}
		return nil
	})
}

// The retention of one case (Only) leaves the requester's other cases,
// and the requester, alone.
func TestEraseOnlyTheCase(t *testing.T) {
	s, _ := MustOpen(t)
	old := MustCase(t, s, "shell:rita", bot.Closed)
	newer := MustCase(t, s, "shell:rita", bot.Closed)
	MustUpdate(t, s, func(tx bot.Tx) error {
		if err := tx.PutMember(bot.Member{ID: "shell:rita", Name: "rita"}); err != nil {
			return err
		}
		_, err := tx.Erase(bot.Erasure{Person: "shell:rita", Pseudonym: "erased:cccc", Cases: []int64{old.ID}, Only: true, At: at(time.Hour)})
		return err
	})
	MustView(t, s, func(tx bot.Tx) error {
		o, _ := tx.Case(old.ID)
		n, _ := tx.Case(newer.ID)
		if o.Requester != "erased:cccc" || o.Title != "" || n.Requester != "shell:rita" || n.Title == "" || !n.ErasedAt.IsZero() {
			t.Errorf("old %+v\nnewer %+v", o, n)
		}
		if m, err := tx.Member("shell:rita"); err != nil || m.Name != "rita" {
			t.Errorf("rita %+v %v", m, err)
		}
		return nil
	})
}

// Retention's other two: the files of cases closed before a moment, and
// the outbox's finished items older than a moment; nothing else.
func TestRetentionOfFilesAndTheOutbox(t *testing.T) {
	s, _ := MustOpen(t)
	closed := newCase("mail:a@b.se", bot.Closed)
	closed.ClosedAt = at(time.Hour)
	open := newCase("mail:a@b.se", bot.InitialReview)
	MustUpdate(t, s, func(tx bot.Tx) error {
		for _, c := range []*bot.Case{closed, open} {
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			if err := tx.UpdateCase(*c, c.Stage); err != nil {
				return err
			}
			if err := tx.AddAttachment(&bot.Attachment{CaseID: c.ID, Letter: fmt.Sprintf("m%d@b.se", c.ID), Name: "f.pdf", MediaType: "application/pdf", Size: 1, Data: []byte("x"), At: at(0)}); err != nil {
				return err
			}
		}
		for i := range 3 {
			it := bot.Item{Platform: "shell", Op: bot.OpPost, Place: bot.Place{Kind: bot.InCommittee}, Created: at(0)}
			if err := tx.Enqueue(&it); err != nil {
				return err
			}
			if i < 2 {
				if err := tx.Done(it.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	MustUpdate(t, s, func(tx bot.Tx) error {
		if n, err := tx.DeleteFiles(at(2 * time.Hour)); err != nil || n != 1 {
			t.Errorf("files deleted: %d %v", n, err)
		}
		if n, err := tx.DeleteFiles(at(2 * time.Hour)); err != nil || n != 0 {
			t.Errorf("files deleted again: %d %v", n, err)
		}
		if n, err := tx.PruneOutbox(time.Now().Add(time.Hour)); err != nil || n != 2 {
			t.Errorf("outbox pruned: %d %v", n, err)
		}
		left, err := tx.Pending("shell", time.Now().Add(time.Hour), 0)
		if err != nil || len(left) != 1 {
			t.Errorf("pending left: %+v %v", left, err)
		}
		files, err := tx.Attachments(open.ID)
		if err != nil || len(files) != 1 {
			t.Errorf("the open case's files: %+v %v", files, err)
		}
		return nil
	})
}

// BenchmarkErase measures the erasure of one person from a database of
// 5,000 cases and 100,000 events (a quarter with texts, which are all
// read to find the person's name), next to the bare read of those texts
// in the same run; it reports both and their ratio.
func BenchmarkErase(b *testing.B) {
	s, path := MustOpen(b)
	const cases, perCase = 5000, 20
	MustUpdate(b, s, func(tx bot.Tx) error {
		for i := range cases {
			c := newCase(bot.UserID(fmt.Sprintf("shell:p%d", i%500)), bot.Closed)
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			for j := range perCase {
				e := bot.Event{CaseID: c.ID, At: at(time.Duration(j) * time.Minute), Actor: bot.UserID(fmt.Sprintf("shell:p%d", (i+j)%500)), Type: bot.EvVoteCast}
				if j%4 == 0 {
					e.Type, e.Text = bot.EvNote, fmt.Sprintf("Asked p%d about the %d scans; see the archive's list.", (i+j)%500, j*100)
				}
				if err := tx.AppendEvent(e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	raw, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var base, erase time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		rows, err := raw.Query(`SELECT id, text FROM events WHERE text <> ''`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		base += time.Since(start)

		who := bot.UserID(fmt.Sprintf("shell:p%d", i%500))
		start = time.Now()
		MustUpdate(b, s, func(tx bot.Tx) error {
			_, err := tx.Erase(bot.Erasure{Person: who, Pseudonym: bot.UserID(fmt.Sprintf("erased:%012d", i)), Names: []string{who.Local()}, At: at(time.Hour)})
			return err
		})
		erase += time.Since(start)
	}
	b.ReportMetric(float64(erase.Milliseconds())/float64(b.N), "erase-ms/op")
	b.ReportMetric(float64(base.Milliseconds())/float64(b.N), "scan-ms/op")
	b.ReportMetric(float64(erase)/float64(base), "erase/scan")
}
