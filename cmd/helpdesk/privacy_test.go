package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/sqlite/sqlitetest"
	"github.com/wmse/helpdesk/bot"
)

// helpdesk privacy access gives an operator everything the helpdesk holds
// about a person: the cases they filed with what was said to them and by
// them, what they did elsewhere; without the helpdesk's internal notes
// about them and without naming anyone else.
func TestPrivacyAccessGivesAPersonTheirData(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	play := "/as rita\n/helpdesk request data-upload\nPaintings\nMetadata of 2,000 paintings.\nNationalmuseum\n\n\n" +
		"/as bo\n/helpdesk ask #1 Which licence?\n/helpdesk note #1 Rita's museum owes us a reply on another matter.\n" +
		"/as rita\n/helpdesk answer #1 CC0.\n" +
		"/as bo\n/react #1 ✅\n"
	if r := MustRunBinary(t, play, "en_GB.UTF-8", "-db", db); r.code != 0 {
		t.Fatalf("play: %d %s", r.code, r.stderr)
	}
	r := MustRunBinary(t, "", "", "privacy", "access", "-db", db, "-person", "rita")
	if r.code != 0 {
		t.Fatalf("access: %d %s", r.code, r.stderr)
	}
	var rita struct {
		ID    string `json:"id"`
		Cases []struct {
			Title  string `json:"title"`
			Events []struct {
				Actor    string `json:"actor"`
				Type     string `json:"type"`
				Text     string `json:"text"`
				Internal bool   `json:"internal"`
			} `json:"events"`
		} `json:"cases"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rita); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rita.ID != "shell:rita" || len(rita.Cases) != 1 || rita.Cases[0].Title != "Paintings" {
		t.Fatalf("rita's data: %+v", rita)
	}
	said := map[string]string{}
	for _, e := range rita.Cases[0].Events {
		if e.Internal {
			t.Errorf("an internal event in her data: %+v", e)
		}
		if e.Text != "" {
			said[e.Type] = e.Actor + ": " + e.Text
		}
	}
	if said["info.asked"] != "someone-of-the-helpdesk: Which licence?" || said["info.answered"] != "shell:rita: CC0." {
		t.Errorf("what was said: %v", said)
	}
	for _, not := range []string{"owes us", "shell:bo", `"bo"`} {
		if strings.Contains(r.stdout, not) {
			t.Errorf("her data holds %q:\n%s", not, r.stdout)
		}
	}

	// bo's data: what he did in her case, his own note included.
	r = MustRunBinary(t, "", "", "privacy", "access", "-db", db, "-person", "shell:bo")
	if r.code != 0 || !strings.Contains(r.stdout, "owes us a reply") || !strings.Contains(r.stdout, `"type": "vote.cast"`) {
		t.Errorf("bo's data: %d\n%s", r.code, r.stdout)
	}
	if r := MustRunBinary(t, "", "", "privacy", "access", "-db", db); r.code != exitUsage {
		t.Errorf("no person: exit %d", r.code)
	}
}

// helpdesk privacy erase: after it, no table of the database holds the
// person's name, id or words, nor does the export; the case's skeleton,
// its votes as counts and the statistics stay; names of the person in
// others' texts are gone too.
func TestPrivacyEraseLeavesNothingOfThePerson(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	play := "/as rita\n/helpdesk request data-upload\nPaintings of Rosalind\nMetadata of 2,000 paintings from Skokloster.\nSkoklosters slott\nhttps://skokloster.example/rita\nMarch\n" +
		"/as bo\n/helpdesk ask #1 Which licence, Rita?\n/helpdesk note #1 Rita's museum owes us a reply on another matter.\n" +
		"/as rita\n/helpdesk answer #1 CC0 for all of it.\n" +
		"/as bo\n/react #1 ✅\n/as chen\n/react #1 ✅\n/as dina\n/react #1 ✅\n" +
		"/as sam\n/helpdesk close #1 Rita found another way.\n" +
		"/as omar\n/helpdesk request guidance\nMaps\nWe have 40 maps; Rita sent us.\n\n\n\n" +
		"/as sam\n/helpdesk note #2 Ask RITA how it went.\n"
	if r := MustRunBinary(t, play, "en_GB.UTF-8", "-db", db); r.code != 0 {
		t.Fatalf("play: %d %s", r.code, r.stderr)
	}
	before := MustRunBinary(t, "", "", "export", "-db", db)
	if before.code != 0 || !strings.Contains(before.stdout, "Paintings of Rosalind") {
		t.Fatalf("export before: %d %s", before.code, before.stderr)
	}
	stats := "/as sam\n/helpdesk stats\n"
	statsBefore := MustRunBinary(t, stats, "en_GB.UTF-8", "-db", db)

	// Without -yes, it says what it would erase and changes nothing.
	r := MustRunBinary(t, "", "", "privacy", "erase", "-db", db, "-person", "rita")
	if r.code != exitUsage || !strings.Contains(r.stdout, "1 cases filed") || !strings.Contains(r.stdout, "-yes") {
		t.Fatalf("dry run: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(sqlitetest.Dump(t, db), "shell:rita") {
		t.Fatal("the dry run erased")
	}
	r = MustRunBinary(t, "", "", "privacy", "erase", "-db", db, "-person", "rita", "-yes")
	if r.code != 0 || !strings.Contains(r.stdout, "is now erased:") {
		t.Fatalf("erase: %d %q %s", r.code, r.stdout, r.stderr)
	}
	// Nobody left to erase.
	if r := MustRunBinary(t, "", "", "privacy", "erase", "-db", db, "-person", "rita", "-yes"); r.code != exitError || !strings.Contains(r.stderr, "holds nothing of shell:rita") {
		t.Errorf("erase again: %d %s", r.code, r.stderr)
	}
	all := sqlitetest.Dump(t, db)
	for _, gone := range []string{"rita", "Rosalind", "2,000 paintings", "Skokloster", "CC0 for all", "owes us a reply", "Which licence", "found another way"} {
		if strings.Contains(strings.ToLower(all), strings.ToLower(gone)) {
			for _, line := range strings.Split(all, "\n") {
				if strings.Contains(strings.ToLower(line), strings.ToLower(gone)) {
					t.Errorf("%q is still in the database: %s", gone, line)
				}
			}
		}
	}
	// Nor in the file's bytes: what was deleted was overwritten.
	for _, f := range []string{db, db + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, gone := range []string{"Rosalind", "2,000 paintings", "CC0 for all", "owes us a reply"} {
			if bytes.Contains(raw, []byte(gone)) {
				t.Errorf("%q is still in the bytes of %s", gone, filepath.Base(f))
			}
		}
	}
	after := MustRunBinary(t, "", "", "export", "-db", db)
	if strings.Contains(strings.ToLower(after.stdout), "rita") || strings.Contains(after.stdout, "Rosalind") {
		t.Errorf("the export still names her:\n%s", after.stdout)
	}
	// The skeleton stays: both cases, the first closed with its votes.
	var exp []struct {
		ID      int64  `json:"id"`
		Stage   string `json:"stage"`
		Type    string `json:"type"`
		Outcome string `json:"outcome"`
		Erased  string `json:"erased_at"`
		Votes   []struct {
			Voter string `json:"voter"`
		} `json:"votes"`
	}
	if err := json.Unmarshal([]byte(after.stdout), &exp); err != nil {
		t.Fatalf("%v\n%s", err, after.stdout)
	}
	if len(exp) != 2 || exp[0].Stage != "closed" || exp[0].Type != "data-upload" || len(exp[0].Votes) != 3 || exp[0].Erased == "" || exp[1].Erased != "" {
		t.Errorf("the skeleton: %+v", exp)
	}
	// Omar's case keeps his words, without her name.
	if !strings.Contains(after.stdout, "We have 40 maps; [\u2026] sent us") {
		t.Errorf("omar's case: %s", after.stdout)
	}
	// The shell shows the card again without her.
	statsAfter := MustRunBinary(t, stats, "en_GB.UTF-8", "-db", db)
	if !strings.Contains(statsAfter.stdout, "Case #1: content erased") || !strings.Contains(statsAfter.stdout, "Requested by: a person whose data was erased (") {
		t.Errorf("the card shown again:\n%s", statsAfter.stdout)
	}
	if a, b := statsReply(statsBefore.stdout), statsReply(statsAfter.stdout); a == "" || a != b {
		t.Errorf("the statistics changed:\n%s\n---\n%s", a, b)
	}
}

// statsReply is the reply to /helpdesk stats in a shell's transcript.
func statsReply(out string) string {
	_, after, ok := strings.Cut(out, "> /helpdesk stats\n")
	if !ok {
		return ""
	}
	return after
}

// [privacy] keep_closed: the timer worker erases exactly the cases closed
// for longer than that, as an erasure would, and leaves the requester's
// other cases, and the requester, alone.
func TestRetentionErasesTheCasesPastTheirTime(t *testing.T) {
	dir := t.TempDir()
	db, conf := filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(conf, []byte("[privacy]\nkeep_closed = \"730d\"\nkeep_files = \"90d\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	play := "/as rita\n/helpdesk request guidance\nOld maps\nThe Rosalind collection of maps.\n\n\n\n" +
		"/as sam\n/helpdesk close #1 Answered by phone.\n" +
		"/wait 400d\n" +
		"/as rita\n/helpdesk request guidance\nNew maps\nThe Lindqvist collection.\n\n\n\n" +
		"/as sam\n/helpdesk close #2 Answered by mail.\n"
	r := MustRunBinary(t, play, "en_GB.UTF-8", "-db", db, "-config", conf)
	if r.code != 0 {
		t.Fatalf("play: %d %s", r.code, r.stderr)
	}
	// The shell's clock goes on from the database's last moment (case
	// 2's closing, day 400) at each start.
	r = MustRunBinary(t, "/wait 329d\n", "en_GB.UTF-8", "-db", db, "-config", conf)
	if all := sqlitetest.Dump(t, db); r.code != 0 || !strings.Contains(all, "Rosalind") {
		t.Fatalf("case 1 was erased before its time: %d %s", r.code, r.stderr)
	}
	r = MustRunBinary(t, "/wait 331d\n", "en_GB.UTF-8", "-db", db, "-config", conf)
	if r.code != 0 {
		t.Fatalf("wait: %d %s", r.code, r.stderr)
	}
	all := sqlitetest.Dump(t, db)
	for _, gone := range []string{"Rosalind", "Old maps", "Answered by phone"} {
		if strings.Contains(all, gone) {
			t.Errorf("%q is still in the database past its time", gone)
		}
	}
	for _, kept := range []string{"Lindqvist", "Answered by mail", "shell:rita"} {
		if !strings.Contains(all, kept) {
			t.Errorf("%q was erased before its time", kept)
		}
	}
	// Once: a restart and more time erase nothing again.
	if r := MustRunBinary(t, "/wait 2d\n", "en_GB.UTF-8", "-db", db, "-config", conf); r.code != 0 {
		t.Fatalf("wait again: %d %s", r.code, r.stderr)
	}
	exp := MustRunBinary(t, "", "", "export", "-db", db)
	var cases []struct {
		Requester string `json:"requester"`
		Erased    string `json:"erased_at"`
		Stage     string `json:"stage"`
		Events    []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(exp.stdout), &cases); err != nil {
		t.Fatalf("%v\n%s", err, exp.stdout)
	}
	if len(cases) != 2 || cases[0].Erased == "" || !strings.HasPrefix(cases[0].Requester, "erased:") || cases[0].Stage != "closed" ||
		cases[1].Erased != "" || cases[1].Requester != "shell:rita" {
		t.Errorf("after retention: %+v", cases)
	}
	erasures := 0
	for _, c := range cases {
		for _, e := range c.Events {
			if e.Type == string(bot.EvErased) {
				erasures++
			}
		}
	}
	if erasures != 1 {
		t.Errorf("%d erasures logged, want 1: %+v", erasures, cases)
	}
}
