package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
