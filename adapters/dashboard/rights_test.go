package dashboard_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// twoPlatforms is a helpdesk on "test" and "other" sharing one database,
// as Discord and Mattermost do: on each a requester, a member of the
// working group "implementation", a committee member and a staff member.
// Case A is test:rita's, case B other:ruth's; both are routed to
// "implementation" (the same id on both platforms), claimed there, and
// carry a recommendation.
type twoPlatforms struct {
	*desk
	a, b    int64
	signed  map[bot.UserID]*browser
	viewers []bot.UserID
}

const (
	secretA = "Rita's recommendation: scan the maps at 600 dpi"
	secretB = "Ruth's recommendation: ask the archive first"
)

func newTwoPlatforms(t *testing.T) *twoPlatforms {
	t.Helper()
	d := newDesk(t)
	ctx := context.Background()
	d.svc.Attach("other", &chat{})
	for _, m := range []bot.Member{
		{ID: "other:olga", Name: "olga", Roles: bot.Roles{Committee: true}},
		{ID: "other:sara", Name: "sara", Roles: bot.Roles{Staff: true}},
		{ID: "other:igor", Name: "igor", Roles: bot.Roles{Groups: []string{"implementation"}}},
		{ID: "other:ruth", Name: "ruth"},
	} {
		if err := d.svc.MemberSeen(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	p := &twoPlatforms{desk: d, signed: map[bot.UserID]*browser{},
		viewers: []bot.UserID{"test:rita", "test:ivan", "test:ana", "test:sam", "other:ruth", "other:igor", "other:olga", "other:sara"}}
	p.a = p.routed("test:rita", "Maps of the county", "test:ivan", secretA)
	p.b = p.routed("other:ruth", "Letters of the mill", "other:igor", secretB)
	for _, id := range p.viewers {
		b := d.browser()
		if code, _ := b.signIn(p.linkFor(id)); code != http.StatusOK {
			t.Fatalf("%s signs in: %d", id, code)
		}
		p.signed[id] = b
	}
	return p
}

// routed files a request of who, routes it to "implementation", has
// claimer take it up and recommend text; it returns the case's number.
func (p *twoPlatforms) routed(who bot.UserID, title string, claimer bot.UserID, text string) int64 {
	p.t.Helper()
	ctx := context.Background()
	r := p.svc.Submit(ctx, bot.Invocation{User: who, Name: who.Local()},
		bot.Submission{Kind: bot.RequestForm, Type: bot.MediaUpload, Values: map[string]string{"title": title, "description": "Scans."}})
	if r.Reply == nil || r.Reply.Lines[0].ID != "reply.opened" {
		p.t.Fatalf("not opened: %+v", r.Reply)
	}
	id := p.last()
	now := p.clock.Now()
	err := p.store.Update(ctx, func(tx bot.Tx) error {
		c, err := tx.Case(id)
		if err != nil {
			return err
		}
		from := c.Stage
		c.Stage, c.UpdatedAt = bot.WorkingGroup, now
		if err := tx.UpdateCase(c, from); err != nil {
			return err
		}
		if _, err := tx.Assign(bot.Assignment{CaseID: id, Group: "implementation", RoutedAt: now}); err != nil {
			return err
		}
		if _, err := tx.Claim(id, "implementation", claimer, now); err != nil {
			return err
		}
		return tx.Recommend(id, "implementation", claimer, text, now)
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return id
}

// linkFor is the link /helpdesk dashboard gives id, on their platform.
func (p *twoPlatforms) linkFor(id bot.UserID) string {
	p.t.Helper()
	r := p.svc.Command(context.Background(), bot.Invocation{User: id, Name: id.Local()}, "dashboard")
	if r.Reply == nil || r.Reply.Lines[0].ID != "dashboard.link" {
		p.t.Fatalf("dashboard: %+v", r.Reply)
	}
	return r.Reply.Lines[0].Args["url"].Code
}

func (p *twoPlatforms) get(who bot.UserID, path string) (int, string) {
	p.t.Helper()
	return p.signed[who].get(path)
}

// What each role sees on each page, on two platforms sharing one
// database: the table of the README's "Who sees what", page by page.
func TestWhoSeesWhatOnEachPageOnTwoPlatforms(t *testing.T) {
	p := newTwoPlatforms(t)
	caseA, caseB := fmt.Sprintf("/cases/%d", p.a), fmt.Sprintf("/cases/%d", p.b)
	type want struct {
		table          string // the titles the cases table lists: "A", "B", "AB", ""
		pageA, pageB   int    // the case pages' statuses
		recommendation bool   // reads the recommendation's text on the case page they may open
		votes          bool   // reads who voted what
		stats          int
		export         string // the cases of /export.json, "" when refused
		csv            string // the cases of /cases.csv, "" when refused
		sessions       int
	}
	wants := map[bot.UserID]want{
		// A requester: their own case; the groups' recommendation was
		// given, its text is not theirs to read.
		"test:rita": {table: "A", pageA: 200, pageB: 403, stats: 403, sessions: 403},
		// A working-group member: cases of their platform routed to their
		// group, the other platform's not; they took A up, so they read
		// its recommendation (as in its thread).
		"test:ivan": {table: "A", pageA: 200, pageB: 403, recommendation: true, stats: 403, sessions: 403},
		// The committee: every case of their platform and who voted.
		"test:ana": {table: "A", pageA: 200, pageB: 403, recommendation: true, votes: true, stats: 200, sessions: 403},
		// Staff: the same, and the exports and sessions of their platform.
		"test:sam":   {table: "A", pageA: 200, pageB: 403, recommendation: true, votes: true, stats: 200, export: "A", csv: "A", sessions: 200},
		"other:ruth": {table: "B", pageA: 403, pageB: 200, stats: 403, sessions: 403},
		"other:igor": {table: "B", pageA: 403, pageB: 200, recommendation: true, stats: 403, sessions: 403},
		"other:olga": {table: "B", pageA: 403, pageB: 200, recommendation: true, votes: true, stats: 200, sessions: 403},
		"other:sara": {table: "B", pageA: 403, pageB: 200, recommendation: true, votes: true, stats: 200, export: "B", csv: "B", sessions: 200},
	}
	titles := map[string]string{"A": "Maps of the county", "B": "Letters of the mill"}
	numbers := map[string]int64{"A": p.a, "B": p.b}
	for _, who := range p.viewers {
		w := wants[who]
		t.Run(string(who), func(t *testing.T) {
			_, table := p.get(who, "/cases")
			for _, c := range "AB" {
				if listed := strings.Contains(table, titles[string(c)]); listed != strings.ContainsRune(w.table, c) {
					t.Errorf("the cases table lists case %c: %v", c, listed)
				}
			}
			for _, x := range []struct {
				path   string
				status int
				secret string
			}{{caseA, w.pageA, secretA}, {caseB, w.pageB, secretB}} {
				code, page := p.get(who, x.path)
				if code != x.status {
					t.Errorf("%s: %d, want %d", x.path, code, x.status)
				}
				if code != http.StatusOK {
					if strings.Contains(page, "Maps") || strings.Contains(page, "Letters") {
						t.Errorf("%s refused, but tells the title", x.path)
					}
					continue
				}
				recommendation := strings.Contains(page, strings.ReplaceAll(x.secret, "'", "&#39;"))
				if recommendation != w.recommendation {
					t.Errorf("%s: reads the recommendation: %v", x.path, recommendation)
				}
				if !recommendation && !strings.Contains(page, p.say("en", "web.case.recommendation_given")) {
					t.Errorf("%s: not told that a recommendation was given", x.path)
				}
				if !recommendation && (strings.Contains(page, "<bdi>ivan</bdi>:") || strings.Contains(page, "<bdi>igor</bdi>:")) {
					t.Errorf("%s: the recommendation's author is shown", x.path)
				}
				if votes := strings.Contains(page, `<table class="votes">`) || strings.Contains(page, p.say("en", "web.case.no_votes")); votes != w.votes {
					t.Errorf("%s: who voted what: %v", x.path, votes)
				}
			}
			code, page := p.get(who, "/stats")
			if code != w.stats {
				t.Errorf("/stats: %d, want %d", code, w.stats)
			}
			if nav := strings.Contains(table, `href="/stats"`); nav != (w.stats == 200) {
				t.Errorf("the statistics in the menu: %v", nav)
			}
			if code == http.StatusOK && !strings.Contains(page, "chart-months") {
				t.Error("/stats has no chart")
			}
			code, body := p.get(who, "/export.json")
			if w.export == "" {
				if code != http.StatusForbidden {
					t.Errorf("/export.json: %d, want 403", code)
				}
			} else {
				var ex struct{ Cases []int64 }
				if err := json.Unmarshal([]byte(body), &ex); err != nil || code != http.StatusOK {
					t.Fatalf("/export.json: %d %v %s", code, err, body)
				}
				if len(ex.Cases) != 1 || ex.Cases[0] != numbers[w.export] {
					t.Errorf("/export.json holds %v, want case %s only", ex.Cases, w.export)
				}
			}
			code, body = p.get(who, "/cases.csv")
			if w.csv == "" {
				if code != http.StatusForbidden {
					t.Errorf("/cases.csv: %d, want 403", code)
				}
			} else {
				recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil || len(recs) != 2 || recs[1][1] != titles[w.csv] {
					t.Errorf("/cases.csv: %v %v, want case %s only", recs, err, w.csv)
				}
			}
			code, page = p.get(who, "/sessions")
			if code != w.sessions {
				t.Errorf("/sessions: %d, want %d", code, w.sessions)
			}
			if code == http.StatusOK {
				// Staff list their platform's sessions alone.
				for _, other := range p.viewers {
					if listed := strings.Contains(page, "<bdi>"+other.Local()+"</bdi>"); listed != (other.Platform() == who.Platform()) {
						t.Errorf("/sessions lists %s: %v", other, listed)
					}
				}
			}
		})
	}
}

// The chat and the dashboard answer the same: /helpdesk stats, status and
// history refuse whom the pages refuse.
func TestTheChatAndTheDashboardAgree(t *testing.T) {
	p := newTwoPlatforms(t)
	ctx := context.Background()
	for _, who := range p.viewers {
		code, _ := p.get(who, "/stats")
		r := p.svc.Command(ctx, bot.Invocation{User: who, Name: who.Local()}, "stats")
		if chat := r.Result == bot.Answered; chat != (code == http.StatusOK) {
			t.Errorf("%s: /helpdesk stats answered %v, /stats %d", who, chat, code)
		}
		for _, id := range []int64{p.a, p.b} {
			code, _ := p.get(who, fmt.Sprintf("/cases/%d", id))
			r := p.svc.Command(ctx, bot.Invocation{User: who, Name: who.Local()}, fmt.Sprintf("status #%d", id))
			if chat := r.Result == bot.Answered; chat != (code == http.StatusOK) {
				t.Errorf("%s on #%d: /helpdesk status answered %v, the page %d", who, id, chat, code)
			}
		}
	}
}
