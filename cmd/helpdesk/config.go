package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// defaultTOML is the demo configuration: the shell's roster and the
// guides, used where a user's configuration gives none.
//
//go:embed default.toml
var defaultTOML []byte

// file is the configuration file as written. Every field is optional; a
// pointer tells a value that was left out from a zero that was given.
// Platforms that need credentials ([discord], [mattermost]) will get a
// section each here, read the same way; until then such a section is an
// unknown key like any other.
type file struct {
	NoGroupEmoji string          `toml:"no_group_emoji"`
	Helpdesk     helpdeskSection `toml:"helpdesk"`
	Rules        rulesSection    `toml:"rules"`
	Groups       []groupEntry    `toml:"groups"`
	Guides       []guideEntry    `toml:"guides"`
	Shell        shellSection    `toml:"shell"`
	HTTP         httpSection     `toml:"http"`
	Dashboard    dashSection     `toml:"dashboard"`
	Backup       backupSection   `toml:"backup"`
	Privacy      privacySection  `toml:"privacy"`
	// The platforms' sections are defined in their files (discord.go,
	// mattermost.go); nil when the file has none.
	Discord    *discordSection    `toml:"discord"`
	Mattermost *mattermostSection `toml:"mattermost"`
	// Mail is in mail.go; nil when the file has no [mail].
	Mail *mailSection `toml:"mail"`
}

type helpdeskSection struct {
	CommitteeLanguage string `toml:"committee_language"`
	DefaultLanguage   string `toml:"default_language"`
	TimeZone          string `toml:"time_zone"`
	MaxOpenCases      *int   `toml:"max_open_cases"`
	MaxRequests       *int   `toml:"max_requests"`
	RequestWindow     string `toml:"request_window"`
	CommandsPerMinute *int   `toml:"commands_per_minute"`
	// CommitteePlatform: with Discord and Mattermost on one database, the
	// one whose committee takes every case (bot.Config.CommitteePlatform).
	CommitteePlatform string `toml:"committee_platform"`
}

type rulesSection struct {
	Deadline           string `toml:"deadline"`
	RemindAfter        string `toml:"remind_after"`
	Quorum             *int   `toml:"quorum"`
	SupportRemindAfter string `toml:"support_remind_after"`
	// The waits of bot.Waits: a duration, or "off".
	QuestionRemind    string `toml:"question_remind"`
	QuestionEscalate  string `toml:"question_escalate"`
	QuestionClose     string `toml:"question_close"`
	UnclaimedRemind   string `toml:"unclaimed_remind"`
	UnclaimedEscalate string `toml:"unclaimed_escalate"`
	RecommendRemind   string `toml:"recommend_remind"`
	RecommendEscalate string `toml:"recommend_escalate"`
	IdleRemind        string `toml:"idle_remind"`
	ReopenWithin      string `toml:"reopen_within"`
	DigestHour        *int   `toml:"digest_hour"`
}

type groupEntry struct {
	ID       string `toml:"id"`
	Emoji    string `toml:"emoji"`
	Language string `toml:"language"`
	Name     string `toml:"name"`
}

// httpSection is the helpdesk's own HTTP server for operators (/healthz,
// /readyz); without listen there is none.
type httpSection struct {
	Listen string `toml:"listen"`
}

// dashSection is the web dashboard: its own listener (people reach it,
// unlike the operators' server) and the address people open, which the
// links of /helpdesk dashboard lead to. On a platform there is none
// without listen; in the shell it is on at 127.0.0.1:8090 unless listen
// says otherwise ("off" turns it off).
type dashSection struct {
	Listen string `toml:"listen"`
	URL    string `toml:"url"`
}

// backupSection schedules backups inside the running bot: every so often
// a checked copy in dir, the newest keep of them kept.
type backupSection struct {
	Every string `toml:"every"`
	Dir   string `toml:"dir"`
	Keep  *int   `toml:"keep"`
}

