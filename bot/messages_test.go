package bot_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// TestEveryMessageTheCoreUsesExists reads the core's source for the message
// IDs it names (T("…"), refuse("…")) and builds those it composes (a stage,
// a type, a choice…), and checks that English has each: a missing one
// would reach a person as "[id]".
func TestEveryMessageTheCoreUsesExists(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{} // id → where
	fset := token.NewFileSet()
	for _, f := range files {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			arg := 0
			switch {
			case !ok:
				return true
			case fn.Name == "textArg" && len(call.Args) == 3:
				arg = 1 // textArg(cmd, hint, text)
			case fn.Name == "refuse" && len(call.Args) >= 2:
				arg = 1 // refuse(kind, id, …)
			case fn.Name != "T":
				return true
			}
			if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				id, _ := strconv.Unquote(lit.Value)
				used[id] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	if len(used) < 100 {
		t.Fatalf("found only %d message IDs in the core's source: is the scan broken?", len(used))
	}
	for _, st := range bot.Stages {
		used["stage."+string(st)] = "bot.Stages"
	}
	for _, o := range []bot.Outcome{bot.Resolved, bot.Declined, bot.Withdrawn, bot.ClosedBy} {
		used["outcome."+string(o)] = "outcomes"
	}
	for _, ty := range bot.RequestTypes {
		used["type."+string(ty)] = "bot.RequestTypes"
	}
	for _, k := range []bot.RoundKind{bot.InitialRound, bot.FinalRound} {
		for _, prefix := range []string{"round.", "tally.", "vote.how.", "vote.title."} {
			used[prefix+string(k)] = "round kinds"
		}
		for _, c := range bot.ChoicesOf(k) {
			used["choice."+string(c)] = "choices"
		}
	}
	for _, r := range []bot.Reason{bot.ByMajority, bot.ByPlurality, bot.ByChairTie, bot.ByChair, bot.NoQuorum, bot.Tie} {
		used["reason."+string(r)] = "reasons"
	}
	for _, e := range []bot.EventType{bot.EvOpened, bot.EvVoteCast, bot.EvVoteRemoved, bot.EvRoundOpened, bot.EvRoundDecided,
		bot.EvEscalated, bot.EvReminded, bot.EvAsked, bot.EvAnswered, bot.EvRouted, bot.EvClaimed, bot.EvRecommended,
		bot.EvResolved, bot.EvRated, bot.EvWithdrawn, bot.EvClosed, bot.EvDeliveryLost} {
		used["event."+string(e)] = "event types"
	}
	for _, g := range bot.DefaultGroups {
		used["group."+g.ID] = "bot.DefaultGroups"
	}
	for _, s := range []string{"initial", "final", "resolved"} {
		used["stats.step."+s] = "stats"
	}
	for _, c := range bot.Commands() {
		used["command."+c] = "bot.Commands"
	}
	for id, where := range used {
		if !cat.Has(id) {
			t.Errorf("%s: message %q is not in locales/en.toml", where, id)
		}
	}
}
