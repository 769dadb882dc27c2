package mattermost_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// An erasure on Mattermost: the card is edited to show the case without
// its requester, and she is told by direct message, once.
func TestErasureEditsTheCardOnMattermost(t *testing.T) {
	h := MustStart(t)
	vals := scans()
	vals["title"] = "Letters of Rosalind"
	if sub := h.request("rita", "guidance", vals); sub.Status != 200 || sub.Response.Error != "" {
		t.Fatalf("rita's request answered %d %+v", sub.Status, sub.Response)
	}
	card := h.card(1)
	if r := h.command("sam", "/helpdesk close #1 Done elsewhere."); r.Status != 200 {
		t.Fatalf("close: %+v", r)
	}
	h.message(card.Id, h.say("en", "outcome.closed"))

	rita := bot.UserID("mattermost:" + h.users["rita"])
	rep, err := h.svc.Erase(context.Background(), rita, bot.EraseOptions{})
	if err != nil || !rep.Told || rep.Posts == 0 {
		t.Fatalf("erase: %+v %v", rep, err)
	}
	msg := h.message(card.Id, h.say("en", "case.erased_title"))
	if strings.Contains(msg, "Rosalind") || strings.Contains(msg, "rita") {
		t.Errorf("the card still shows her: %q", msg)
	}
	told := strings.Fields(h.say("en", "dm.erased"))[0:4]
	h.dm("rita", strings.Join(told, " "))
}
