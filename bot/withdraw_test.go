package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// withdraw without the confirmation word changes nothing: it says what it
// would do and gives the exact command that confirms it.
func TestWithdrawAsksForConfirmation(t *testing.T) {
	h := newHarness(t)
	c := h.request("rita", bot.Guidance, "Which licence for old maps?")
	events := len(h.events(c))
	m := h.chat.mark()
	for _, line := range []string{"withdraw #%d", "withdraw #%d please", "withdraw #%d confirm now", "withdraw #%d yes"} {
		r := h.cmd("rita", fmt.Sprintf(line, c))
		h.wantReply(r, "withdraw.confirm")
		want := fmt.Sprintf("/helpdesk withdraw #%d confirm", c)
		if got := "/helpdesk " + r.Reply.Lines[0].Args["cmd"].Cmd; got != want {
			t.Errorf("%s: the command to confirm is %q, want %q", line, got, want)
		}
		if got := h.render(r.Reply); !strings.Contains(got, want) || !strings.Contains(got, "Which licence for old maps?") {
			t.Errorf("%s: %s", line, got)
		}
	}
	h.wantStage(c, bot.InitialReview)
	if n := len(h.events(c)); n != events {
		t.Errorf("%d events after unconfirmed withdrawals, want %d", n, events)
	}
	if s := h.chat.sentSince(m); len(s) != 0 {
		t.Errorf("unconfirmed withdrawals did %d things on the platform, first %v", len(s), s[0].Op)
	}
	// Only the requester is asked: others are refused as before.
	h.wantReply(h.cmd("bo", fmt.Sprintf("withdraw #%d", c)), "error.requester_only")

	h.wantReply(h.cmd("rita", fmt.Sprintf("withdraw #%d confirm", c)), "reply.withdrawn")
	h.wantOutcome(c, bot.Withdrawn)
	h.wantPosted(m, "thread.withdrawn", bot.InThread, "")
	// A closed case says so, confirmed or not.
	h.wantReply(h.cmd("rita", fmt.Sprintf("withdraw #%d", c)), "error.closed")
}

// The confirmation word is understood in English and in the reader's
// language, whatever its case and accents; the reply names the English
// word, which every reader may type.
func TestWithdrawConfirmsInTheReadersLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang, word string
		done       bool
	}{
		{"en", "confirm", true},
		{"en", "CONFIRM", true},
		{"sv", "bekräfta", true},
		{"sv", "bekrafta", true},
		{"sv", "confirm", true},
		{"fi", "vahvista", true},
		{"fi", "bekräfta", false},
		{"fr", "Confirmer", true},
		{"es", "confirmar", true},
		{"pt-BR", "confirmar", true},
		{"ar", "تأكيد", true},
		{"ar", "confirm", true},
		{"bn", "নিশ্চিত", true},
		{"bn", "confirmar", false},
	} {
		t.Run(tc.lang+" "+tc.word, func(t *testing.T) {
			h := newHarness(t)
			h.langs["rita"] = tc.lang
			c := h.request("rita", bot.Guidance, "Which licence for old maps?")
			r := h.cmd("rita", fmt.Sprintf("withdraw #%d %s", c, tc.word))
			if r.Reply.Lang != tc.lang {
				t.Errorf("answered in %q, want %q", r.Reply.Lang, tc.lang)
			}
			if tc.done {
				h.wantReply(r, "reply.withdrawn")
				h.wantOutcome(c, bot.Withdrawn)
				return
			}
			h.wantReply(r, "withdraw.confirm")
			h.wantStage(c, bot.InitialReview)
			if got, want := "/helpdesk "+r.Reply.Lines[0].Args["cmd"].Cmd, fmt.Sprintf("/helpdesk withdraw #%d confirm", c); got != want {
				t.Errorf("the command to confirm is %q, want %q", got, want)
			}
		})
	}
}

// In the case's thread the case may be left out, as for other commands.
func TestWithdrawInTheThread(t *testing.T) {
	h := newHarness(t)
	m := h.chat.mark()
	c := h.request("rita", bot.Guidance, "Which licence for old maps?")
	inv := h.inv("rita")
	for _, s := range h.chat.sentSince(m) {
		if s.Op == bot.OpThread {
			inv.Thread = s.Ref
		}
	}
	if inv.Thread == "" {
		t.Fatal("the case has no thread")
	}
	h.wantReply(h.svc.Command(h.ctx, inv, "withdraw"), "withdraw.confirm")
	h.wantStage(c, bot.InitialReview)
	h.wantReply(h.svc.Command(h.ctx, inv, "withdraw confirm"), "reply.withdrawn")
	h.wantOutcome(c, bot.Withdrawn)
}
