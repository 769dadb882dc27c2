package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/metrics/metricstest"
	"github.com/wmse/helpdesk/bot"
)

// TestMattermostBinaryTakesACaseThrough starts the built program with a
// configuration pointing at a fake Mattermost, plays a case from the
// dialog to its resolution through the fake's callbacks, and stops the
// program with SIGTERM.
// groupChannels makes a channel on the fake for each default working group
// and returns the [mattermost.groups] lines that name them.
func groupChannels(fake *mmtest.Server) string {
	var groups strings.Builder
	for _, g := range bot.DefaultGroups {
		fake.AddChannel("wg-"+g.ID, true)
		fmt.Fprintf(&groups, "%s = \"wg-%s\"\n", g.ID, g.ID)
	}
	return groups.String()
}

// freeAddr is a loopback address no one listens on, for the bot's listener.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestMattermostBinaryTakesACaseThrough(t *testing.T) {
	const token = "mm-secret-token-4242424242"
	fake := mmtest.New(token, "wmse")
	defer fake.Close()
	users := map[string]string{}
	for _, n := range []string{"ana", "bea", "carl", "dan", "sam"} {
		users[n] = fake.AddUser(n, "en")
	}
	town := fake.AddChannel("town-square", false, users["ana"], users["sam"])
	comm := fake.AddChannel("expert-committee", true, users["bea"], users["carl"], users["dan"])
	fake.AddPrivateChannel("helpdesk-staff", true, users["sam"])
	groups := groupChannels(fake)
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "helpdesk.toml")
	conf := fmt.Sprintf(`[mattermost]
team = "wmse"
committee_channel = "expert-committee"
committee = ["bea", "carl", "dan"]
chairs = ["bea"]
staff = ["~helpdesk-staff"]
listen = %q
callback_url = "http://%s"
[mattermost.groups]
%s`, addr, addr, groups)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	prog := startMM(t, fake, token, cfg, filepath.Join(dir, "helpdesk.db"))
	wait := prog.wait

	run := func(user, text string) mmtest.CommandResult {
		t.Helper()
		res, err := fake.RunCommand(users[user], town, text, "")
		if err != nil || res.Status != 200 {
			t.Fatalf("/helpdesk %s: %v %d", text, err, res.Status)
		}
		return res
	}
	res := run("ana", "request data-upload")
	d, ok := fake.DialogFor(res.Trigger)
	if !ok || d.Invalid != nil {
		t.Fatalf("dialog: %v %v", ok, d.Invalid)
	}
	sub, err := fake.Submit(d, users["ana"], town, map[string]any{
		"type": "data-upload", "title": "Paintings of the National Museum",
		"description": "Metadata of 2,000 paintings for Wikidata.",
	}, "")
	if err != nil || sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("submit: %v %+v", err, sub.Response)
	}
	var card *model.Post
	wait("the card", func() bool {
		for _, p := range fake.Posts(comm) {
			if p.RootId == "" {
				card = p
			}
		}
		return card != nil && len(fake.Reactions(card.Id)) == 3
	})
	for _, u := range []string{"bea", "carl", "dan"} {
		fake.React(users[u], card.Id, "white_check_mark")
	}
	reply := func(text string) *model.Post {
		t.Helper()
		var got *model.Post
		wait(text, func() bool {
			for _, p := range fake.Replies(card.Id) {
				if strings.Contains(p.Message, text) {
					got = p
				}
			}
			return got != nil && len(fake.Reactions(got.Id)) > 0
		})
		return got
	}
	routing := reply("which working groups")
	fake.React(users["bea"], routing.Id, "fast_forward") // no group needed
	vote := reply("final go, round 2")
	for _, u := range []string{"bea", "carl", "dan"} {
		fake.React(users[u], vote.Id, "white_check_mark")
	}
	dm := mmtest.DirectChannel(fake.BotID, users["ana"])
	dmSays := func(text string) func() bool {
		return func() bool {
			for _, p := range fake.Posts(dm) {
				if strings.Contains(p.Message, text) {
					return true
				}
			}
			return false
		}
	}
	wait("the final go", dmSays("gave the final go"))
	if res := run("sam", "resolve #1 Uploaded with OpenRefine."); !strings.Contains(res.Response.Text, "#1") {
		t.Errorf("resolve answered %q", res.Response.Text)
	}
	wait("the resolution", dmSays("is resolved"))
	prog.stop()
	if strings.Contains(prog.stderr.String(), token) {
		t.Error("the token appears on stderr")
	}
	if u := fake.Unhandled(); len(u) > 0 {
		t.Errorf("unhandled requests: %v", u)
	}
}

