package dashboard_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// The CSV has, after the columns it had, each case's outcome (its code,
// as the type and stage), requester, groups, owner, rating and the time
// it was closed; what people named themselves cannot become a formula.
func TestTheCSVHasTheOutcomeThePeopleAndTheClosing(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	done := d.file("mallory", "Maps")
	open := d.file("rita", "Letters")
	// A requester and a staff member whose names a spreadsheet would run.
	for _, m := range []bot.Member{
		{ID: "test:mallory", Name: "=HYPERLINK(\"http://evil.example\")"},
		{ID: "test:olga", Name: "@SUM(1+1)", Roles: bot.Roles{Staff: true}},
	} {
		if err := d.svc.MemberSeen(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	closedAt := d.clock.Now().Add(72 * time.Hour)
	err := d.store.Update(ctx, func(tx bot.Tx) error {
		for _, g := range []string{"communication", "implementation"} {
			if _, err := tx.Assign(bot.Assignment{CaseID: done, Group: g, RoutedAt: d.clock.Now()}); err != nil {
				return err
			}
		}
		c, err := tx.Case(done)
		if err != nil {
			return err
		}
		from := c.Stage
		c.Stage, c.Outcome, c.Owner, c.Rating = bot.Closed, bot.Resolved, "test:olga", 4
		c.UpdatedAt, c.ClosedAt, c.ClosedFrom = closedAt, closedAt, bot.Support
		return tx.UpdateCase(c, from)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ar"} {
		if r := d.svc.Command(ctx, bot.Invocation{User: "test:sam", Name: "sam"}, "language "+lang); r.Reply == nil {
			t.Fatal("no reply")
		}
		sam := d.browser()
		sam.signIn(d.link("sam"))
		code, body := sam.get("/cases.csv?state=all&sort=number")
		if code != http.StatusOK {
			t.Fatalf("%s: CSV: %d %s", lang, code, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("%s: CSV: %q %v", lang, recs, err)
		}
		var head []string
		for _, id := range []string{"web.col.number", "web.col.title", "web.col.type", "web.col.stage", "web.col.lang", "web.col.opened", "web.col.waiting", "web.col.deadline",
			"web.csv.outcome", "web.csv.requester", "web.csv.groups", "web.csv.owner", "web.csv.rating", "web.csv.closed"} {
			head = append(head, d.say(lang, id))
		}
		if !slices.Equal(recs[0], head) {
			t.Errorf("%s: the headings\n got %q\nwant %q", lang, recs[0], head)
		}
		row := func(id int64) []string {
			for _, r := range recs[1:] {
				if r[0] == strconv.FormatInt(id, 10) {
					return r[8:]
				}
			}
			t.Fatalf("%s: no row of case %d in %q", lang, id, recs)
			return nil
		}
		want := []string{"resolved", "'=HYPERLINK(\"http://evil.example\")", "communication; implementation", "'@SUM(1+1)", "4", closedAt.UTC().Format(time.RFC3339)}
		if got := row(done); !slices.Equal(got, want) {
			t.Errorf("%s: the closed case\n got %q\nwant %q", lang, got, want)
		}
		if got, want := row(open), []string{"", "rita", "", "", "", ""}; !slices.Equal(got, want) {
			t.Errorf("%s: the open case\n got %q\nwant %q", lang, got, want)
		}
	}
	// A filter of the table is the CSV's too.
	sam := d.browser()
	sam.signIn(d.link("sam"))
	_, body := sam.get("/cases.csv?stage=closed")
	if recs, _ := csv.NewReader(strings.NewReader(body)).ReadAll(); len(recs) != 2 || recs[1][0] != strconv.FormatInt(done, 10) {
		t.Errorf("the CSV of the closed cases: %q", recs)
	}
	// Not for a requester, nor the committee.
	for _, who := range []string{"rita", "ana"} {
		b := d.browser()
		b.signIn(d.link(who))
		if code, body := b.get("/cases.csv"); code != http.StatusForbidden || strings.Contains(body, "Letters") {
			t.Errorf("%s's CSV: %d", who, code)
		}
	}
}