// privacySection is how long the helpdesk keeps what it holds (README,
// "Privacy"): durations like 730d; empty keeps a kind of data.
type privacySection struct {
	KeepClosed string `toml:"keep_closed"`
	KeepFiles  string `toml:"keep_files"`
	KeepSent   string `toml:"keep_sent"`
}

type guideEntry struct {
	Title  string   `toml:"title"`
	URL    string   `toml:"url"`
	Topics []string `toml:"topics"`
}

type shellSection struct {
	People []personEntry `toml:"people"`
}

type personEntry struct {
	Name     string   `toml:"name"`
	Roles    []string `toml:"roles"`
	Groups   []string `toml:"groups"`
	Language string   `toml:"language"`
}

// config is what the program runs with, checked and with its defaults.
type config struct {
	Bot      bot.Config
	Location *time.Location
	Roster   shell.Roster
	File     file // as written: each platform reads its own section

	// Scheduled backups: none when BackupEvery is zero.
	BackupEvery time.Duration
	BackupDir   string
	BackupKeep  int
}

// platformsWanted reports whether the configuration or the environment
// names a chat platform, so that the shell is not the one to run.
func (c config) platformsWanted(env func(string) string) bool {
	if c.File.Discord != nil || c.File.Mattermost != nil {
		return true
	}
	for _, k := range []string{discordTokenEnv, discordTokenFileEnv, mattermostURLEnv} {
		if env(k) != "" {
			return true
		}
	}
	return false
}

// delivers reports whether the helpdesk, run with this configuration,
// delivers to people of platform: an operator's command that attaches no
// platform leaves its messages to the bot that does.
func (c config) delivers(platform string, env func(string) string) bool {
	switch platform {
	case "discord":
		return c.File.Discord != nil || env(discordTokenEnv) != "" || env(discordTokenFileEnv) != ""
	case "mattermost":
		return c.File.Mattermost != nil || env(mattermostURLEnv) != ""
	case bot.MailPlatform:
		return c.File.Mail != nil
	}
	return false
}

// ConfigError lists every problem found in a configuration file.
type ConfigError struct {
	Path     string
	Problems []string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config %s: %s", e.Path, strings.Join(e.Problems, "; "))
}

// loadConfig reads the configuration at path ("" for none) over the
// built-in demo configuration and checks it against the languages of cat.
func loadConfig(path string, cat *locales.Catalog) (config, error) {
	var def file
	if err := decode("default.toml", defaultTOML, &def); err != nil {
		return config{}, fmt.Errorf("built-in configuration: %w", err)
	}
	var f file
	if path != "" {
		buf, err := os.ReadFile(path)
		if err != nil {
			return config{}, fmt.Errorf("read config: %w", err)
		}
		if err := decode(path, buf, &f); err != nil {
			return config{}, err
		}
	}
	if len(f.Guides) == 0 {
		f.Guides = def.Guides
	}
	demoRoster := len(f.Shell.People) == 0
	if demoRoster {
		f.Shell.People = def.Shell.People
	}
	name := path
	if name == "" {
		name = "default.toml"
	}
	return f.check(name, cat, demoRoster)
}

// decode reads TOML strictly: a key the format does not have is an error
// that names it.
func decode(name string, buf []byte, f *file) error {
	md, err := toml.NewDecoder(bytes.NewReader(buf)).Decode(f)
	if err != nil {
		return &ConfigError{Path: name, Problems: []string{err.Error()}}
	}
	var problems []string
	for _, k := range md.Undecoded() {
		p := fmt.Sprintf("unknown key %q", k.String())
		if len(k) > 1 && k[len(k)-1] == "no_group_emoji" {
			p += " (no_group_emoji is a top-level key: put it before the first [section])"
		}
		problems = append(problems, p)
	}
	if problems != nil {
		return &ConfigError{Path: name, Problems: problems}
	}
	return nil
}

