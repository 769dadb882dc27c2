package discord

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// On Discord a withdrawal is confirmed with the withdraw command's confirm
// option: without it the case stays as it is and the answer says what
// would happen; with it the case is withdrawn.
func TestWithdrawIsConfirmedWithItsOption(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Letters")

	var confirm []string
	for _, o := range h.a.commandSpecs()[0].Options {
		if o.Name != "withdraw" {
			continue
		}
		for _, opt := range o.Options {
			if opt.Name == "confirm" {
				for _, c := range opt.Choices {
					confirm = append(confirm, c.Value.(string))
				}
			}
		}
	}
	if len(confirm) != 1 {
		t.Fatalf("withdraw's confirm option has the choices %q, want one", confirm)
	}

	_, tok := f.Command(rita, lobbyCh, "withdraw", "case", 1)
	want := words(h.en(bot.T("withdraw.confirm", "id", bot.C("#1"), "title", bot.S("Letters"), "cmd", bot.Cmd("withdraw #1 confirm"))))
	if got := words(h.reply(tok)); !strings.Contains(got, want) {
		t.Fatalf("withdraw without confirm: %q, want %q", got, want)
	}
	if !strings.Contains(h.cardText(card), h.en(bot.T("stage.initial_review"))) {
		t.Fatalf("the card changed: %q", h.cardText(card))
	}

	_, tok = f.Command(rita, lobbyCh, "withdraw", "case", 1, "confirm", confirm[0])
	if got, want := words(h.reply(tok)), words(h.en(bot.T("reply.withdrawn", "id", bot.C("#1")))); !strings.Contains(got, want) {
		t.Fatalf("withdraw with confirm: %q, want %q", got, want)
	}
	closed := h.en(bot.T("card.closed", "outcome", bot.X(bot.T("outcome.withdrawn"))))
	h.eventually("the card says withdrawn", func() bool { return strings.Contains(h.cardText(card), closed) })
}
