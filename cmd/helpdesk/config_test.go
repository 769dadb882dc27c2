package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func mustCatalog(tb testing.TB) *locales.Catalog {
	tb.Helper()
	cat, err := locales.Default()
	if err != nil {
		tb.Fatalf("load locales: %v", err)
	}
	return cat
}

// MustWriteConfig writes a configuration file in tb's temp dir.
func MustWriteConfig(tb testing.TB, text string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestDefaultConfig(t *testing.T) {
	c, err := loadConfig("", mustCatalog(t))
	if err != nil {
		t.Fatalf("built-in configuration: %v", err)
	}
	if len(c.Bot.Guides) != 5 || c.Bot.Guides[0].Title != "Commons:Batch uploading" {
		t.Errorf("guides %+v", c.Bot.Guides)
	}
	if c.Bot.Rule != bot.DefaultRule || c.Bot.Groups != nil || c.Location != time.UTC {
		t.Errorf("defaults changed: rule %+v, groups %v, zone %v", c.Bot.Rule, c.Bot.Groups, c.Location)
	}
	want := map[string]bot.Roles{
		"ana":  {Committee: true, Chair: true},
		"bo":   {Committee: true},
		"chen": {Committee: true},
		"dina": {Committee: true},
		"eli":  {Committee: true},
		"ivan": {Groups: []string{"implementation"}},
		"cora": {Groups: []string{"communication"}},
		"sam":  {Staff: true},
	}
	if len(c.Roster) != len(want) {
		t.Errorf("roster %v", c.Roster.Names())
	}
	for name, roles := range want {
		got := c.Roster[name].Roles
		if got.Committee != roles.Committee || got.Chair != roles.Chair || got.Staff != roles.Staff || strings.Join(got.Groups, ",") != strings.Join(roles.Groups, ",") {
			t.Errorf("%s: roles %+v, want %+v", name, got, roles)
		}
	}
}

func TestFullConfig(t *testing.T) {
	path := MustWriteConfig(t, `
no_group_emoji = ":fast_forward:"

[helpdesk]
committee_language = "en-GB"
default_language = "en"
time_zone = "Europe/Stockholm"
max_open_cases = 5
max_requests = 4
request_window = "12h"
commands_per_minute = 10

[rules]
deadline = "5d"
remind_after = "36h"
quorum = 2
support_remind_after = "2d"
question_remind = "3d"
question_close = "off"
unclaimed_escalate = "10d"
idle_remind = "off"
reopen_within = "14d"
digest_hour = 7

[[groups]]
id = "uploads"
emoji = "📤"
name = "Mass uploads"

[[groups]]
id = "implementation"
emoji = ":hammer_and_wrench:"

[[guides]]
title = "Help:Contents"
url = "https://commons.wikimedia.org/wiki/Help:Contents"
topics = ["help"]

[[shell.people]]
name = "åsa"
roles = ["chair", "committee"]
language = "en-US"

[[shell.people]]
name = "ivan"
groups = ["uploads", "implementation"]
`)
	c, err := loadConfig(path, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	b := c.Bot
	if b.CommitteeLang != "en" || b.DefaultLang != "en" || b.MaxOpenCases != 5 || b.NoGroupEmoji != "⏩" {
		t.Errorf("helpdesk section: %+v", b)
	}
	if b.Rule != (bot.Rule{Deadline: 5 * 24 * time.Hour, RemindAfter: 36 * time.Hour, Quorum: 2}) {
		t.Errorf("rule %+v", b.Rule)
	}
	if b.MaxRequests != 4 || b.RequestWindow != 12*time.Hour || b.CommandsPerMinute != 10 {
		t.Errorf("limits: %d requests in %s, %d commands a minute", b.MaxRequests, b.RequestWindow, b.CommandsPerMinute)
	}
	if b.SupportRemindAfter != 48*time.Hour {
		t.Errorf("support reminder after %s", b.SupportRemindAfter)
	}
	// Set, off, or left to the core's default (zero).
	if w := b.Waits; w.QuestionRemind != 3*24*time.Hour || w.QuestionEscalate != 0 || w.QuestionClose >= 0 ||
		w.UnclaimedEscalate != 10*24*time.Hour || w.IdleRemind >= 0 || w.ReopenWithin != 14*24*time.Hour || w.DigestHour != 7 {
		t.Errorf("waits %+v", w)
	}
	if c.Location.String() != "Europe/Stockholm" {
		t.Errorf("zone %v", c.Location)
	}
	if len(b.Groups) != 2 || b.Groups[0] != (bot.Group{ID: "uploads", Emoji: "📤", Name: "Mass uploads"}) || b.Groups[1].Emoji != "🛠️" {
		t.Errorf("groups %+v", b.Groups)
	}
	if len(b.Guides) != 1 {
		t.Errorf("guides %+v: the user's replace the built-in ones", b.Guides)
	}
	if len(c.Roster) != 2 || !c.Roster["åsa"].Roles.Chair || c.Roster["åsa"].Lang != "en" || len(c.Roster["ivan"].Roles.Groups) != 2 {
		t.Errorf("roster %+v", c.Roster)
	}
}

func TestConfigWithGroupsKeepsTheDemoRoster(t *testing.T) {
	path := MustWriteConfig(t, "[[groups]]\nid = \"implementation\"\nemoji = \"🛠️\"\n")
	c, err := loadConfig(path, mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Roster["ivan"].Roles.Groups; len(g) != 1 || g[0] != "implementation" {
		t.Errorf("ivan's groups %v", g)
	}
	if g := c.Roster["cora"].Roles.Groups; len(g) != 0 {
		t.Errorf("cora's groups %v: communication is not configured", g)
	}
}

func TestConfigProblems(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unknown key", "[rules]\nquorom = 3\n", []string{`unknown key "rules.quorom"`}},
		{"unknown key in a platform section", "[mattermost]\nurll = \"x\"\n", []string{`unknown key "mattermost.urll"`}},
		{"no_group_emoji in a section", "[[groups]]\nid = \"a\"\nemoji = \"🅰️\"\nname = \"A\"\nno_group_emoji = \"⏩\"\n", []string{"groups.no_group_emoji", "top-level key"}},
		{"wrong type", "[rules]\nquorum = \"three\"\n", []string{"quorum"}},
		{"committee language", "[helpdesk]\ncommittee_language = \"xx\"\n", []string{"helpdesk.committee_language", `"xx"`}},
		{"time zone", "[helpdesk]\ntime_zone = \"Mars/Olympus\"\n", []string{"helpdesk.time_zone"}},
		{"max open cases", "[helpdesk]\nmax_open_cases = 0\n", []string{"helpdesk.max_open_cases"}},
		{"quorum", "[rules]\nquorum = 0\n", []string{"rules.quorum"}},
		{"negative duration", "[rules]\nremind_after = \"-1h\"\n", []string{"rules.remind_after"}},
		{"no requests", "[helpdesk]\nmax_requests = 0\n", []string{"helpdesk.max_requests"}},
		{"no commands", "[helpdesk]\ncommands_per_minute = 0\n", []string{"helpdesk.commands_per_minute"}},
		{"bad support reminder", "[rules]\nsupport_remind_after = \"soon\"\n", []string{"rules.support_remind_after"}},
		{"bad wait", "[rules]\nidle_remind = \"never\"\n", []string{"rules.idle_remind"}},
		{"escalation before the reminder", "[rules]\nquestion_escalate = \"2d\"\n", []string{"rules.question_escalate", "rules.question_remind"}},
		{"close before the escalation", "[rules]\nquestion_remind = \"1d\"\nquestion_escalate = \"3d\"\nquestion_close = \"2d\"\n", []string{"rules.question_close"}},
		{"digest hour", "[rules]\ndigest_hour = 24\n", []string{"rules.digest_hour"}},
		{"reminder after deadline", "[rules]\ndeadline = \"1d\"\nremind_after = \"2d\"\n", []string{"rules.remind_after", "shorter"}},
		{"group id missing", "[[groups]]\nemoji = \"📤\"\nname = \"X\"\n", []string{"groups[0]: id is missing"}},
		{"group id twice", "[[groups]]\nid = \"a\"\nemoji = \"📤\"\nname = \"A\"\n[[groups]]\nid = \"a\"\nemoji = \"📥\"\nname = \"B\"\n", []string{`id "a" is used twice`}},
		{"group id with space", "[[groups]]\nid = \"mass uploads\"\nemoji = \"📤\"\nname = \"X\"\n", []string{`id "mass uploads"`}},
		{"group emoji twice", "[[groups]]\nid = \"a\"\nemoji = \"📤\"\nname = \"A\"\n[[groups]]\nid = \"b\"\nemoji = \"📤\"\nname = \"B\"\n", []string{"already used by a"}},
		{"group emoji is no-group", "[[groups]]\nid = \"a\"\nemoji = \"⏩\"\nname = \"A\"\n", []string{"already used by no_group_emoji"}},
		{"group without name", "[[groups]]\nid = \"uploads\"\nemoji = \"📤\"\n", []string{"name is missing"}},
		{"group language", "[[groups]]\nid = \"planning\"\nemoji = \"🗂️\"\nlanguage = \"qq\"\n", []string{"groups[0].language"}},
		{"guide url", "[[guides]]\ntitle = \"x\"\nurl = \"commons.wikimedia.org\"\n", []string{"guides[0]: url"}},
		{"person group", "[[shell.people]]\nname = \"ivan\"\ngroups = [\"nowhere\"]\n", []string{`there is no group "nowhere"`}},
		{"person role", "[[shell.people]]\nname = \"ivan\"\nroles = [\"admin\"]\n", []string{`unknown role "admin"`}},
		{"person name", "[[shell.people]]\nname = \"Ivan the Great\"\n", []string{"shell.people[0]: name"}},
		{"person twice", "[[shell.people]]\nname = \"ivan\"\n[[shell.people]]\nname = \"ivan\"\n", []string{"ivan is listed twice"}},
		{"person language", "[[shell.people]]\nname = \"ivan\"\nlanguage = \"zz\"\n", []string{"shell.people[0].language"}},
		{"every problem at once", "[helpdesk]\nmax_open_cases = 0\n[rules]\nquorum = 0\n", []string{"max_open_cases", "quorum"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := MustWriteConfig(t, tc.toml)
			_, err := loadConfig(path, mustCatalog(t))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a ConfigError", err)
			}
			if ce.Path != path {
				t.Errorf("error names %s, want %s", ce.Path, path)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := loadConfig(filepath.Join(t.TempDir(), "none.toml"), mustCatalog(t))
	if err == nil || !strings.Contains(err.Error(), "none.toml") {
		t.Errorf("error %v, want one naming the file", err)
	}
}

// TestRunInProcess drives run as main does, with a config that speaks of
// the time zone the transcript shows.
func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	cfg := MustWriteConfig(t, "[helpdesk]\ntime_zone = \"Europe/Stockholm\"\n")
	var stdout, stderr bytes.Buffer
	in := strings.NewReader("/helpdesk request guidance\nWhere to start\nWe are a small museum.\n\n\n\n/as sam\n/helpdesk status #1\n")
	code := run(context.Background(), []string{"-db", filepath.Join(dir, "h.db"), "-config", cfg, "-v", "-log", "json"}, in, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "CET") && !strings.Contains(stdout.String(), "CEST") {
		t.Errorf("times are not shown in Europe/Stockholm:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"helpdesk started"`) {
		t.Errorf("-v -log json: stderr %q", stderr.String())
	}
	if code := run(context.Background(), []string{"-nonsense"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("unknown flag: exit %d, want %d", code, exitUsage)
	}
	if code := run(context.Background(), []string{"-log", "xml", "-db", filepath.Join(dir, "h.db")}, strings.NewReader(""), &stdout, &stderr); code != exitError {
		t.Errorf("-log xml: exit %d, want %d", code, exitError)
	}
}

// A duration too long for Go's time.Duration (about 292 years), or with
// more days than the helpdesk takes, is refused as too long, naming the
// key, rather than wrapping around or being called "not a positive
// duration".
func TestConfigDurationOverflowIsRefusedNamingTheKey(t *testing.T) {
	for _, key := range []struct{ section, name string }{
		{"helpdesk", "request_window"},
		{"rules", "deadline"},
		{"rules", "remind_after"},
		{"rules", "support_remind_after"},
		{"rules", "question_close"},
		{"rules", "reopen_within"},
		{"backup", "every"},
	} {
		for _, v := range []string{"999999999999h", "36500d2000000h", "106751d", "9223372036854775807ns", "2562047h", "36501d"} {
			text := "[" + key.section + "]\n" + key.name + " = \"" + v + "\"\n"
			if key.section == "backup" {
				text += "dir = \"b\"\n"
			}
			_, err := loadConfig(MustWriteConfig(t, text), mustCatalog(t))
			want := key.section + "." + key.name + `: "` + v + `" is too long`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s = %q: %v, want an error saying %s", key.section+"."+key.name, v, err, want)
			}
		}
	}
	// The longest taken is 36500 days.
	c, err := loadConfig(MustWriteConfig(t, "[rules]\ndeadline = \"36500d\"\n"), mustCatalog(t))
	if err != nil || c.Bot.Rule.Deadline != 36500*24*time.Hour {
		t.Fatalf("36500d: %v %v", c.Bot.Rule.Deadline, err)
	}
}
