package main

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/wmse/helpdesk/adapters/mattermost"
)

// mattermostSection is the [mattermost] section of the configuration:
// where the helpdesk lives on a Mattermost team and who is who there. The
// bot's token is never in the file: it comes from HELPDESK_MATTERMOST_TOKEN,
// or from the file named by HELPDESK_MATTERMOST_TOKEN_FILE.
//
//	[mattermost]
//	url = "https://chat.example.org"         # or HELPDESK_MATTERMOST_URL
//	team = "wikimedia-se"                    # the team's name, as in its URL
//	committee_channel = "expert-committee"   # the channel of the case cards and threads
//	committee = ["bea", "carl", "~committee-members"]  # user names, or ~channel: its members
//	chairs = ["bea"]
//	staff = ["~helpdesk-staff"]
//	listen = ":8080"                         # the bot's listener for the callbacks
//	callback_url = "http://helpdesk:8080"    # where Mattermost reaches that listener
//	command_token = ""                       # only when an admin created /helpdesk
//	dialog_secret = ""                       # default: derived from the bot token
//	[mattermost.groups]                      # a channel per working group
//	implementation = "wg-implementation"
//	[mattermost.group_members]               # the members of each working group
//	implementation = ["gus", "~wg-implementation"]
type mattermostSection struct {
	URL              string              `toml:"url"`
	Team             string              `toml:"team"`
	CommitteeChannel string              `toml:"committee_channel"`
	Committee        []string            `toml:"committee"`
	Chairs           []string            `toml:"chairs"`
	Staff            []string            `toml:"staff"`
	Listen           string              `toml:"listen"`
	CallbackURL      string              `toml:"callback_url"`
	CommandToken     string              `toml:"command_token"`
	DialogSecret     string              `toml:"dialog_secret"`
	Groups           map[string]string   `toml:"groups"`
	GroupMembers     map[string][]string `toml:"group_members"`
}

// The environment variables of the Mattermost adapter.
const (
	mattermostURLEnv          = "HELPDESK_MATTERMOST_URL"
	mattermostTokenEnv        = "HELPDESK_MATTERMOST_TOKEN"
	mattermostTokenFileEnv    = "HELPDESK_MATTERMOST_TOKEN_FILE"
	mattermostCommandTokenEnv = "HELPDESK_MATTERMOST_COMMAND_TOKEN"
	mattermostDialogSecretEnv = "HELPDESK_MATTERMOST_DIALOG_SECRET"
)

func init() { platformFactories["mattermost"] = newMattermost }

// newMattermost builds the Mattermost adapter when the configuration has a
// [mattermost] section or the environment names a server or a token.
func newMattermost(ps platformSetup) (platform, error) {
	sec := ps.File.Mattermost
	token, tokenFrom, err := secretFromEnv(ps.Env, mattermostTokenEnv, mattermostTokenFileEnv)
	if err != nil {
		return nil, err
	}
	envURL := ps.Env(mattermostURLEnv)
	if sec == nil && tokenFrom == "" && envURL == "" {
		return nil, nil
	}
	if sec == nil {
		from := mattermostURLEnv
		if envURL == "" {
			from = tokenFrom
		}
		return nil, fmt.Errorf("%s is set but the configuration has no [mattermost] section (team, committee_channel, listen, callback_url…)", from)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	server := sec.URL
	if envURL != "" {
		server = envURL
	}
	if u, err := url.Parse(server); server == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("mattermost.url (or %s): %q is not the http(s) address of a Mattermost server", mattermostURLEnv, server)
	}
	if token == "" {
		bad("mattermost: no token: set %s, or %s to a file that holds it", mattermostTokenEnv, mattermostTokenFileEnv)
	}
	if sec.Team == "" {
		bad("mattermost.team is missing")
	}
	if sec.CommitteeChannel == "" {
		bad("mattermost.committee_channel is missing")
	}
	if sec.Listen == "" {
		bad("mattermost.listen is missing (the address of the bot's listener, like \":8080\")")
	}
	if u, err := url.Parse(sec.CallbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("mattermost.callback_url: %q is not the http(s) address where Mattermost reaches the bot", sec.CallbackURL)
	}
	if len(sec.Committee) == 0 && len(sec.Chairs) == 0 {
		bad("mattermost.committee is missing (user names, or ~channel for a channel's members)")
	}
	groups := map[string]bool{}
	for _, g := range ps.Service.Config().Groups {
		groups[g.ID] = true
		if sec.Groups[g.ID] == "" {
			bad("mattermost.groups.%s: the channel of working group %q is missing", g.ID, g.ID)
		}
	}
	for _, key := range []string{"groups", "group_members"} {
		var ids []string
		if key == "groups" {
			for g := range sec.Groups {
				ids = append(ids, g)
			}
		} else {
			for g := range sec.GroupMembers {
				ids = append(ids, g)
			}
		}
		sort.Strings(ids)
		for _, g := range ids {
			if !groups[g] {
				bad("mattermost.%s.%s: there is no working group %q", key, g, g)
			}
		}
	}
	for key, list := range map[string][]string{"committee": sec.Committee, "chairs": sec.Chairs, "staff": sec.Staff} {
		for _, e := range list {
			if strings.TrimLeft(strings.TrimSpace(e), "@~") == "" {
				bad("mattermost.%s: %q is neither a user name nor ~channel", key, e)
			}
		}
	}
	if problems != nil {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	commandToken := sec.CommandToken
	if v := ps.Env(mattermostCommandTokenEnv); v != "" {
		commandToken = v
	}
	secret := sec.DialogSecret
	if v := ps.Env(mattermostDialogSecretEnv); v != "" {
		secret = v
	}
	a, err := mattermost.New(mattermost.Options{
		URL: server, Token: token, Team: sec.Team,
		CommitteeChannel: sec.CommitteeChannel, GroupChannels: sec.Groups,
		Committee: sec.Committee, Chairs: sec.Chairs, Staff: sec.Staff, Groups: sec.GroupMembers,
		Listen: sec.Listen, CallbackURL: strings.TrimRight(sec.CallbackURL, "/"),
		CommandToken: commandToken, DialogSecret: secret,
		Service: ps.Service, Catalog: ps.Catalog, Logger: ps.Log,
		Metrics: ps.Metrics.Platform(mattermost.Platform),
	})
	if err != nil {
		return nil, fmt.Errorf("[mattermost]: %w", err)
	}
	ps.Service.Attach(mattermost.Platform, a)
	return a, nil
}
