package bot

import (
	"sort"
	"time"
)

// Rule decides committee votes. The zero value is not useful; start from
// DefaultRule.
type Rule struct {
	// Deadline is how long a round stays open before it is decided by
	// plurality (or escalated).
	Deadline time.Duration
	// RemindAfter is when members who have not voted are reminded; zero
	// means the default, a negative value sends no reminders.
	RemindAfter time.Duration
	// Quorum is the number of votes a plurality needs at the deadline.
	Quorum int
}

// DefaultRule is the rule of the Helpdesk Process: a week to vote, a
// reminder after two days, three votes for a quorum.
var DefaultRule = Rule{Deadline: 7 * 24 * time.Hour, RemindAfter: 48 * time.Hour, Quorum: 3}

// ChoicesOf lists the choices of a kind of round, in the order the vote
// message shows them.
func ChoicesOf(k RoundKind) []Choice {
	if k == FinalRound {
		return []Choice{Go, NoGo, Back}
	}
	return []Choice{Accept, Decline, Info}
}

// ChoiceEmoji is the reaction that votes for c.
func ChoiceEmoji(c Choice) string {
	switch c {
	case Accept, Go:
		return EmojiYes
	case Decline, NoGo:
		return EmojiNo
	case Info:
		return EmojiInfo
	case Back:
		return EmojiBack
	}
	return ""
}

// choiceFor returns the choice of a round kind that emoji votes for.
func choiceFor(k RoundKind, emoji string) (Choice, bool) {
	n := NormEmoji(emoji)
	for _, c := range ChoicesOf(k) {
		if NormEmoji(ChoiceEmoji(c)) == n {
			return c, true
		}
	}
	return "", false
}

// Ballot is the state of a round: who may vote and how they voted.
type Ballot struct {
	Kind     RoundKind
	Eligible []UserID          // committee members, less the recused
	Chair    UserID            // the chair, if eligible
	Votes    map[UserID]Choice // the current vote of each eligible member who voted
}

// Count returns the number of votes for c.
func (b Ballot) Count(c Choice) int {
	n := 0
	for _, v := range b.Votes {
		if v == c {
			n++
		}
	}
	return n
}

// Reason says why a round was decided or escalated.
type Reason string

// The reasons of a verdict.
const (
	ByMajority  Reason = "majority"  // an absolute majority of the eligible members
	ByPlurality Reason = "plurality" // the most votes at the deadline, with a quorum
	ByChairTie  Reason = "chair_tie" // a tie at the deadline that the chair's vote broke
	ByChair     Reason = "chair"     // the chair decided an escalated round
	NoQuorum    Reason = "no_quorum" // too few votes at the deadline: the chair decides
	Tie         Reason = "tie"       // a tie the chair's vote did not break: the chair decides
)

// Verdict is what the rule makes of a ballot.
type Verdict struct {
	Decided  bool
	Result   Choice
	Escalate bool // the chair must decide
	Reason   Reason
}

// Decide applies the rule: a choice held by an absolute majority of the
// eligible members wins at once; at the deadline the plurality wins when a
// quorum voted, the chair's vote breaks a tie, and otherwise the decision
// goes to the chair.
func (r Rule) Decide(b Ballot, deadlinePassed bool) Verdict {
	choices := ChoicesOf(b.Kind)
	if n := len(b.Eligible); n > 0 {
		for _, c := range choices {
			if 2*b.Count(c) > n {
				return Verdict{Decided: true, Result: c, Reason: ByMajority}
			}
		}
	}
	if !deadlinePassed {
		return Verdict{}
	}
	if len(b.Votes) == 0 || len(b.Votes) < r.Quorum {
		return Verdict{Escalate: true, Reason: NoQuorum}
	}
	best, top := 0, []Choice(nil)
	for _, c := range choices {
		switch n := b.Count(c); {
		case n > best:
			best, top = n, []Choice{c}
		case n == best && n > 0:
			top = append(top, c)
		}
	}
	if len(top) == 1 {
		return Verdict{Decided: true, Result: top[0], Reason: ByPlurality}
	}
	if v, ok := b.Votes[b.Chair]; ok && b.Chair != "" {
		for _, c := range top {
			if c == v {
				return Verdict{Decided: true, Result: c, Reason: ByChairTie}
			}
		}
	}
	return Verdict{Escalate: true, Reason: Tie}
}

// Waiting lists the eligible members who have not voted, sorted.
func (b Ballot) Waiting() []UserID {
	var out []UserID
	for _, u := range b.Eligible {
		if _, ok := b.Votes[u]; !ok {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
