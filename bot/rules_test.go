package bot_test

import (
	"testing"

	"github.com/wmse/helpdesk/bot"
)

func TestRuleDecide(t *testing.T) {
	five := []bot.UserID{"a", "b", "c", "d", "e"}
	votes := func(kv ...string) map[bot.UserID]bot.Choice {
		m := map[bot.UserID]bot.Choice{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[bot.UserID(kv[i])] = bot.Choice(kv[i+1])
		}
		return m
	}
	cases := []struct {
		name     string
		kind     bot.RoundKind
		eligible []bot.UserID
		chair    bot.UserID
		votes    map[bot.UserID]bot.Choice
		deadline bool
		want     bot.Verdict
	}{
		{"nobody voted yet", bot.InitialRound, five, "a", votes(), false, bot.Verdict{}},
		{"two of five is no majority", bot.InitialRound, five, "a", votes("a", "accept", "b", "accept"), false, bot.Verdict{}},
		{"three of five is a majority at once", bot.InitialRound, five, "a", votes("a", "accept", "b", "accept", "c", "accept"), false,
			bot.Verdict{Decided: true, Result: bot.Accept, Reason: bot.ByMajority}},
		{"a majority of the final round", bot.FinalRound, five, "a", votes("a", "back", "b", "back", "c", "back", "d", "go"), false,
			bot.Verdict{Decided: true, Result: bot.Back, Reason: bot.ByMajority}},
		{"half is not a majority", bot.InitialRound, five[:4], "a", votes("a", "decline", "b", "decline", "c", "accept"), false, bot.Verdict{}},
		{"plurality with a quorum at the deadline", bot.InitialRound, five, "a", votes("a", "info", "b", "info", "c", "accept"), true,
			bot.Verdict{Decided: true, Result: bot.Info, Reason: bot.ByPlurality}},
		{"no quorum at the deadline goes to the chair", bot.InitialRound, five, "a", votes("a", "accept", "b", "accept"), true,
			bot.Verdict{Escalate: true, Reason: bot.NoQuorum}},
		{"nobody voted by the deadline", bot.InitialRound, five, "a", votes(), true,
			bot.Verdict{Escalate: true, Reason: bot.NoQuorum}},
		{"the chair's vote breaks a tie", bot.InitialRound, five, "a", votes("a", "decline", "b", "accept", "c", "decline", "d", "accept"), true,
			bot.Verdict{Decided: true, Result: bot.Decline, Reason: bot.ByChairTie}},
		{"a tie the chair did not vote in goes to the chair", bot.InitialRound, five, "a", votes("b", "decline", "c", "accept", "d", "decline", "e", "accept"), true,
			bot.Verdict{Escalate: true, Reason: bot.Tie}},
		{"a tie the chair voted outside goes to the chair", bot.InitialRound, five, "a", votes("a", "info", "b", "decline", "c", "accept", "d", "decline", "e", "accept"), true,
			bot.Verdict{Escalate: true, Reason: bot.Tie}},
		{"a committee of none decides nothing", bot.InitialRound, nil, "", votes(), true,
			bot.Verdict{Escalate: true, Reason: bot.NoQuorum}},
	}
	rule := bot.DefaultRule
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := rule.Decide(bot.Ballot{Kind: tc.kind, Eligible: tc.eligible, Chair: tc.chair, Votes: tc.votes}, tc.deadline)
			if got != tc.want {
				t.Errorf("Decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNormEmoji(t *testing.T) {
	cases := map[string]string{
		"✅":          "✅",
		"✅\uFE0F":    "✅",
		"↩️":         "↩",
		"🙋🏽":         "🙋",
		" ❓ ":        "❓",
		"1️⃣":        "1\u20E3",
		"🛠️":         "🛠",
		":question:": ":question:", // names are EmojiFromName's job
	}
	for in, want := range cases {
		if got := bot.NormEmoji(in); got != want {
			t.Errorf("NormEmoji(%q) = %q, want %q", in, got, want)
		}
	}
	if got := bot.EmojiFromName(":white_check_mark:"); got != bot.EmojiYes {
		t.Errorf("EmojiFromName(:white_check_mark:) = %q", got)
	}
	if got := bot.EmojiName("✅\uFE0F"); got != "white_check_mark" {
		t.Errorf("EmojiName(✅) = %q", got)
	}
}
