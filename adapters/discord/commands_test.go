package discord

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
)

// Every command of the core has its place on Discord: a command added to
// the core fails here until it is put under /helpdesk or /case in
// placement (Discord allows a command 25 subcommands, so adding one under
// /helpdesk unasked would one day make the whole registration fail).
func TestEveryCommandPlaced(t *testing.T) {
	for _, c := range bot.Commands() {
		top, ok := placement[c]
		if !ok {
			t.Errorf("the core's command %q has no place on Discord: add it to placement in commands.go, under %q (for everyone) or %q (casework)", c, commandName, caseCommand)
			continue
		}
		if !slices.Contains(topCommands, top) {
			t.Errorf("%q is placed under %q, which is not registered", c, top)
		}
	}
	for _, top := range topCommands {
		n := 0
		for _, c := range bot.Commands() {
			if placement[c] == top {
				n++
			}
		}
		if n > maxSubcommands {
			t.Errorf("/%s has %d subcommands; Discord allows %d", top, n, maxSubcommands)
		}
	}
}

// A command missing from placement does not vanish: it goes under
// /helpdesk while /helpdesk has room, and is reported when it has none.
func TestUnplacedCommandsGoUnderHelpdesk(t *testing.T) {
	cmds := slices.Clone(bot.Commands())
	room := maxSubcommands
	for _, c := range cmds {
		if placement[c] == commandName {
			room--
		}
	}
	var extra []string
	for i := range room + 2 {
		extra = append(extra, fmt.Sprintf("new%02d", i))
	}
	top, unplaced := layout(append(cmds, extra...))
	for _, c := range extra[:room] {
		if top[c] != commandName {
			t.Errorf("%s is under %q, want %q", c, top[c], commandName)
		}
	}
	if !slices.Equal(unplaced, extra[room:]) {
		t.Errorf("unplaced %v, want %v", unplaced, extra[room:])
	}
	for _, c := range cmds {
		if top[c] != placement[c] {
			t.Errorf("%s moved to %q", c, top[c])
		}
	}
}

// The commands, with their descriptions in every language the catalog and
// Discord share, are within Discord's limits: the fake Discord, which
// checks them all, takes them. Each stays within 4000 characters as well,
// the limit Discord documented until 2024, which leaves room for the
// commands still to come.
func TestCommandsWithinDiscordsLimits(t *testing.T) {
	cat, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	a := &Adapter{cat: cat}
	specs := a.commandSpecs()
	if len(a.discordLocales()) < 6 {
		t.Fatalf("only the locales %v: the test would not count the translations", a.discordLocales())
	}
	body, err := json.Marshal(specs)
	if err != nil {
		t.Fatal(err)
	}
	f := discordtest.New(t)
	req, _ := http.NewRequest("PUT", f.URL()+"/api/v9/applications/"+discordtest.App+"/guilds/"+discordtest.Guild+"/commands", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bot "+discordtest.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var ans any
		_ = json.NewDecoder(resp.Body).Decode(&ans)
		t.Fatalf("Discord refuses the commands: HTTP %d %v", resp.StatusCode, ans)
	}
	for _, c := range specs {
		js, _ := json.Marshal(c)
		size, err := discordtest.CommandSize(js)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("/%s: %d subcommands, %d characters", c.Name, len(c.Options), size)
		if size > 4000 {
			t.Errorf("/%s has %d characters (each field counted in its longest language), more than 4000", c.Name, size)
		}
	}
}

// Texts show a command as it is typed on Discord: casework under /case,
// the rest under /helpdesk.
func TestCommandsTypedAsOnDiscord(t *testing.T) {
	for line, want := range map[string]string{
		"take #3":         "/case take #3",
		"decide #3 …":     "/case decide #3 …",
		"status #3":       "/helpdesk status #3",
		"digest on|off":   "/helpdesk digest on|off",
		"help":            "/helpdesk help",
		"not-a-command x": "/helpdesk not-a-command x",
	} {
		if got := typed(line); got != want {
			t.Errorf("typed(%q) = %q, want %q", line, got, want)
		}
	}
}

// On Discord the helpdesk's texts write each command as it is typed there:
// casework under /case, the rest under /helpdesk, and /case's
// subcommands reach the core as /helpdesk's do.
func TestTextsWriteCommandsAsTypedOnDiscord(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.eventually("the registration", func() bool { return len(f.Registrations()) == 1 })
	_, tok := f.Command(sam, lobbyCh, "help")
	help := words(h.reply(tok))
	for _, want := range []string{"/helpdesk request TYPE", "/helpdesk status #N", "/case take #N", "/case resolve #N SUMMARY", "/case note #N TEXT", "/helpdesk todo"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q:\n%s", want, help)
		}
	}
	for _, c := range bot.Commands() {
		if placement[c] == caseCommand && strings.Contains(help, "/helpdesk "+c+" ") {
			t.Errorf("the help writes /helpdesk %s:\n%s", c, help)
		}
	}

	card := h.request(rita, "Scans")
	h.eventually("the DM to rita", func() bool { dm := f.DMChannel(rita); return dm != "" && len(f.MessagesIn(dm)) == 1 })
	if got := words(f.MessagesIn(f.DMChannel(rita))[0].Text()); !strings.Contains(got, "/helpdesk status #1") {
		t.Errorf("the requester is not told /helpdesk status #1: %q", got)
	}
	// /case take, sent as Discord sends it, reaches the core.
	id, tok := f.Interact(sam, card, "en-US", 2, map[string]any{"id": "1", "name": "case", "type": 1,
		"options": []any{map[string]any{"name": "take", "type": 1, "options": []any{map[string]any{"name": "case", "type": 4, "value": 1}}}}})
	h.response(id)
	if got, want := words(h.reply(tok)), "/case resolve #1"; !strings.Contains(got, want) {
		t.Errorf("take answers %q, want it to name %q", got, want)
	}
}
