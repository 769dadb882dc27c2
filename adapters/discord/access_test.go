package discord

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// startErr runs the adapter on f with the test configuration changed by
// change and returns what Run returned; it fails the test if Run does not
// return by itself (it started).
func startErr(t *testing.T, f *discordtest.Fake, change func(*Config)) error {
	t.Helper()
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := bot.New(store, wallClock{}, cat, bot.Config{})
	cfg := testConfig(f, cat, slog.New(slog.DiscardHandler))
	if change != nil {
		change(&cfg)
	}
	a, err := New(cfg, svc)
	if err != nil {
		t.Fatal(err)
	}
	svc.Attach(Platform, a)
	err = a.Run(ctx)
	if ctx.Err() != nil {
		t.Fatalf("the adapter started; Run returned %v only when stopped", err)
	}
	return err
}

func wantStartError(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the adapter started; want an error with %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("start error %q lacks %q", err, w)
		}
	}
}

// A working group's channel that is not on the server stops the start,
// naming its configuration key; nothing is connected.
func TestStartRefusedForMissingChannel(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	err := startErr(t, f, func(c *Config) { c.GroupChannels["planning"] = "199" })
	wantStartError(t, err, "discord.groups.planning", "199", "does not exist")
	if f.Sessions() != 0 {
		t.Errorf("the bot connected to the gateway")
	}
}

// An overwrite on the committee channel that denies @everyone reactions
// leaves the bot unable to post ballots: the start is refused, naming the
// key and the permission. An overwrite allowing the bot's role wins over
// it (role overwrites come after @everyone's), and then it starts.
func TestStartChecksChannelPermissions(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.SetOverwrite(committeeCh, discordtest.Overwrite{ID: discordtest.Guild, Deny: discordtest.PermAddReactions})
	wantStartError(t, startErr(t, f, nil), "discord.committee_channel", "ADD_REACTIONS")

	f.SetOverwrite(committeeCh, discordtest.Overwrite{ID: discordtest.BotRole, Allow: discordtest.PermAddReactions})
	h := newHarness(t, f)
	h.request(rita, "Allowed")

	// The bot's member overwrite comes last: denied history, it cannot
	// read a ballot's reactions again.
	g := newFakeGuild(t)
	g.SetOverwrite(implCh, discordtest.Overwrite{ID: discordtest.Bot, Member: true, Deny: discordtest.PermReadMessageHistory})
	wantStartError(t, startErr(t, g, nil), "discord.groups.implementation", "READ_MESSAGE_HISTORY")
}

// Without MANAGE_THREADS (the bot's role lost it) the committee's
// threads cannot be archived: refused. Hidden from the bot (no
// VIEW_CHANNEL), a channel allows nothing else either.
func TestStartChecksRolePermissions(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.SetRolePermissions(discordtest.BotRole, 0)
	wantStartError(t, startErr(t, f, nil), "discord.committee_channel", "MANAGE_THREADS")

	g := newFakeGuild(t)
	g.SetOverwrite(commCh, discordtest.Overwrite{ID: discordtest.Guild, Deny: discordtest.PermViewChannel})
	wantStartError(t, startErr(t, g, nil), "discord.groups.communication", "VIEW_CHANNEL", "SEND_MESSAGES")

	// An administrator may do everything, whatever the overwrites.
	g.SetRolePermissions(discordtest.BotRole, discordtest.PermAdministrator)
	newHarness(t, g)
}

// A committee forum that is a text channel is refused.
func TestStartChecksForumType(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	wantStartError(t, startErr(t, f, func(c *Config) { c.CommitteeForum = true }), "discord.committee_channel", "not a forum")
}
