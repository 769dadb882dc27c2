package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// svText is a Swedish message as the shell prints it.
func svText(tb testing.TB, t bot.Text) string {
	tb.Helper()
	cat, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return locales.StripIsolates(cat.Text("sv", t, locales.Style{Escape: shell.Escape}))
}

// shownLetter is a mail of the helpdesk as the transcript shows it.
type shownLetter struct {
	id     string // the shell's id of it ("m8")
	header map[string]string
	text   string // the lines of its text joined, spaces collapsed
	at     int    // where it begins in the transcript
}

// shownLetters finds the mails of a transcript whose heading (after the
// id) is head, in order.
func shownLetters(out, head string) []shownLetter {
	re := regexp.MustCompile(`(?m)^\[(m\d+)\] ` + regexp.QuoteMeta(head) + "\n((?:(?:    .*)?\n)*)")
	var found []shownLetter
	for _, m := range re.FindAllStringSubmatchIndex(out, -1) {
		l := shownLetter{id: out[m[2]:m[3]], header: map[string]string{}, at: m[0]}
		hdr, body, _ := strings.Cut(out[m[4]:m[5]], "\n\n")
		for _, line := range strings.Split(hdr, "\n") {
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "    "), ": ")
			l.header[k] = v
		}
		l.text = strings.Join(strings.Fields(body), " ")
		found = append(found, l)
	}
	return found
}

// The mail script (docs/mail.txt) plays: a Swedish request by mail opens
// a case whose card is on the committee channel, and the helpdesk's mail
// back is Swedish with the case number in its subject; the committee's
// question goes to her as a mail in reply to it; her reply names the
// question's Message-ID, as the transcript shows it, and her answer is in
// the case's thread and history.
func TestTheMailScriptPlays(t *testing.T) {
	const path = "docs/mail.txt"
	script, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "mail.db")
	out := MustPlayOn(t, path, string(script), "en_GB.UTF-8", db)
	defer func() {
		if t.Failed() {
			t.Logf("transcript:\n%s", out)
		}
	}()
	const title, lena = "Glasplåtar från Örebro", "lena@museum.test"
	c1 := bot.C("#1")

	card := "] committee channel\n    " + enText(t, bot.T("card.title", "id", c1, "title", bot.S(title)))
	if !strings.Contains(out, card) {
		t.Errorf("no card of the case on the committee channel: %q", card)
	}
	letters := shownLetters(out, svText(t, bot.T("shell.letter", "who", bot.S(lena))))
	if len(letters) != 2 {
		t.Fatalf("%d mails to lena, want 2 (the case opened, the question)", len(letters))
	}
	opening, question := letters[0], letters[1]
	for _, l := range letters {
		if l.header["Subject"] != "[#1] "+title || l.header["To"] != lena || l.header["Message-ID"] != "<"+l.id+"@helpdesk.test>" {
			t.Errorf("mail %s: header %q", l.id, l.header)
		}
	}
	if want := svText(t, bot.T("dm.opened", "id", c1, "title", bot.S(title), "type", bot.X(bot.T("type.other")))); !strings.Contains(opening.text, want) {
		t.Errorf("the first mail is not the Swedish %q: %q", want, opening.text)
	}
	if question.header["In-Reply-To"] != opening.header["Message-ID"] || !strings.Contains(question.text, "> Vilken licens vill ni ge bilderna?") {
		t.Errorf("the question's mail: %q, %q", question.header, question.text)
	}

	// Her reply names the question's mail, as the transcript showed it.
	reply := regexp.MustCompile(`(?m)^In-Reply-To: (.*)$`).FindStringSubmatch(string(script))
	if reply == nil || reply[1] != question.header["Message-ID"] {
		t.Fatalf("the script's reply names %q; the question's mail is %s", reply, question.header["Message-ID"])
	}
	answered := enText(t, bot.T("thread.answered", "who", bot.P(bot.Person{Name: "Lena Berg"}))) + "\n    Vi vill ge dem licensen CC0.\n"
	if i := strings.Index(out, answered); i < question.at {
		t.Errorf("her answer is not in the thread after the question: %q", answered)
	}
	history := "Lena Berg: " + enText(t, bot.T("event.info.answered"))
	if !strings.Contains(out, history) {
		t.Errorf("the history lacks %q", history)
	}

	// The export has her words as the answer.
	r := MustRunBinary(t, "", "en_GB.UTF-8", "export", "-db", db)
	var cases []struct {
		Requester string `json:"requester"`
		Language  string `json:"language"`
		Events    []struct {
			Actor, Type, Text string
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &cases); err != nil || len(cases) != 1 {
		t.Fatalf("export: %v, %d cases\n%s", err, len(cases), r.stderr)
	}
	if c := cases[0]; c.Requester != "mail:"+lena || c.Language != "sv" {
		t.Errorf("the case's requester %q, language %q", c.Requester, c.Language)
	}
	found := false
	for _, e := range cases[0].Events {
		found = found || e.Type == "info.answered" && e.Actor == "mail:"+lena && e.Text == "Vi vill ge dem licensen CC0."
	}
	if !found {
		t.Errorf("her answer, without the quote and signature, is not in the history: %+v", cases[0].Events)
	}
}

// The README shows how to play the mail script, and a mail of it as the
// transcript shows it.
func TestTheREADMEShowsTheMailScript(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), `go run ./cmd/helpdesk -db "$(mktemp -d)/mail.db" < docs/mail.txt`) {
		t.Errorf("README.md does not say how to play docs/mail.txt")
	}
	shown := regexp.MustCompile("(?s)```text\n(\\[m\\d+\\] ✉ .*?)```\n").FindStringSubmatch(string(readme))
	if shown == nil {
		t.Fatal("README.md shows no mail of docs/mail.txt")
	}
	out := MustPlayScript(t, "docs/mail.txt", "en_GB.UTF-8")
	if !strings.Contains(out, shown[1]) {
		t.Errorf("the mail README.md shows is not in the transcript:\n%s", shown[1])
	}
}
