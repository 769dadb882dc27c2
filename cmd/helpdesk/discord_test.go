package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
)

const discordConfig = `
[discord]
guild_id = "900"
committee_channel = "100"
committee_role = "500"
chair_role = "501"
staff_role = "502"
api_url = "%URL%"

[discord.groups]
implementation = "101"

[discord.group_roles]
implementation = "503"
`

// fakeGuild is a fake Discord server with a committee of three.
func fakeGuild(t *testing.T) *discordtest.Fake {
	f := discordtest.New(t)
	for _, c := range []string{"100", "101", "103"} {
		f.AddChannel(c, 0)
	}
	f.AddMember("1001", "ana", "500", "501")
	f.AddMember("1002", "bo", "500")
	f.AddMember("1003", "chen", "500")
	f.AddMember("1006", "ivan", "503")
	f.AddMember("1008", "rita")
	return f
}

// startDiscordBinary starts the helpdesk on the fake with env, on a new
// database.
func startDiscordBinary(t *testing.T, f *discordtest.Fake, env ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	return startDiscordBinaryIn(t, t.TempDir(), f, env...)
}

// startDiscordBinaryIn starts the helpdesk on the fake with env, with its
// configuration and database in dir (the same dir again is a restart).
func startDiscordBinaryIn(t *testing.T, dir string, f *discordtest.Fake, env ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cfg := filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(discordConfig, "%URL%", f.URL())), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-db", filepath.Join(dir, "helpdesk.db"), "-config", cfg, "-v")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stderr
}

func waitFor(t *testing.T, what string, cond func() bool, out *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; output:\n%s", what, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDiscordBinary(t *testing.T) {
	f := fakeGuild(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(discordtest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, out := startDiscordBinary(t, f, "HELPDESK_DISCORD_TOKEN_FILE="+tokenFile)
	f.WaitReady(t)
	waitFor(t, "/helpdesk registered", func() bool { return len(f.Calls("PUT", "/commands")) == 1 }, out)

	id, _ := f.Command("1008", "103", "request", "type", "guidance")
	waitFor(t, "the modal", func() bool { return len(f.ResponsesTo(id)) == 1 }, out)
	if !strings.Contains(string(f.ResponsesTo(id)[0]), `"custom_id":"helpdesk:request:guidance"`) {
		t.Fatalf("response: %s", f.ResponsesTo(id)[0])
	}
	_, token := f.Submit("1008", "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": "Rights of old photos", "description": "Which licence?"})
	waitFor(t, "the reply", func() bool { return len(f.EditsOf(token)) == 1 }, out)
	var card string
	waitFor(t, "the card", func() bool {
		ms := f.MessagesIn("100")
		if len(ms) == 1 && len(ms[0].Reactions) == 3 {
			card = ms[0].ID
			return true
		}
		return false
	}, out)
	for _, u := range []string{"1001", "1002"} {
		f.React(u, card, "✅", false)
	}
	waitFor(t, "the routing message", func() bool {
		for _, m := range f.MessagesIn(card) {
			if len(m.Reactions) == 7 {
				return true
			}
		}
		return false
	}, out)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the helpdesk did not stop on SIGTERM\n%s", out)
	}
	if strings.Contains(out.String(), discordtest.Token) {
		t.Errorf("the token is in the output:\n%s", out)
	}
}

// stopDiscordBinary ends the program with SIGTERM and waits for it.
func stopDiscordBinary(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the helpdesk did not stop on SIGTERM\n%s", out)
	}
}

