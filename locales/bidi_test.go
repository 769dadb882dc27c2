package locales_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
	"github.com/wmse/helpdesk/locales/fribidi"
)

// visual lays lines out as a reader sees them, as Discord and Mattermost
// show a message.
func visual(t *testing.T, lines ...string) []string { return fribidi.Visual(t, lines...) }

func arabic(t *testing.T) *locales.Catalog {
	t.Helper()
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	c.SetLocation(time.UTC)
	return c
}

// An Arabic time reads as it was written: 18:05, not 05:18.
func TestArabicTimesKeepTheirOrder(t *testing.T) {
	c := arabic(t)
	at := time.Date(2026, 12, 9, 18, 5, 0, 0, time.UTC)
	var lines []string
	for _, txt := range []bot.Text{
		bot.T("vote.deadline", "at", bot.At(at)),
		bot.T("status.opened", "at", bot.At(at), "who", bot.P(bot.Person{Name: "rita"})),
		bot.T("history.line", "at", bot.At(at), "who", bot.S("rita"), "what", bot.X(bot.T("event.case.opened", "type", bot.X(bot.T("type.guidance"))))),
	} {
		lines = append(lines, c.Text("ar", txt, locales.Style{}))
	}
	for i, v := range visual(t, lines...) {
		if !strings.Contains(v, "١٨:٠٥") {
			t.Errorf("the time shows as something else than ١٨:٠٥:\n  logical %q\n  visual  %q", lines[i], v)
		}
	}
}

// literal finds commands, case numbers and addresses in a line.
var literal = regexp.MustCompile(`/(?:helpdesk|case|as|react|unreact|wait|help|quit)(?: (?:[a-z0-9#@\-_.|,\[\]…]+|N|ID|EMOJI|NAME|LANG|DURATION|TEXT|TYPE|GROUP|STAGE|QUESTION|SUMMARY|CHOICE))*|#(?:\d+|N)\b`)

// Every command and case number an Arabic reader sees, whether an argument
// or written in the translation itself, reads left to right, whole: also
// where a platform types commands its own way (/case take #1).
func TestArabicCommandsAndCaseNumbersReadLeftToRight(t *testing.T) {
	c := arabic(t)
	commands := map[string]bool{}
	for _, n := range bot.Commands() {
		commands[n] = true
	}
	var lines []string
	for _, id := range c.IDs() {
		if strings.HasPrefix(id, "date.") {
			continue
		}
		args := []any{}
		for _, p := range c.Placeholders("ar", id) {
			switch p {
			case "Count":
				continue
			case "cmd":
				args = append(args, p, bot.Cmd("status #1"))
			case "id":
				args = append(args, p, bot.C("#12"))
			default:
				if commands[p] { // the help's commands
					args = append(args, p, bot.Cmd(p))
					continue
				}
				args = append(args, p, bot.S("سلمى"))
			}
		}
		txt := bot.T(id, args...)
		if len(c.Placeholders("ar", id)) > 0 && slicesContains(c.Placeholders("ar", id), "Count") {
			txt = txt.Plural(3)
		}
		for _, st := range []locales.Style{{}, {Command: func(line string) string { return "/case " + line }}} {
			for _, line := range strings.Split(c.Text("ar", txt, st), "\n") {
				if regexp.MustCompile(`[\x{0600}-\x{06ff}]`).MatchString(line) && literal.MatchString(locales.StripIsolates(line)) {
					lines = append(lines, line)
				}
			}
		}
	}
	if len(lines) < 20 {
		t.Fatalf("only %d Arabic lines with commands: the probe is broken", len(lines))
	}
	for i, v := range visual(t, lines...) {
		for _, m := range literal.FindAllString(locales.StripIsolates(lines[i]), -1) {
			m = strings.TrimRight(m, ".,…")
			if !strings.Contains(v, m) {
				t.Errorf("%q does not read whole:\n  logical %q\n  visual  %q", m, locales.StripIsolates(lines[i]), v)
			}
		}
	}
}

// User text keeps its own order in every language: an Arabic title in an
// English card reads as it does on its own.
func TestUserTextKeepsItsOrderInALeftToRightLine(t *testing.T) {
	c := arabic(t)
	title := "صور 300 بطاقة من Town Museum"
	line := c.Text("en", bot.T("card.title", "id", bot.C("#1"), "title", bot.S(title)), locales.Style{})
	v := visual(t, line, title)
	if !strings.Contains(v[0], v[1]) {
		t.Errorf("the title is laid out differently inside the card:\n  card  %q\n  alone %q", v[0], v[1])
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
