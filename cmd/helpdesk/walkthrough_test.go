package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// repoRoot is the repository's root, seen from this package's directory
// (where go test runs its tests).
const repoRoot = "../.."

// MustPlayScript plays the script at path (relative to the repository's
// root) with the helpdesk program on a new database, as
//
//	go run ./cmd/helpdesk -db NEW.db < path
//
// does, with LANG set to lang, and returns the transcript. It fails the
// test when the program fails or logs anything, or when a line of the
// script was not understood (see wantEveryLineUnderstood): a script that
// goes wrong reads like one that plays, so this is checked on every run.
func MustPlayScript(tb testing.TB, path, lang string) string {
	tb.Helper()
	script, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		tb.Fatal(err)
	}
	return MustPlayOn(tb, path, string(script), lang, filepath.Join(tb.TempDir(), "helpdesk.db"))
}

// MustPlayOn plays script (named name in failures) with the helpdesk
// program on the database db, new or not, as MustPlayScript does.
func MustPlayOn(tb testing.TB, name, script, lang, db string) string {
	tb.Helper()
	r := MustRunBinary(tb, script, lang, "-db", db)
	if r.code != 0 || r.stderr != "" {
		tb.Fatalf("%s: exit %d\nstderr:\n%s\ntranscript:\n%s", name, r.code, r.stderr, r.stdout)
	}
	wantEveryLineUnderstood(tb, name, r.stdout)
	return r.stdout
}

// notUnderstood are the answers to a line the shell or the helpdesk could
// not take as meant, whatever the script intended: an unknown shell or
// helpdesk command, a reaction or a wait it could not read, a form
// cancelled by a command, a failure.
var notUnderstood = []string{
	"shell.unknown", "shell.failed", "shell.form.cancelled",
	"shell.as.usage", "shell.as.bad_name",
	"shell.react.usage", "shell.unreact.usage", "shell.react.bad_emoji", "shell.react.nothing",
	"shell.wait.bad", "error.unknown_command", "error.internal",
	"shell.mail.usage", "shell.mail.off", "shell.mail.empty", "shell.mail.header", "shell.mail.from", "shell.mail.unended",
}

// wantEveryLineUnderstood fails the test if the transcript has one of the
// notUnderstood answers, in any language (a script may make people read
// other languages). A message is recognized by its longest words between
// two placeholders.
func wantEveryLineUnderstood(tb testing.TB, path, transcript string) {
	tb.Helper()
	cat, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	seen := locales.StripIsolates(transcript)
	for _, lang := range cat.Supported() {
		for _, id := range notUnderstood {
			words, text := fragment(cat, lang, id)
			if len(strings.TrimSpace(words)) < 8 {
				tb.Fatalf("%s %s: %q has too few words of its own to be recognized", lang, id, text)
			}
			if i := strings.Index(seen, words); i >= 0 {
				tb.Errorf("%s: a line was not understood (%s, %s):\n%s", path, id, lang, seen[max(0, i-300):min(len(seen), i+len(words)+100)])
			}
		}
	}
}

// fragment is the longest part of message id in lang, as the shell prints
// it, that no placeholder breaks, and the whole text with the
// placeholders marked: what recognizes the message whatever fills it.
func fragment(cat *locales.Catalog, lang, id string) (words, text string) {
	const mark = "\x1f"
	var args []any
	for _, p := range cat.Placeholders(lang, id) {
		args = append(args, p, bot.C(mark))
	}
	text = locales.StripIsolates(cat.Text(lang, bot.T(id, args...), locales.Style{Escape: shell.Escape}))
	for _, part := range strings.Split(text, mark) {
		if len(part) > len(words) {
			words = part
		}
	}
	return words, text
}

