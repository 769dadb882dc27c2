package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/wmse/helpdesk/adapters/discord"
	"github.com/wmse/helpdesk/adapters/shell"
)

// discordSection is the [discord] section of the configuration: where the
// helpdesk lives on the Discord server. The bot's token is never in the
// file: it comes from HELPDESK_DISCORD_TOKEN, or from the file named by
// HELPDESK_DISCORD_TOKEN_FILE.
//
//	[discord]
//	guild_id = "123…"            # the server
//	committee_channel = "234…"   # the channel of the case cards
//	committee_forum = false      # true when committee_channel is a forum: each case is a post
//	committee_role = "345…"
//	chair_role = "456…"
//	staff_role = "567…"
//	[discord.groups]             # a channel per working group
//	implementation = "678…"
//	[discord.group_roles]        # a role per working group
//	implementation = "789…"
type discordSection struct {
	GuildID          string            `toml:"guild_id"`
	CommitteeChannel string            `toml:"committee_channel"`
	CommitteeForum   bool              `toml:"committee_forum"`
	CommitteeRole    string            `toml:"committee_role"`
	ChairRole        string            `toml:"chair_role"`
	StaffRole        string            `toml:"staff_role"`
	Groups           map[string]string `toml:"groups"`
	GroupRoles       map[string]string `toml:"group_roles"`
	// RosterEvery is how often the server's member list is read again, to
	// correct a role change or a departure whose gateway event was missed.
	RosterEvery string `toml:"roster_every"`
	// APIURL replaces https://discord.com for the REST API and the gateway
	// discovery: a proxy, or a fake Discord in tests.
	APIURL string `toml:"api_url"`
}

// The environment variables that hold the bot's token.
const (
	discordTokenEnv     = "HELPDESK_DISCORD_TOKEN"
	discordTokenFileEnv = "HELPDESK_DISCORD_TOKEN_FILE"
)

func init() { platformFactories["discord"] = newDiscord }

// snowflakeRE is what a Discord id looks like.
var snowflakeRE = regexp.MustCompile(`^[0-9]{1,20}$`)

// newDiscord builds the Discord adapter when the configuration has a
// [discord] section or the environment a token.
func newDiscord(ps platformSetup) (platform, error) {
	sec := ps.File.Discord
	token, tokenFrom, err := secretFromEnv(ps.Env, discordTokenEnv, discordTokenFileEnv)
	if err != nil {
		return nil, err
	}
	if sec == nil && tokenFrom == "" {
		return nil, nil
	}
	if sec == nil {
		return nil, fmt.Errorf("%s is set but the configuration has no [discord] section (guild_id, committee_channel, committee_role…)", tokenFrom)
	}
	if token == "" {
		return nil, fmt.Errorf("[discord]: no token: set %s, or %s to a file that holds it", discordTokenEnv, discordTokenFileEnv)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	id := func(key, v string, required bool) {
		switch {
		case v == "" && required:
			bad("discord.%s is missing", key)
		case v != "" && !snowflakeRE.MatchString(v):
			bad("discord.%s: %q is not a Discord id (copy it with Developer Mode on)", key, v)
		}
	}
	id("guild_id", sec.GuildID, true)
	id("committee_channel", sec.CommitteeChannel, true)
	id("committee_role", sec.CommitteeRole, true)
	id("chair_role", sec.ChairRole, false)
	id("staff_role", sec.StaffRole, false)
	groups := map[string]bool{}
	for _, g := range ps.Service.Config().Groups {
		groups[g.ID] = true
	}
	for _, m := range []struct {
		key string
		ids map[string]string
	}{{"groups", sec.Groups}, {"group_roles", sec.GroupRoles}} {
		keys := make([]string, 0, len(m.ids))
		for g := range m.ids {
			keys = append(keys, g)
		}
		sort.Strings(keys)
		for _, g := range keys {
			if !groups[g] {
				bad("discord.%s.%s: there is no working group %q", m.key, g, g)
			}
			id(m.key+"."+g, m.ids[g], true)
		}
	}
	for g := range groups {
		if sec.Groups[g] == "" {
			ps.Log.Warn("discord: no channel for a working group; cases routed to it cannot be posted", "group", g, "key", "discord.groups."+g)
		}
	}
	var rosterEvery time.Duration
	if v := sec.RosterEvery; v != "" {
		d, err := shell.ParseDuration(v)
		switch {
		case errors.Is(err, shell.ErrTooLong):
			bad("discord.roster_every: %q is too long: at most %s (36500d)", v, shell.MaxDuration)
		case err != nil || d <= 0:
			bad("discord.roster_every: %q is not a positive duration (like 5m or 1h)", v)
		case d < time.Minute:
			bad("discord.roster_every: %q is too often: reading the member list costs Discord requests; at least 1m", v)
		default:
			rosterEvery = d
		}
	}
	if problems != nil {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	a, err := discord.New(discord.Config{
		RosterEvery:      rosterEvery,
		Token:            token,
		GuildID:          sec.GuildID,
		CommitteeChannel: sec.CommitteeChannel,
		CommitteeForum:   sec.CommitteeForum,
		GroupChannels:    sec.Groups,
		CommitteeRole:    sec.CommitteeRole,
		ChairRole:        sec.ChairRole,
		StaffRole:        sec.StaffRole,
		GroupRoles:       sec.GroupRoles,
		APIURL:           sec.APIURL,
		Catalog:          ps.Catalog,
		Logger:           ps.Log,
		Metrics:          ps.Metrics.Platform(discord.Platform),
	}, ps.Service)
	if err != nil {
		return nil, fmt.Errorf("[discord]: %w", err)
	}
	ps.Service.Attach(discord.Platform, a)
	return discordPlatform{a}, nil
}

// discordPlatform runs the adapter.
type discordPlatform struct{ a *discord.Adapter }

func (p discordPlatform) Run(ctx context.Context) error { return p.a.Run(ctx) }

// Check is the adapter's, for helpdesk check.
func (p discordPlatform) Check(ctx context.Context) error { return p.a.Check(ctx) }

// Readiness is the adapter's, for /readyz.
func (p discordPlatform) Readiness() error { return p.a.Readiness() }

// ThreadURL is the adapter's, for the dashboard.
func (p discordPlatform) ThreadURL(thread string) string { return p.a.ThreadURL(thread) }
