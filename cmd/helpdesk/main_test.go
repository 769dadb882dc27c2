package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// binary is the helpdesk program, built once for the tests that run it as
// a user would.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "helpdesk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "helpdesk")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build helpdesk: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is how a run of the program ended.
type result struct {
	code           int
	stdout, stderr string
}

// MustRunBinary runs the program with args and stdin, in a clean
// environment with LANG set to lang.
func MustRunBinary(tb testing.TB, stdin, lang string, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = []string{"LANG=" + lang, "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else if err != nil {
		tb.Fatalf("run %v: %v", args, err)
	}
	return r
}

// script is a case from request to the committee's accept and routing.
const script = `# rita asks for help
/helpdesk request data-upload
Paintings of the National Museum
Metadata of 2,000 paintings for Wikidata.
Nationalmuseum


/as ana
/react #1 ✅
/as bo
/react #1 :white_check_mark:
/as chen
/react #1 ✅
/as ana
/react #1 :hammer_and_wrench:
/as ivan
/react #1 🙋
`

func TestShellAndExport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	r := MustRunBinary(t, script, "en_GB.UTF-8", "-db", db)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	title := "Paintings of the National Museum"
	for _, want := range []string{
		"# rita asks for help\nrita> /helpdesk request data-upload\n",
		"→ private reply to rita\n    " + enText(t, bot.T("reply.opened", "id", bot.C("#1"), "title", bot.S(title))) + "\n",
		"] DM to rita\n    " + enText(t, bot.T("dm.opened", "id", bot.C("#1"), "title", bot.S(title), "type", bot.X(bot.T("type.data-upload")))) + "\n",
		enText(t, bot.T("thread.decided", "round", bot.N(1), "result", bot.X(bot.T("choice.accept")), "reason", bot.X(bot.T("reason.majority")))),
		"ivan joined thread t",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\[m\d+\] committee channel\n    ` + regexp.QuoteMeta(enText(t, bot.T("card.title", "id", bot.C("#1"), "title", bot.S(title)))) + "\n").MatchString(r.stdout) {
		t.Errorf("no card in the committee channel")
	}
	if r.stderr != "" {
		t.Errorf("stderr is not quiet at the default level:\n%s", r.stderr)
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", r.stdout)
	}

	r = MustRunBinary(t, "", "", "export", "-db", db)
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	cases := decodeExport(t, r.stdout)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	c := cases[0]
	if c.ID != 1 || c.Type != "data-upload" || c.Title != "Paintings of the National Museum" || c.Stage != "working_group" || c.Requester != "shell:rita" || c.Language != "en" {
		t.Errorf("case %+v", c)
	}
	// The request as submitted.
	if c.Platform != "shell" || c.Description != "Metadata of 2,000 paintings for Wikidata." || c.Organisation != "Nationalmuseum" || c.Owner != "" || c.ClosedAt != "" || c.ErasedAt != "" {
		t.Errorf("request %q %q %q, owner %q, closed %q", c.Platform, c.Description, c.Organisation, c.Owner, c.ClosedAt)
	}
	if len(c.GroupWork) != 1 || c.GroupWork[0].Group != "implementation" || len(c.GroupWork[0].Claimers) != 1 || c.GroupWork[0].Claimers[0] != "shell:ivan" {
		t.Errorf("group work %+v", c.GroupWork)
	}
	if c.Outcome == nil || *c.Outcome != "" || c.Rating == nil || *c.Rating != 0 {
		t.Errorf("an open case has outcome %v and rating %v, want \"\" and 0", c.Outcome, c.Rating)
	}
	if len(c.Groups) != 1 || c.Groups[0] != "implementation" {
		t.Errorf("groups %v, want [implementation]", c.Groups)
	}
	voters := map[string]string{}
	for _, v := range c.Votes {
		if v.Round != 1 {
			t.Errorf("vote %+v in round %d, want 1", v, v.Round)
		}
		voters[v.Voter] = v.Choice
	}
	for _, who := range []string{"shell:ana", "shell:bo", "shell:chen"} {
		if voters[who] != "accept" {
			t.Errorf("votes %v: %s did not accept", voters, who)
		}
	}
	if _, err := time.Parse(time.RFC3339, c.CreatedAt); err != nil {
		t.Errorf("created_at: %v", err)
	}
	types := map[string]bool{}
	for _, e := range c.Events {
		types[e.Type] = true
		if _, err := time.Parse(time.RFC3339, e.At); err != nil {
			t.Errorf("event %s at: %v", e.Type, err)
		}
		if e.Actor != "" && !strings.HasPrefix(e.Actor, "shell:") {
			t.Errorf("event %s actor %q lacks the platform prefix", e.Type, e.Actor)
		}
		if e.Detail == nil {
			t.Errorf("event %s detail is null, want an object", e.Type)
		}
	}
	for _, want := range []string{"case.opened", "vote.cast", "round.decided", "case.routed", "group.claimed"} {
		if !types[want] {
			t.Errorf("events lack %s", want)
		}
	}

	// The database outlives the program: a second run goes on with it.
	r = MustRunBinary(t, "/as ivan\n/helpdesk recommend #1 Use OpenRefine.\n/helpdesk note #1 They use Excel.\n", "", "-db", db)
	if r.code != 0 || !strings.Contains(r.stdout, enText(t, bot.T("vote.title.final", "id", bot.C("#1"), "round", bot.N(2)))) {
		t.Errorf("second run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The export carries what was said, marked internal or not.
	r = MustRunBinary(t, "", "", "export", "-db", db)
	c = decodeExport(t, r.stdout)[0]
	if c.GroupWork[0].Recommendation != "Use OpenRefine." || c.GroupWork[0].RecommendedBy != "shell:ivan" {
		t.Errorf("group work %+v", c.GroupWork)
	}
	said := map[string]string{}
	for _, e := range c.Events {
		if e.Text != "" {
			said[e.Type] = fmt.Sprintf("%s internal=%v", e.Text, e.Internal)
		}
	}
	if said["group.recommended"] != "Use OpenRefine. internal=true" || said["case.note"] != "They use Excel. internal=true" {
		t.Errorf("what was said: %v", said)
	}
}

// exportedCase is one case of helpdesk export, as a reader of the JSON
// sees it.
type exportedCase struct {
	ID           int64    `json:"id"`
	Platform     string   `json:"platform"`
	Type         string   `json:"type"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	Organisation string   `json:"organisation"`
	Links        string   `json:"links"`
	Timeline     string   `json:"timeline"`
	Stage        string   `json:"stage"`
	Outcome      *string  `json:"outcome"`
	Requester    string   `json:"requester"`
	Owner        string   `json:"owner"`
	Groups       []string `json:"groups"`
	GroupWork    []struct {
		Group          string   `json:"group"`
		RoutedBy       string   `json:"routed_by"`
		RoutedAt       string   `json:"routed_at"`
		Claimers       []string `json:"claimers"`
		Recommendation string   `json:"recommendation"`
		RecommendedBy  string   `json:"recommended_by"`
	} `json:"group_work"`
	Votes []struct {
		Round  int    `json:"round"`
		Voter  string `json:"voter"`
		Choice string `json:"choice"`
	} `json:"votes"`
	Events []struct {
		At       string            `json:"at"`
		Actor    string            `json:"actor"`
		Type     string            `json:"type"`
		Detail   map[string]string `json:"detail"`
		Text     string            `json:"text"`
		Internal bool              `json:"internal"`
	} `json:"events"`
	CreatedAt string `json:"created_at"`
	ClosedAt  string `json:"closed_at"`
	ErasedAt  string `json:"erased_at"`
	Rating    *int   `json:"rating"`
	Language  string `json:"language"`
}

