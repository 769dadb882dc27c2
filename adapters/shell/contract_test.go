package shell_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/bot/chattest"
	"github.com/wmse/helpdesk/locales"
)

// The shell keeps bot.Chat's promises in its transcript. A terminal has
// no moderator to delete a post and no permissions to refuse one, so those
// checks are skipped; a direct message to someone who is not a shell user
// cannot be delivered.
func TestChatContract(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	chattest.TestChat(t, func(t *testing.T) chattest.Harness {
		h := &transcript{}
		h.sh = shell.New(shell.Options{Catalog: cat, Out: &h.out})
		return h
	})
}

// transcript reads what the shell printed, as a person at the terminal
// would (in English, the shell's default).
type transcript struct {
	sh  *shell.Shell
	out bytes.Buffer
}

func (h *transcript) Chat() bot.Chat          { return h.sh }
func (h *transcript) Group() string           { return "implementation" }
func (h *transcript) Person() bot.UserID      { return "shell:ivan" }
func (h *transcript) Unreachable() bot.UserID { return "discord:1001" }

var (
	header    = regexp.MustCompile(`^\[(m[0-9.]+)\] (.*)$`)
	reactions = regexp.MustCompile(`^(m[0-9.]+): (.*)$`)
	joined    = regexp.MustCompile(`^(\S+) joined thread (\S+)\.$`)
	archived  = regexp.MustCompile(`^Thread (\S+) was archived\.$`)
)

// printed is one message as the shell printed it: its header and indented lines.
type printed struct {
	ref, place string
	edited     bool
	lines      []string
}

// lines is the transcript so far, reactions gathered included.
func (h *transcript) lines() []string {
	h.sh.Flush()
	return strings.Split(h.out.String(), "\n")
}

func (h *transcript) blocks() []printed {
	var out []printed
	for _, l := range h.lines() {
		if m := header.FindStringSubmatch(l); m != nil {
			place, edited := strings.CutSuffix(m[2], " (edited)")
			place, _, _ = strings.Cut(place, " · ")
			out = append(out, printed{ref: m[1], place: place, edited: edited})
			continue
		}
		if rest, ok := strings.CutPrefix(l, "    "); ok && len(out) > 0 {
			out[len(out)-1].lines = append(out[len(out)-1].lines, rest)
		}
	}
	return out
}

// place reads a header's place back into the core's words.
func place(s string) bot.Place {
	switch {
	case s == "committee channel":
		return bot.Place{Kind: bot.InCommittee}
	case strings.HasPrefix(s, "#"):
		return bot.Place{Kind: bot.InGroup, Group: s[1:]}
	case strings.HasPrefix(s, "thread "):
		return bot.Place{Kind: bot.InThread, Thread: strings.TrimPrefix(s, "thread ")}
	case strings.HasPrefix(s, "DM to "):
		return bot.Place{Kind: bot.InDirect, User: bot.UserID("shell:" + strings.TrimPrefix(strings.TrimPrefix(s, "DM to "), "@"))}
	}
	return bot.Place{}
}

func (h *transcript) Read(ref string) (chattest.Shown, bool) {
	var s chattest.Shown
	found := false
	for _, b := range h.blocks() {
		if b.ref != ref {
			continue
		}
		if !found {
			s.Place, found = place(b.place), true
		}
		s.Text = strings.Join(b.lines, "\n")
	}
	for _, l := range h.lines() {
		if m := reactions.FindStringSubmatch(l); m != nil && m[1] == ref {
			s.Reactions = append(s.Reactions, strings.Fields(m[2])...)
		}
	}
	return s, found
}

func (h *transcript) Posts(in bot.Place) []string {
	var out []string
	for _, b := range h.blocks() {
		if !b.edited && place(b.place) == in {
			out = append(out, b.ref)
		}
	}
	return out
}

func (h *transcript) Members(thread string) []bot.UserID {
	var out []bot.UserID
	for _, l := range h.lines() {
		if m := joined.FindStringSubmatch(l); m != nil && m[2] == thread && !slices.Contains(out, bot.UserID("shell:"+m[1])) {
			out = append(out, bot.UserID("shell:"+m[1]))
		}
	}
	return out
}

func (h *transcript) Archived(thread string) bool {
	for _, l := range h.lines() {
		if m := archived.FindStringSubmatch(l); m != nil && m[1] == thread {
			return true
		}
	}
	return false
}
