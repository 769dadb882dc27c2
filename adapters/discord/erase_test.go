package discord

import (
	"context"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// An erasure on Discord: the card is shown again without the requester,
// the thread is renamed (unarchived for it, archived again), and the
// requester is told privately, once.
func TestErasureShowsThePostsAgainWithoutThePerson(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Letters of Rosalind")
	f.Command(rita, lobbyCh, "withdraw", "case", 1, "confirm", "confirm")
	h.eventually("the thread is archived", func() bool { return f.Channel(card).Archived })

	rep, err := h.svc.Erase(context.Background(), userID(rita), bot.EraseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Told || rep.Posts < 2 || len(rep.Cases) != 1 {
		t.Fatalf("report %+v", rep)
	}
	erased := h.en(bot.T("case.erased_title"))
	h.eventually("the card is shown again without her", func() bool {
		title, desc := f.Message(card).Embed()
		return strings.Contains(title, erased) && !strings.Contains(title+desc, "Rosalind")
	})
	h.eventually("the thread is renamed and archived again", func() bool {
		c := f.Channel(card)
		return strings.Contains(c.Name, erased) && !strings.Contains(c.Name, "Rosalind") && c.Archived
	})
	told := h.en(bot.T("dm.erased").Plural(1))
	h.eventually("she is told", func() bool {
		for _, m := range f.MessagesIn(f.DMChannel(rita)) {
			if strings.Contains(words(m.Content), words(told)) {
				return true
			}
		}
		return false
	})
}