// The README's walk-through is a script in the repository, played whole on
// a new database: the case is opened, the committee's initial feedback
// accepts it, it is routed, taken up and recommended, the members who have
// not voted are reminded, the final go is given, the case is resolved and
// rated, and every line of the script is understood.
func TestTheWalkthroughPlays(t *testing.T) {
	out := MustPlayScript(t, "docs/walkthrough.txt", "en_GB.UTF-8")
	title := "300 postcards from the town archive"
	steps := []struct {
		what, want string
	}{
		{"the case is opened", "→ private reply to rita\n    " + enText(t, bot.T("reply.opened", "id", bot.C("#1"), "title", bot.S(title)))},
		{"the card is posted", "] committee channel\n    " + enText(t, bot.T("card.title", "id", bot.C("#1"), "title", bot.S(title)))},
		{"the initial feedback accepts it", enText(t, bot.T("thread.decided", "round", bot.N(1), "result", bot.X(bot.T("choice.accept")), "reason", bot.X(bot.T("reason.majority"))))},
		{"it is routed", enText(t, bot.T("thread.routed", "who", bot.P(bot.Person{Name: "chen"}), "groups", bot.L([]bot.Text{bot.T("group.implementation")})))},
		{"ivan takes it up", "ivan joined thread t1."},
		{"the group recommends", "Pattypan, metadata is ready."},
		{"the final go is asked", enText(t, bot.T("vote.title.final", "id", bot.C("#1"), "round", bot.N(2)))},
		{"chen is reminded", "] DM to chen\n    Reminder: case #1"},
		{"the final go is given", enText(t, bot.T("thread.decided", "round", bot.N(2), "result", bot.X(bot.T("choice.go")), "reason", bot.X(bot.T("reason.majority"))))},
		{"the requester is told", "] DM to rita\n    " + enText(t, bot.T("dm.go", "id", bot.C("#1"), "title", bot.S(title)))},
		{"the case is resolved", enText(t, bot.T("reply.resolved", "id", bot.C("#1")))},
		{"the requester is told of it", "] DM to rita\n    " + enText(t, bot.T("dm.resolved", "id", bot.C("#1"), "title", bot.S(title)))},
		{"the card says so, with the rating", enText(t, bot.T("card.closed", "outcome", bot.X(bot.T("outcome.resolved"))))},
		{"rated", enText(t, bot.T("rating.value", "n", bot.N(4)))},
		{"the history has it all", enText(t, bot.T("event.case.rated", "rating", bot.N(4)))},
	}
	at := 0
	for _, s := range steps {
		i := strings.Index(out[at:], s.want)
		if i < 0 {
			t.Errorf("%s: the transcript lacks %q after the step before", s.what, s.want)
			continue
		}
		at += i + len(s.want)
	}
	// The comments are echoed as notes, not taken for answers.
	if regexp.MustCompile(`(?m)^rita> #`).MatchString(out) {
		t.Errorf("a comment was read as input")
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", out)
	}
}

// A line the shell does not understand is caught, in the language the
// script made someone read.
func TestAScriptThatGoesWrongIsCaught(t *testing.T) {
	for _, tc := range []struct{ name, script, id string }{
		{"an unknown shell command", "/frobnicate\n", "shell.unknown"},
		{"a note taken for a line", "300 postcards ← the title\n", "shell.unknown"},
		{"an unknown helpdesk command", "/as rita sv\n/helpdesk frobnicate\n", "error.unknown_command"},
		{"a form cancelled", "/helpdesk request guidance\nA title\n/as ana\n", "shell.form.cancelled"},
		{"a reaction on nothing", "/as ana\n/react #7 ✅\n", "shell.react.nothing"},
		{"a wait it cannot read", "/wait a while\n", "shell.wait.bad"},
		{"a mail without its sender", "/mail\nSubject: Scans\n\nHello\n.\n", "shell.mail.from"},
		{"a mail not ended", "/mail\nFrom: lena@museum.test\n", "shell.mail.unended"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "helpdesk.db")
			r := MustRunBinary(t, tc.script, "en_GB.UTF-8", "-db", db)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			ft := &fakeTB{TB: t}
			wantEveryLineUnderstood(ft, tc.name, r.stdout)
			if !ft.failed || !strings.Contains(ft.msg, tc.id) {
				t.Errorf("not caught as %s: %q\ntranscript:\n%s", tc.id, ft.msg, r.stdout)
			}
		})
	}
}

// fakeTB records a failure instead of failing the test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.failed = true
	f.msg += fmt.Sprintf(format, args...)
}

// The README shows the walk-through as it is in the repository, comments
// and all, and the command that plays it.
func TestTheREADMEShowsTheWalkthrough(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "docs/walkthrough.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```text\n"+string(script)+"```\n") {
		t.Errorf("README.md does not show docs/walkthrough.txt as it is")
	}
	if !strings.Contains(string(readme), `go run ./cmd/helpdesk -db "$(mktemp -d)/walkthrough.db" < docs/walkthrough.txt`) {
		t.Errorf("README.md does not say how to play docs/walkthrough.txt")
	}
}
