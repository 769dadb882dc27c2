package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
)

// TestDiscordAndMattermostTogether runs the binary on both platforms at
// once, on one database: a request on each becomes a case on its own
// platform, numbered in one sequence.
func TestDiscordAndMattermostTogether(t *testing.T) {
	guild := fakeGuild(t)
	const mmToken = "mm-secret-token-both-4242"
	mm := mmtest.New(mmToken, "wmse")
	defer mm.Close()
	users := map[string]string{}
	for _, n := range []string{"ana", "bea", "carl"} {
		users[n] = mm.AddUser(n, "en")
	}
	town := mm.AddChannel("town-square", false, users["ana"])
	comm := mm.AddChannel("expert-committee", true, users["bea"], users["carl"])
	groups := groupChannels(mm)
	addr := freeAddr(t)

	dir := t.TempDir()
	db := filepath.Join(dir, "helpdesk.db")
	cfg := filepath.Join(dir, "helpdesk.toml")
	conf := strings.ReplaceAll(discordConfig, "%URL%", guild.URL()) + fmt.Sprintf(`
[mattermost]
team = "wmse"
committee_channel = "expert-committee"
committee = ["bea", "carl"]
chairs = ["bea"]
staff = ["carl"]
listen = %q
callback_url = "http://%s"
[mattermost.groups]
%s`, addr, addr, groups)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-v", "-db", db, "-config", cfg)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"),
		"HELPDESK_DISCORD_TOKEN=" + discordtest.Token,
		"HELPDESK_MATTERMOST_URL=" + mm.URL, "HELPDESK_MATTERMOST_TOKEN=" + mmToken}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	guild.WaitReady(t)
	waitFor(t, "the Mattermost websocket", func() bool { return mm.Connected() == 1 }, &out)

	// On Discord, rita asks first: case #1.
	_, token := guild.Submit("1008", "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": "Old photos", "description": "Which licence?"})
	waitFor(t, "the Discord reply", func() bool { return len(guild.EditsOf(token)) == 1 }, &out)
	waitFor(t, "the Discord card", func() bool { return len(guild.MessagesIn("100")) == 1 }, &out)

	// On Mattermost, ana asks next: case #2, on Mattermost's own card.
	res, err := mm.RunCommand(users["ana"], town, "request data-upload", "")
	if err != nil || res.Status != 200 {
		t.Fatalf("/helpdesk request: %v %d", err, res.Status)
	}
	d, ok := mm.DialogFor(res.Trigger)
	if !ok {
		t.Fatal("no dialog")
	}
	sub, err := mm.Submit(d, users["ana"], town, map[string]any{
		"type": "data-upload", "title": "Paintings", "description": "2,000 paintings for Wikidata.",
	}, "")
	if err != nil || sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("submit: %v %+v", err, sub.Response)
	}
	waitFor(t, "the Mattermost card", func() bool {
		for _, p := range mm.Posts(comm) {
			if p.RootId == "" && strings.Contains(p.Message, "#2") {
				return true
			}
		}
		return false
	}, &out)
	if n := len(guild.MessagesIn("100")); n != 1 {
		t.Errorf("%d cards on Discord, want only its own case", n)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, &out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit after SIGTERM\n%s", &out)
	}
	for _, secret := range []string{discordtest.Token, mmToken} {
		if strings.Contains(out.String(), secret) {
			t.Error("a token is in the output")
		}
	}

	// One database, one sequence of cases, each on its own platform.
	exp := exec.Command(binary, "export", "-db", db)
	buf, err := exp.Output()
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	var cases []struct {
		ID        int64  `json:"id"`
		Requester string `json:"requester"`
	}
	if err := json.Unmarshal(buf, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 || !strings.HasPrefix(cases[0].Requester, "discord:") || !strings.HasPrefix(cases[1].Requester, "mattermost:") {
		t.Fatalf("cases %+v, want #1 from Discord and #2 from Mattermost", cases)
	}
}
