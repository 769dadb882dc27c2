package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/locales"
)

// The script of sixty days of stalls (docs/sixty-days.txt) plays in two
// runs of the program on one database, cut where the script says: every
// reminder of every wait is sent once, to the one waited for, in their
// language, the second run sending nothing the first had sent; and each
// role's to-do list is right at every point the script asks for it.
func TestSixtyDaysOfStallsRemindEachOnce(t *testing.T) {
	const path = "docs/sixty-days.txt"
	body, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	first, second, ok := strings.Cut(string(body), "# --- restart ---\n")
	if !ok {
		t.Fatal("the script has no restart line")
	}
	db := filepath.Join(t.TempDir(), "sixty.db")
	out1 := MustPlayOn(t, path+" (first run)", first, "en_GB.UTF-8", db)
	out2 := MustPlayOn(t, path+" (second run)", second, "en_GB.UTF-8", db)
	out := locales.StripIsolates(out1 + out2)
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}

	// Each reminder: how many there are, and to whom each goes (the
	// heading of the post that carries it), in the reader's language.
	for _, r := range []struct {
		id, lang string
		to       []string // the end of each heading, in order
	}{
		{"dm.question.reminder", "sv", []string{"rita"}},
		{"thread.question.unanswered", "en", []string{"thread t1"}},
		{"dm.abandoned", "sv", []string{"rita"}},
		{"group.unclaimed", "en", []string{"#communication", "#evaluation"}},
		{"dm.unclaimed", "en", []string{"DM to ana", "DM to sam", "DM to ana", "DM to sam"}},
		{"dm.recommend.reminder", "en", []string{"DM to cora"}},
		{"dm.support.reminder", "en", []string{"DM to sam"}},
		{"dm.idle", "en", []string{"DM to sam"}},
		{"dm.group_empty.staff", "en", []string{"DM to sam"}},
		{"dm.escalated", "en", []string{"DM to ana", "DM to ana"}},
		{"dm.owner", "fr", []string{"mo"}},
		{"dm.reason", "es", []string{"lea"}},
		{"dm.declined", "es", []string{"lea"}},
	} {
		// The whole message, whatever fills its placeholders on its line:
		// its longest words alone may be another message's too
		// (dm.support and its reminder end alike).
		_, text := fragment(cat, r.lang, r.id)
		parts := strings.Split(text, "\x1f")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		var got []string
		for _, m := range regexp.MustCompile(strings.Join(parts, `[^\n]*?`)).FindAllStringIndex(out, -1) {
			// The heading is the last "[mN] …" line before the message.
			head := out[:m[0]]
			j := strings.LastIndex(head, "\n[m")
			line, _, _ := strings.Cut(head[j+1:], "\n")
			got = append(got, line)
		}
		if len(got) != len(r.to) {
			t.Errorf("%s (%q): sent %d times, want %d: %q", r.id, text, len(got), len(r.to), got)
			continue
		}
		for i, h := range got {
			if !strings.HasSuffix(h, r.to[i]) {
				t.Errorf("%s #%d went to %q, want %q", r.id, i+1, h, r.to[i])
			}
		}
	}

	// The to-do lists, in the order the script asks for them.
	steps := []struct{ what, want string }{
		{"dina votes on rita's case", "dina> /helpdesk todo\n→ private reply to dina\n    1 thing waits for you:\n    #1 Glass plate negatives: your vote on the initial feedback"},
		{"cora's group has a card to take up", "cora> /helpdesk todo\n→ private reply to cora\n    1 thing waits for you:\n    #2 Maps of the parish: nobody in Communication has taken it up"},
		{"rita owes an answer, in Swedish", "rita> /helpdesk todo\n→ privat svar till rita\n    1 sak väntar på dig:\n    #1 Glass plate negatives: kommitténs fråga"},
		{"the chair decides two rounds", "ana> /helpdesk todo\n→ private reply to ana\n    2 things wait for you:\n    #1 Glass plate negatives: the vote closed"},
		{"… the second", "    #3 A scanner for the photo club: the vote closed"},
		{"staff see two overdue waits", "sam> /helpdesk todo\n→ private reply to sam\n    2 things wait for you:\n    #1 Glass plate negatives: overdue since"},
		{"… the card nobody took up", "    #2 Maps of the parish: overdue since"},
		{"the late vote decided #3", "ana> /helpdesk todo\n→ private reply to ana\n    1 thing waits for you:\n    #1 Glass plate negatives: the vote closed"},
		{"cora owes the recommendation", "cora> /helpdesk todo\n→ private reply to cora\n    1 thing waits for you:\n    #2 Maps of the parish: the recommendation of Communication"},
		{"staff take the maps", "sam> /helpdesk todo\n→ private reply to sam\n    2 things wait for you:\n    #2 Maps of the parish: waits for support since"},
		{"sam looks after them", "sam> /helpdesk todo\n→ private reply to sam\n    2 things wait for you:\n    #2 Maps of the parish: you look after it"},
		{"Evaluation's card is overdue", "sam> /helpdesk todo\n→ private reply to sam\n    1 thing waits for you:\n    #1 Glass plate negatives: overdue since"},
		{"nothing waits for the chair", "ana> /helpdesk todo\n→ private reply to ana\n    Nothing waits for you right now."},
		{"nor for rita", "rita> /helpdesk todo\n→ privat svar till rita\n    Inget väntar på dig just nu."},
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
	if t.Failed() {
		t.Logf("transcript:\n%s", out)
	}
}