// decodeExport reads helpdesk export's JSON, refusing fields the reader
// does not know.
func decodeExport(t *testing.T, out string) []exportedCase {
	t.Helper()
	var cases []exportedCase
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		t.Fatalf("decode export: %v\n%s", err, out)
	}
	return cases
}

func TestExportEmpty(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	if r := MustRunBinary(t, "", "", "-db", db); r.code != 0 {
		t.Fatalf("shell on empty input: exit %d\n%s", r.code, r.stderr)
	}
	r := MustRunBinary(t, "", "", "export", "-db", db)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("export of an empty database: exit %d, %q", r.code, r.stdout)
	}
}

func TestExportMissingDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "nothing.db")
	r := MustRunBinary(t, "", "", "export", "-db", db)
	if r.code == 0 || !strings.Contains(r.stderr, "no database at") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("export created %s", db)
	}
	if r := MustRunBinary(t, "", "", "export"); r.code != exitUsage {
		t.Errorf("export without -db: exit %d, want %d", r.code, exitUsage)
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unknown key", "[helpdesk]\ncommitee_language = \"en\"\n", []string{`unknown key "helpdesk.commitee_language"`}},
		{"unknown section", "[discord]\ntoken = \"x\"\n", []string{`unknown key "discord.token"`}},
		{"unknown language", "[helpdesk]\ndefault_language = \"tlh\"\n", []string{"helpdesk.default_language", `"tlh"`}},
		{"bad duration", "[rules]\ndeadline = \"a week\"\n", []string{"rules.deadline", `"a week"`}},
		{"not TOML", "[helpdesk\n", []string{"config"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "helpdesk.toml")
			if err := os.WriteFile(cfg, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "helpdesk.db")
			r := MustRunBinary(t, "/helpdesk help\n", "", "-db", db, "-config", cfg)
			if r.code == 0 {
				t.Fatalf("exit 0 with a bad config; stdout:\n%s", r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			if r.stdout != "" {
				t.Errorf("the shell started anyway:\n%s", r.stdout)
			}
		})
	}
}

