package bot_test

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// /helpdesk erase, for staff: without the confirmation word it says what
// it would erase; a person with open cases is refused until they are
// closed; confirmed, the person becomes a pseudonym, is told once, and the
// outbox keeps nothing of what it told them.
func TestStaffEraseAPersonInChat(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "Maps of Gotland")
	h.wantReply(h.cmd("bo", "erase rita"), "error.staff_only")
	h.wantReply(h.cmd("sam", "erase"), "erase.usage")
	h.wantReply(h.cmd("sam", "erase nobody-here"), "erase.nobody")
	h.wantReply(h.cmd("sam", "erase @Rita"), "erase.confirm")
	h.wantReply(h.cmd("sam", "erase rita confirm"), "erase.open")
	h.wantStage(c, bot.InitialReview)

	h.wantReply(h.cmd("sam", "close #1 She found another way."), "reply.closed")
	mark := h.chat.mark()
	r := h.cmd("sam", "erase rita confirm")
	h.wantReply(r, "reply.erased")
	h.wantPosted(mark, "dm.erased", bot.InDirect, "rita")
	rec := h.record(c)
	if !rec.Case.Requester.Erased() || rec.Case.Title != "" || rec.Case.ErasedAt.IsZero() || rec.Case.Stage != bot.Closed {
		t.Fatalf("her case: %+v", rec.Case)
	}
	if h.countEvents(c, bot.EvErased) != 1 {
		t.Errorf("events %v", h.events(c))
	}
	// The card is shown again, as the case stands: without her.
	edited := false
	for _, s := range h.chat.sentSince(mark) {
		if s.Op == bot.OpEdit && has(s.Msg, "case.erased_title") {
			edited = true
			if txt := h.render(&s.Msg); strings.Contains(txt, "Gotland") || strings.Contains(txt, "rita") {
				t.Errorf("the card still shows her: %s", txt)
			}
		}
	}
	if !edited {
		t.Error("the card was not shown again")
	}
	// Her history is gone: she is a newcomer to the helpdesk now.
	h.wantReply(h.cmd("rita", "mine"), "mine.none")
}