// TestMattermostConfigErrorsNameTheKey checks that a wrong [mattermost]
// section is refused before anything starts, naming the keys and never
// the token.
func TestMattermostConfigErrorsNameTheKey(t *testing.T) {
	const token = "mm-secret-token-4242424242"
	dir := t.TempDir()
	cfg := filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte("[mattermost]\nteam = \"wmse\"\ncallback_url = \"not a url\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-db", filepath.Join(dir, "helpdesk.db"), "-config", cfg)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPDESK_MATTERMOST_URL=http://127.0.0.1:1", "HELPDESK_MATTERMOST_TOKEN=" + token}
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitError {
		t.Fatalf("exit %v, want %d:\n%s", err, exitError, out)
	}
	for _, key := range []string{"mattermost.committee_channel", "mattermost.listen", "mattermost.callback_url", "mattermost.groups.implementation"} {
		if !strings.Contains(string(out), key) {
			t.Errorf("the error does not name %s:\n%s", key, out)
		}
	}
	if strings.Contains(string(out), token) {
		t.Error("the token appears in the error")
	}
}

// mmProgram is the built program running against a fake Mattermost.
type mmProgram struct {
	t      testing.TB
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan error
}

// startMM starts the program with the configuration at cfg and the
// database at db, and waits for its WebSocket.
func startMM(t testing.TB, fake *mmtest.Server, token, cfg, db string) *mmProgram {
	t.Helper()
	p := &mmProgram{t: t, stderr: &lockedBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(binary, "-v", "-db", db, "-config", cfg)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPDESK_MATTERMOST_URL=" + fake.URL, "HELPDESK_MATTERMOST_TOKEN=" + token}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	p.wait("the websocket", func() bool { return fake.Connected() == 1 })
	return p
}

func (p *mmProgram) wait(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		select {
		case err := <-p.exited:
			p.t.Fatalf("the program exited (%v) while waiting for %s:\n%s", err, what, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s; stderr:\n%s", what, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the program with SIGTERM, as a deployment does.
func (p *mmProgram) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Errorf("exit: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(15 * time.Second):
		p.t.Fatalf("no exit after SIGTERM:\n%s", p.stderr.String())
	}
}

// TestMattermostBinaryPostsADeletedCardAgain plays a whole case in which
// the card is deleted by hand twice: once while the program runs (it hears
// post_deleted), once while it is stopped (it finds the card gone when it
// reads the post again at start). Each time the card comes back with its
// thread and the votes held, and the case goes on to its resolution.
func TestMattermostBinaryPostsADeletedCardAgain(t *testing.T) {
	const token = "mm-secret-token-4242424242"
	fake := mmtest.New(token, "wmse")
	defer fake.Close()
	users := map[string]string{}
	for _, n := range []string{"ana", "bea", "carl", "dan", "sam"} {
		users[n] = fake.AddUser(n, "en")
	}
	town := fake.AddChannel("town-square", false, users["ana"], users["sam"])
	comm := fake.AddChannel("expert-committee", true, users["bea"], users["carl"], users["dan"])
	fake.AddPrivateChannel("helpdesk-staff", true, users["sam"])
	groups := groupChannels(fake)
	addr := freeAddr(t)
	dir := t.TempDir()
	cfg, db := filepath.Join(dir, "helpdesk.toml"), filepath.Join(dir, "helpdesk.db")
	conf := fmt.Sprintf(`[mattermost]
team = "wmse"
committee_channel = "expert-committee"
committee = ["bea", "carl", "dan"]
chairs = ["bea"]
staff = ["~helpdesk-staff"]
listen = %q
callback_url = "http://%s"
[mattermost.groups]
%s`, addr, addr, groups)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startMM(t, fake, token, cfg, db)
	res, err := fake.RunCommand(users["ana"], town, "request guidance", "")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := fake.DialogFor(res.Trigger)
	if _, err := fake.Submit(d, users["ana"], town, map[string]any{"type": "guidance", "title": "Where to begin", "description": "A museum asks how to start."}, ""); err != nil {
		t.Fatal(err)
	}
	cards := func() []*model.Post {
		var out []*model.Post
		for _, q := range fake.Posts(comm) {
			if q.RootId == "" && q.DeleteAt == 0 {
				out = append(out, q)
			}
		}
		return out
	}
	card := func(shows string) *model.Post {
		t.Helper()
		var got *model.Post
		p.wait("a card showing "+shows, func() bool {
			cs := cards()
			if len(cs) != 1 || !strings.Contains(cs[0].Message, shows) || len(fake.Reactions(cs[0].Id)) < 3 {
				return false
			}
			got = cs[0]
			return true
		})
		return got
	}
	reply := func(root, text string) *model.Post {
		t.Helper()
		var got *model.Post
		p.wait(text, func() bool {
			for _, q := range fake.Replies(root) {
				if strings.Contains(q.Message, text) && q.DeleteAt == 0 {
					got = q
				}
			}
			return got != nil
		})
		return got
	}
	first := card("0 of 3")
	fake.React(users["bea"], first.Id, "white_check_mark")
	card("1 of 3")
	fake.DeletePost(first.Id) // while the program runs
	second := card("1 of 3")
	if second.Id == first.Id {
		t.Fatal("the card was not posted again")
	}
	reply(second.Id, "its thread went with it")
	p.stop()
	fake.DeletePost(second.Id) // while it is stopped
	p = startMM(t, fake, token, cfg, db)
	third := card("1 of 3")
	if third.Id == second.Id {
		t.Fatal("the card deleted while the program was stopped was not posted again")
	}
	reply(third.Id, "its thread went with it")
	fake.React(users["carl"], third.Id, "white_check_mark") // bea's vote was carried twice: a majority
	routing := reply(third.Id, "which working groups")
	p.wait("the routing reactions", func() bool { return len(fake.Reactions(routing.Id)) > 0 })
	fake.React(users["bea"], routing.Id, "fast_forward")
	vote := reply(third.Id, "final go, round 2")
	p.wait("the vote reactions", func() bool { return len(fake.Reactions(vote.Id)) == 3 })
	for _, u := range []string{"bea", "carl"} {
		fake.React(users[u], vote.Id, "white_check_mark")
	}
	reply(third.Id, "Final go")
	staffDM := mmtest.DirectChannel(fake.BotID, users["sam"])
	p.wait("staff told", func() bool {
		for _, q := range fake.Posts(staffDM) {
			if strings.Contains(q.Message, "awaits support") {
				return true
			}
		}
		return false
	})
	if res, err := fake.RunCommand(users["sam"], town, "resolve #1 Sent the guide.", ""); err != nil || !strings.Contains(res.Response.Text, "#1") {
		t.Fatalf("resolve: %v %q", err, res.Response.Text)
	}
	reply(third.Id, "Resolved by")
	p.stop()
	if strings.Contains(p.stderr.String(), "given up") {
		t.Errorf("work was given up:\n%s", p.stderr.String())
	}
}

// The operators' server: /healthz answers, /readyz is 200 once the database
// answers and Mattermost is connected, and 503 naming Mattermost while its
// WebSocket is down.
func TestOpsServerSaysWhatIsReady(t *testing.T) {
	const token = "mm-secret-token-4242424242"
	fake := mmtest.New(token, "wmse")
	defer fake.Close()
	bea := fake.AddUser("bea", "en")
	fake.AddChannel("expert-committee", true, bea)
	groups := groupChannels(fake)
	addr, ops := freeAddr(t), freeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "helpdesk.toml")
	conf := fmt.Sprintf("[http]\nlisten = %q\n[mattermost]\nteam = \"wmse\"\ncommittee_channel = \"expert-committee\"\ncommittee = [\"bea\"]\nlisten = %q\ncallback_url = \"http://%s\"\n[mattermost.groups]\n%s", ops, addr, addr, groups)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startMM(t, fake, token, cfg, filepath.Join(dir, "helpdesk.db"))
	readyz := func() (int, string) {
		resp, err := http.Get("http://" + ops + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	p.wait("ready", func() bool { code, _ := readyz(); return code == 200 })
	if code, body := readyz(); !strings.Contains(body, `"store":"ok"`) || !strings.Contains(body, `"mattermost":"ok"`) {
		t.Fatalf("/readyz %d %s", code, body)
	}
	if resp, err := http.Get("http://" + ops + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	}
	fake.DropWebSockets(true)
	p.wait("not ready while the WebSocket is down", func() bool {
		code, body := readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "WebSocket is not connected")
	})
	fake.AllowWebSockets()
	p.wait("ready again", func() bool { code, _ := readyz(); return code == 200 })
	_, body := readyz()
	if strings.Contains(body, token) {
		t.Fatal("/readyz shows the token")
	}

	// /metrics, as Prometheus reads it: the database's figures, and the
	// reconcile of each of the two connections.
	p.wait("the second reconcile counted", func() bool {
		return metricstest.Get(t, "http://"+ops+"/metrics").Value(t, "helpdesk_reconcile_seconds", "platform", "mattermost") == 2
	})
	fams := metricstest.Get(t, "http://"+ops+"/metrics")
	if n := fams.Value(t, "helpdesk_cases", "stage", "initial_review"); n != 0 {
		t.Errorf("cases in initial review: %v", n)
	}
	if n := fams.Value(t, "helpdesk_store_transaction_seconds", "kind", "read"); n == 0 {
		t.Error("no read transaction counted")
	}
	if n := fams.Value(t, "helpdesk_outbox_due_items", "platform", "mattermost"); n != 0 {
		t.Errorf("work due: %v", n)
	}
	fams.Value(t, "helpdesk_build_info")
	resp, err := http.Get("http://" + ops + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(raw), token) || strings.Contains(string(raw), bea) {
		t.Fatal("/metrics shows the token or a user id")
	}
	p.stop()
}

// helpdesk check asks Mattermost, changing nothing, and names each key to
// fix; exit 0 when all is well.
func TestCheckAsksMattermost(t *testing.T) {
	const token = "mm-secret-token-4242424242"
	fake := mmtest.New(token, "wmse")
	defer fake.Close()
	bea := fake.AddUser("bea", "en")
	fake.AddChannel("expert-committee", true, bea)
	groups := groupChannels(fake)
	addr := freeAddr(t)
	write := func(extra string) string {
		cfg := filepath.Join(t.TempDir(), "helpdesk.toml")
		conf := fmt.Sprintf("[mattermost]\nteam = \"wmse\"\ncommittee_channel = \"expert-committee\"\ncommittee = [\"bea\"%s]\nlisten = %q\ncallback_url = \"http://%s\"\n[mattermost.groups]\n%s", extra, addr, addr, groups)
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	run := func(cfg string) (int, string) {
		cmd := exec.Command(binary, "check", "-config", cfg)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPDESK_MATTERMOST_URL=" + fake.URL, "HELPDESK_MATTERMOST_TOKEN=" + token}
		out, err := cmd.CombinedOutput()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), token) {
			t.Fatal("the token is in the output")
		}
		return code, string(out)
	}
	if code, out := run(write("")); code != 0 || !strings.Contains(out, "mattermost: ok") {
		t.Fatalf("a good configuration: %d\n%s", code, out)
	}
	fake.AddChannel("open-committee", true)
	code, out := run(write(", \"nobody-here\", \"~open-committee\""))
	if code != exitError || !strings.Contains(out, "committee: \"nobody-here\" is nobody") || !strings.Contains(out, "public channel") {
		t.Fatalf("a bad configuration: %d\n%s", code, out)
	}
	for _, c := range fake.Calls() {
		if c.Method != "GET" {
			t.Errorf("check changed something: %s %s", c.Method, c.Path)
		}
	}
}