// groupIDRE is what a group id looks like: /helpdesk route splits its
// argument on commas and spaces and lower-cases it.
var groupIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// check validates f and turns it into a config. demoRoster says that the
// roster is the built-in one, whose groups may be missing from f's.
func (f file) check(path string, cat *locales.Catalog, demoRoster bool) (config, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	lang := func(key, v string) string {
		if v == "" {
			return ""
		}
		tag, ok := cat.Match(v)
		if !ok {
			bad("%s: the helpdesk does not speak %q (it speaks %s)", key, v, strings.Join(cat.Supported(), ", "))
		}
		return tag
	}
	duration := func(key, v string) time.Duration {
		if v == "" {
			return 0
		}
		d, err := shell.ParseDuration(v)
		switch {
		case errors.Is(err, shell.ErrTooLong):
			bad("%s: %q is too long: at most %s (36500d)", key, v, shell.MaxDuration)
			return 0
		case err != nil || d <= 0:
			bad("%s: %q is not a positive duration (like 7d, 48h or 1h30m)", key, v)
			return 0
		}
		return d
	}

	c := config{Location: time.UTC, Roster: shell.Roster{}, File: f}
	c.Bot.CommitteeLang = lang("helpdesk.committee_language", f.Helpdesk.CommitteeLanguage)
	switch p := f.Helpdesk.CommitteePlatform; p {
	case "", "discord", "mattermost":
		c.Bot.CommitteePlatform = p
	default:
		bad("helpdesk.committee_platform: %q is not discord or mattermost", p)
	}
	c.Bot.DefaultLang = lang("helpdesk.default_language", f.Helpdesk.DefaultLanguage)
	if tz := f.Helpdesk.TimeZone; tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			bad("helpdesk.time_zone: %q is not an IANA time zone (like Europe/Stockholm)", tz)
		} else {
			c.Location = loc
		}
	}
	if n := f.Helpdesk.MaxOpenCases; n != nil {
		if *n < 1 {
			bad("helpdesk.max_open_cases: must be at least 1, not %d", *n)
		}
		c.Bot.MaxOpenCases = *n
	}

	if n := f.Helpdesk.MaxRequests; n != nil {
		if *n < 1 {
			bad("helpdesk.max_requests: must be at least 1, not %d", *n)
		}
		c.Bot.MaxRequests = *n
	}
	if d := duration("helpdesk.request_window", f.Helpdesk.RequestWindow); d > 0 {
		c.Bot.RequestWindow = d
	}
	if n := f.Helpdesk.CommandsPerMinute; n != nil {
		if *n < 1 {
			bad("helpdesk.commands_per_minute: must be at least 1, not %d", *n)
		}
		c.Bot.CommandsPerMinute = *n
	}

	if l := f.HTTP.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			bad("http.listen: %q is not an address like 127.0.0.1:8081 or :8081", l)
		}
	}

	if l := f.Dashboard.Listen; l != "" && l != "off" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			bad("dashboard.listen: %q is not an address like 127.0.0.1:8090 or :8090 (or \"off\")", l)
		}
	}
	if u := f.Dashboard.URL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			bad("dashboard.url: %q is not a web address like https://helpdesk.example.org", u)
		}
	}
	if f.Dashboard.URL != "" && (f.Dashboard.Listen == "" || f.Dashboard.Listen == "off") {
		bad("dashboard.url: set dashboard.listen too, the address the dashboard listens on")
	}

	if f.Backup.Every != "" || f.Backup.Dir != "" {
		c.BackupEvery = duration("backup.every", f.Backup.Every)
		switch {
		case c.BackupEvery == 0:
			bad("backup.every: how often to back up is needed with backup.dir (like 6h)")
		case c.BackupEvery < time.Minute:
			bad("backup.every: %s is too often; at least 1m", c.BackupEvery)
		case f.Backup.Dir == "":
			bad("backup.dir: the directory for the backups is needed with backup.every")
		}
		c.BackupDir, c.BackupKeep = f.Backup.Dir, 28
		if k := f.Backup.Keep; k != nil {
			if *k < 1 {
				bad("backup.keep: must be at least 1, not %d", *k)
			}
			c.BackupKeep = *k
		}
	}

	c.Bot.Privacy = bot.Retention{
		KeepClosed: duration("privacy.keep_closed", f.Privacy.KeepClosed),
		KeepFiles:  duration("privacy.keep_files", f.Privacy.KeepFiles),
		KeepSent:   duration("privacy.keep_sent", f.Privacy.KeepSent),
	}
	if p := c.Bot.Privacy; p.KeepClosed > 0 && p.KeepFiles > p.KeepClosed {
		bad("privacy.keep_files: %s is longer than privacy.keep_closed (%s), which erases the files with the case", f.Privacy.KeepFiles, f.Privacy.KeepClosed)
	}

	c.Bot.Rule = bot.DefaultRule
	if d := duration("rules.deadline", f.Rules.Deadline); d > 0 {
		c.Bot.Rule.Deadline = d
	}
	if d := duration("rules.remind_after", f.Rules.RemindAfter); d > 0 {
		c.Bot.Rule.RemindAfter = d
	}
	if c.Bot.Rule.RemindAfter >= c.Bot.Rule.Deadline {
		bad("rules.remind_after (%s) must be shorter than rules.deadline (%s), or no reminder is ever sent", c.Bot.Rule.RemindAfter, c.Bot.Rule.Deadline)
	}
	// A wait's step is a duration, or "off" (a negative duration to the
	// core).
	wait := func(key, v string) time.Duration {
		if strings.EqualFold(strings.TrimSpace(v), "off") {
			return -1
		}
		return duration(key, v)
	}
	c.Bot.SupportRemindAfter = wait("rules.support_remind_after", f.Rules.SupportRemindAfter)
	ws := &c.Bot.Waits
	for _, k := range []struct {
		key string
		v   string
		d   *time.Duration
	}{
		{"question_remind", f.Rules.QuestionRemind, &ws.QuestionRemind},
		{"question_escalate", f.Rules.QuestionEscalate, &ws.QuestionEscalate},
		{"question_close", f.Rules.QuestionClose, &ws.QuestionClose},
		{"unclaimed_remind", f.Rules.UnclaimedRemind, &ws.UnclaimedRemind},
		{"unclaimed_escalate", f.Rules.UnclaimedEscalate, &ws.UnclaimedEscalate},
		{"recommend_remind", f.Rules.RecommendRemind, &ws.RecommendRemind},
		{"recommend_escalate", f.Rules.RecommendEscalate, &ws.RecommendEscalate},
		{"idle_remind", f.Rules.IdleRemind, &ws.IdleRemind},
		{"reopen_within", f.Rules.ReopenWithin, &ws.ReopenWithin},
	} {
		*k.d = wait("rules."+k.key, k.v)
	}
	ws.DigestHour = bot.DefaultWaits.DigestHour
	if h := f.Rules.DigestHour; h != nil {
		if *h < 0 || *h > 23 {
			bad("rules.digest_hour: an hour from 0 to 23, not %d", *h)
		}
		ws.DigestHour = *h
	}
	// Each step of a chain comes after the one before, or it would never
	// be seen (an escalation before the reminder, a close before either).
	eff := ws.WithDefaults()
	ws = &eff
	for _, chain := range [][]struct {
		key string
		d   time.Duration
	}{
		{{"question_remind", ws.QuestionRemind}, {"question_escalate", ws.QuestionEscalate}, {"question_close", ws.QuestionClose}},
		{{"unclaimed_remind", ws.UnclaimedRemind}, {"unclaimed_escalate", ws.UnclaimedEscalate}},
		{{"recommend_remind", ws.RecommendRemind}, {"recommend_escalate", ws.RecommendEscalate}},
	} {
		for i := 1; i < len(chain); i++ {
			a, b := chain[i-1], chain[i]
			if a.d > 0 && b.d > 0 && b.d <= a.d {
				bad("rules.%s (%s) must be longer than rules.%s (%s): both count from the start of the wait", b.key, b.d, a.key, a.d)
			}
		}
	}
	if q := f.Rules.Quorum; q != nil {
		if *q < 1 {
			bad("rules.quorum: must be at least 1, not %d", *q)
		}
		c.Bot.Rule.Quorum = *q
	}

	c.Bot.NoGroupEmoji = bot.DefaultNoGroupEmoji
	if f.NoGroupEmoji != "" {
		c.Bot.NoGroupEmoji = bot.EmojiFromName(f.NoGroupEmoji)
	}
	groups := bot.DefaultGroups
	if len(f.Groups) > 0 {
		groups = nil
		ids, emoji := map[string]bool{}, map[string]string{bot.NormEmoji(c.Bot.NoGroupEmoji): "no_group_emoji"}
		for i, g := range f.Groups {
			key := fmt.Sprintf("groups[%d]", i)
			switch {
			case g.ID == "":
				bad("%s: id is missing", key)
			case !groupIDRE.MatchString(g.ID) || g.ID == "none":
				bad("%s: id %q must be lower-case letters, digits, '-' or '_' (and not \"none\")", key, g.ID)
			case ids[g.ID]:
				bad("%s: id %q is used twice", key, g.ID)
			}
			ids[g.ID] = true
			e := bot.EmojiFromName(g.Emoji)
			switch n := bot.NormEmoji(e); {
			case e == "":
				bad("%s (%s): emoji is missing", key, g.ID)
			case n == bot.NormEmoji(bot.EmojiClaim):
				bad("%s (%s): %s is the claim reaction; choose another emoji", key, g.ID, e)
			case emoji[n] != "":
				bad("%s (%s): emoji %s is already used by %s", key, g.ID, e, emoji[n])
			default:
				emoji[n] = g.ID
			}
			if g.Name == "" && g.ID != "" && !cat.Has("group."+g.ID) {
				bad("%s (%s): name is missing (the helpdesk has no name of its own for this group)", key, g.ID)
			}
			groups = append(groups, bot.Group{ID: g.ID, Emoji: e, Lang: lang(key+".language", g.Language), Name: g.Name})
		}
		c.Bot.Groups = groups
	}

	for i, g := range f.Guides {
		key := fmt.Sprintf("guides[%d]", i)
		if strings.TrimSpace(g.Title) == "" {
			bad("%s: title is missing", key)
		}
		if u, err := url.Parse(g.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("%s: url %q is not an http(s) address", key, g.URL)
		}
		c.Bot.Guides = append(c.Bot.Guides, bot.Guide{Title: g.Title, URL: g.URL, Topics: g.Topics})
	}

	known := func(id string) bool {
		return slices.ContainsFunc(groups, func(g bot.Group) bool { return g.ID == id })
	}
	for i, p := range f.Shell.People {
		key := fmt.Sprintf("shell.people[%d]", i)
		if !shell.ValidName(p.Name) {
			bad("%s: name %q must be 1 to 32 lower-case letters, digits, '.', '_' or '-'", key, p.Name)
		}
		if _, dup := c.Roster[p.Name]; dup {
			bad("%s: %s is listed twice", key, p.Name)
		}
		var person shell.Person
		for _, r := range p.Roles {
			switch r {
			case "committee":
				person.Roles.Committee = true
			case "chair":
				person.Roles.Chair = true
			case "staff":
				person.Roles.Staff = true
			default:
				bad("%s (%s): unknown role %q (roles are committee, chair and staff)", key, p.Name, r)
			}
		}
		for _, g := range p.Groups {
			switch {
			case known(g):
				person.Roles.Groups = append(person.Roles.Groups, g)
			case demoRoster:
				// The built-in cast plays the default groups; with
				// groups of one's own it simply belongs to fewer.
			default:
				bad("%s (%s): there is no group %q", key, p.Name, g)
			}
		}
		person.Lang = lang(key+".language", p.Language)
		c.Roster[p.Name] = person
	}

	if problems != nil {
		return config{}, &ConfigError{Path: path, Problems: problems}
	}
	return c, nil
}
