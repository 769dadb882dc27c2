package bot_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// Notices that only matter for a while (a form's key against its replay,
// staff told of one day's failed backup) are not kept forever: after a
// year of daily ones the table holds about a month of them. A notice that
// is told once ever (your vote does not count: you are not on the
// committee) is still not told twice.
func TestNoticesAreNotKeptForever(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.MediaUpload, "Postcards")
	m := h.chat.mark()
	h.react(c, "ivan", "✅")
	if n := len(h.posted(m, "notice.not_member")); n != 1 {
		t.Fatalf("ivan told %d times that his vote does not count", n)
	}
	count := func() int {
		t.Helper()
		db, err := sql.Open("sqlite", h.path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM notices`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for day := range 365 {
		key := "backup.failed/" + h.clock.Now().UTC().Format("2006-01-02")
		if err := h.svc.TellStaff(h.ctx, key, bot.T("notice.backup_failed")); err != nil {
			t.Fatal(err)
		}
		// The same day again: told once.
		if err := h.svc.TellStaff(h.ctx, key, bot.T("notice.backup_failed")); err != nil {
			t.Fatal(err)
		}
		sub := bot.Submission{Kind: bot.VolunteerForm, Key: fmt.Sprintf("dialog-%d", day), Values: map[string]string{
			"languages": "English", "skills": "Wikidata", "groups": "implementation"}}
		h.wantReply(h.svc.Submit(h.ctx, h.inv("cora"), sub), "reply.volunteered")
		h.wantReply(h.svc.Submit(h.ctx, h.inv("cora"), sub), "form.expired") // replayed
		h.deliver()
		h.wait(24 * time.Hour)
	}
	if n := len(h.posted(m, "notice.backup_failed")); n != 365 {
		t.Errorf("staff told %d times of 365 failed days", n)
	}
	if n := count() - before; n > 2*31+2 {
		t.Errorf("%d notice rows after a year of one failed backup and one form a day", n)
	}
	c2 := h.request("rita", bot.MediaUpload, "Letters")
	h.react(c2, "ivan", "✅")
	if n := len(h.posted(m, "notice.not_member")); n != 1 {
		t.Errorf("a year on, ivan told %d times in all that his vote does not count", n)
	}
}