func TestSignalEndsTheShell(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	cmd := exec.Command(binary, "-db", db)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stdout lockedBuffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("/helpdesk mine\n")); err != nil {
		t.Fatal(err)
	}
	// Wait for the answer, so that the signal finds the shell waiting
	// for input rather than starting up.
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "→ private reply to rita\n") {
		if time.Now().After(deadline) {
			t.Fatal("no answer from the shell")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the shell did not stop on SIGTERM")
	}
}

// enText renders a message in English as the shell shows it, so that the
// tests follow the wording of locales/en.toml.
func enText(tb testing.TB, t bot.Text) string {
	tb.Helper()
	cat, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	// As the shell prints an English line: without the isolates (see
	// shell's text).
	return locales.StripIsolates(cat.Text("en", t, locales.Style{Escape: shell.Escape}))
}

// lockedBuffer is a buffer a test may read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// helpdesk backup writes a checked copy that the program then runs on,
// with the cases of the original and an installation id of its own.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db, to := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "backup.db")
	if r := MustRunBinary(t, script, "en_US.UTF-8", "-db", db); r.code != 0 {
		t.Fatalf("the shell: %d\n%s", r.code, r.stderr)
	}
	r := MustRunBinary(t, "", "en_US.UTF-8", "backup", "-db", db, "-to", to)
	if r.code != 0 || !strings.Contains(r.stdout, "backup written: "+to) || !strings.Contains(r.stdout, "1 cases") {
		t.Fatalf("backup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	exp := MustRunBinary(t, "", "en_US.UTF-8", "export", "-db", to)
	if exp.code != 0 || !strings.Contains(exp.stdout, "Paintings of the National Museum") {
		t.Fatalf("the backup does not hold the case: %d %s", exp.code, exp.stderr)
	}
	if r := MustRunBinary(t, "", "en_US.UTF-8", "backup", "-db", db, "-to", to); r.code != exitError || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("a backup over an existing file: %d %q", r.code, r.stderr)
	}
	if r := MustRunBinary(t, "", "en_US.UTF-8", "backup", "-db", db); r.code != exitUsage {
		t.Fatalf("backup without -to: %d", r.code)
	}
}