// TestDiscordBinaryPostsADeletedCardAgain plays a case in which the card
// is deleted by hand twice: while the program runs (it follows
// MESSAGE_DELETE) and while it is stopped (it finds the card gone when it
// reads the ballot again at start). Each time the card comes back with the
// vote held, in the same thread, and the case goes on to the final go.
func TestDiscordBinaryPostsADeletedCardAgain(t *testing.T) {
	f := fakeGuild(t)
	dir := t.TempDir()
	env := "HELPDESK_DISCORD_TOKEN=" + discordtest.Token
	cmd, out := startDiscordBinaryIn(t, dir, f, env)
	f.WaitReady(t)
	id, _ := f.Command("1008", "103", "request", "type", "guidance")
	waitFor(t, "the modal", func() bool { return len(f.ResponsesTo(id)) == 1 }, out)
	_, token := f.Submit("1008", "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": "Rights of old photos", "description": "Which licence?"})
	waitFor(t, "the reply", func() bool { return len(f.EditsOf(token)) == 1 }, out)
	card := func(not ...string) string {
		t.Helper()
		var got string
		waitFor(t, "a card with the vote held", func() bool {
			for _, m := range f.MessagesIn("100") {
				_, desc := m.Embed()
				if len(m.Reactions) >= 3 && strings.Contains(desc, "1 of 3") && !slicesContain(not, m.ID) {
					got = m.ID
					return true
				}
			}
			return false
		}, out)
		return got
	}
	var first string
	waitFor(t, "the card", func() bool {
		ms := f.MessagesIn("100")
		if len(ms) == 1 && len(ms[0].Reactions) == 3 {
			first = ms[0].ID
			return true
		}
		return false
	}, out)
	thread := first // a thread started on a message has its id
	f.React("1001", first, "✅", false)
	card()
	f.DeleteMessage("100", first) // while the program runs
	second := card(first)
	stopDiscordBinary(t, cmd, out)
	f.DeleteMessage("100", second) // while it is stopped
	cmd, out = startDiscordBinaryIn(t, dir, f, env)
	f.WaitReady(t)
	third := card(first, second)
	f.React("1002", third, "✅", false) // ana's vote, carried twice, and bo's: a majority
	var routing string
	waitFor(t, "the routing message in the case's thread", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if len(m.Reactions) == 7 {
				routing = m.ID
				return true
			}
		}
		return false
	}, out)
	f.React("1001", routing, "⏩", false)
	var vote string
	waitFor(t, "the final vote", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if title, _ := m.Embed(); strings.Contains(title, "final go") && len(m.Reactions) == 3 {
				vote = m.ID
				return true
			}
		}
		return false
	}, out)
	for _, u := range []string{"1001", "1002"} {
		f.React(u, vote, "✅", false)
	}
	waitFor(t, "the final go", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if strings.Contains(m.Content, "Final go") {
				return true
			}
		}
		return false
	}, out)
	stopDiscordBinary(t, cmd, out)
	if strings.Contains(out.String(), "given up") {
		t.Errorf("work was given up:\n%s", out)
	}
}

func slicesContain(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestDiscordTokenNeverPrinted(t *testing.T) {
	f := fakeGuild(t)
	const wrong = "wrong-token-4f8a9c"
	cmd, out := startDiscordBinary(t, f, "HELPDESK_DISCORD_TOKEN="+wrong)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
			t.Errorf("exit %v, want 1\n%s", err, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the helpdesk did not give up on a refused token\n%s", out)
	}
	if !strings.Contains(out.String(), "token was refused") {
		t.Errorf("no clear message:\n%s", out)
	}
	if strings.Contains(out.String(), wrong) {
		t.Errorf("the token is in the output:\n%s", out)
	}
	for _, a := range f.Authorizations() {
		if a != "" && a != "Bot "+wrong {
			t.Errorf("sent authorization %q", a)
		}
	}
}

func TestDiscordConfigErrors(t *testing.T) {
	f := fakeGuild(t)
	for name, tc := range map[string]struct {
		config, want string
		env          []string
	}{
		"no section":            {"", "no [discord] section", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"no token":              {"[discord]\nguild_id = \"1\"\ncommittee_channel = \"2\"\ncommittee_role = \"3\"\n", "HELPDESK_DISCORD_TOKEN", nil},
		"bad id":                {"[discord]\nguild_id = \"x1\"\ncommittee_channel = \"2\"\ncommittee_role = \"3\"\n", "discord.guild_id", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"bad group":             {"[discord]\nguild_id = \"1\"\ncommittee_channel = \"2\"\ncommittee_role = \"3\"\n[discord.groups]\nnope = \"4\"\n", "discord.groups.nope", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"unknown key":           {"[discord]\nguild = \"1\"\n", "discord.guild", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"missing role":          {"[discord]\nguild_id = \"1\"\ncommittee_channel = \"2\"\n", "discord.committee_role", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"roster too often":      {"[discord]\nguild_id = \"1\"\ncommittee_channel = \"2\"\ncommittee_role = \"3\"\nroster_every = \"10s\"\n", "discord.roster_every", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
		"roster not a duration": {"[discord]\nguild_id = \"1\"\ncommittee_channel = \"2\"\ncommittee_role = \"3\"\nroster_every = \"often\"\n", "discord.roster_every", []string{"HELPDESK_DISCORD_TOKEN=abc"}},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"-db", filepath.Join(t.TempDir(), "h.db")}
			if tc.config != "" {
				args = append(args, "-config", MustWriteConfig(t, tc.config))
			}
			cmd := exec.Command(binary, args...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tc.env...)
			outb, err := cmd.CombinedOutput()
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
				t.Errorf("exit %v, want 1", err)
			}
			if !strings.Contains(string(outb), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, outb)
			}
			if strings.Contains(string(outb), "abc") {
				t.Errorf("the token is in the output:\n%s", outb)
			}
		})
	}
	_ = f
}
