package dashboard_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
	"github.com/wmse/helpdesk/locales/fribidi"
)

// The statistics page, on cases played through the real core and
// SQLite from September to November 2026: what each chart's axis, labels
// and table say, in English and in Arabic.

// act runs a command as who and delivers what it sent; a refusal fails
// the test.
func (d *desk) act(who, line string) {
	d.t.Helper()
	r := d.svc.Command(context.Background(), bot.Invocation{User: bot.UserID("test:" + who), Name: who}, line)
	if r.Refusal != nil {
		d.t.Fatalf("%s: %s: refused: %+v", who, line, r.Refusal)
	}
	d.deliver()
}

// react adds who's emoji where it means something now on case id.
func (d *desk) react(id int64, emoji string, who ...string) {
	d.t.Helper()
	ctx := context.Background()
	for _, w := range who {
		user := bot.UserID("test:" + w)
		ref, err := d.svc.ReactionTarget(ctx, id, user, emoji)
		if err != nil {
			d.t.Fatalf("%s %s on #%d: %v", w, emoji, id, err)
		}
		if err := d.svc.ReactionAdded(ctx, bot.Reaction{Post: ref, User: user, Emoji: emoji}); err != nil {
			d.t.Fatal(err)
		}
		d.deliver()
	}
}

func (d *desk) deliver() {
	d.t.Helper()
	if _, err := d.svc.Deliver(context.Background(), "test"); err != nil {
		d.t.Fatal(err)
	}
}

// at sets the clock (forward only, as time goes).
func (d *desk) at(t time.Time) {
	d.t.Helper()
	if now := d.clock.Now(); t.Before(now) {
		d.t.Fatalf("the clock cannot go back from %v to %v", now, t)
	}
	d.clock.add(t.Sub(d.clock.Now()))
}

// season plays four cases from September to November 2026 and returns
// the statistics page as sam reads it in lang. Their stays:
//
//	#1 initial review 2 days, routing 12 hours, working group 3 days,
//	   final review 1 day, support 1.5 days; resolved, rated 4
//	#2 initial review 5 hours; declined (October)
//	#3 initial review 1 day, routing 2 hours, then with Implementation
//	   and Communication, whose cards nobody took up for 3 days
//	#4 initial review 1 hour; withdrawn (November)
func season(t *testing.T, lang string) (*desk, string) {
	d := newDesk(t)
	ctx := context.Background()
	committee := []string{"ana", "bo", "chen"}
	day := 24 * time.Hour
	start := time.Date(2026, 9, 10, 9, 0, 0, 0, time.UTC)
	// The desk starts on 20 November: the season is played on a clock
	// of its own from September.
	d.clock.mu.Lock()
	d.clock.t = start
	d.clock.mu.Unlock()

	a := d.file("rita", "Maps of the harbour")
	d.at(start.Add(2 * day))
	d.react(a, "✅", committee...)
	d.at(start.Add(2*day + 12*time.Hour))
	d.act("chen", fmt.Sprintf("route #%d implementation", a))
	d.at(start.Add(5*day + 12*time.Hour))
	d.act("ivan", fmt.Sprintf("claim #%d", a))
	d.act("ivan", fmt.Sprintf("recommend #%d Pattypan will do.", a))
	d.at(start.Add(6*day + 12*time.Hour))
	d.react(a, "✅", committee...)
	d.at(start.Add(8 * day))
	d.act("sam", fmt.Sprintf("resolve #%d Uploaded.", a))
	d.act("rita", fmt.Sprintf("rate #%d 4", a))

	october := time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)
	d.at(october)
	b := d.file("dora", "Letters")
	d.at(october.Add(5 * time.Hour))
	d.react(b, "❌", committee...)

	november := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	d.at(november)
	c := d.file("rita", "Postcards")
	d.at(november.Add(day))
	d.react(c, "✅", committee...)
	d.at(november.Add(day + 2*time.Hour))
	d.act("chen", fmt.Sprintf("route #%d implementation communication", c))
	d.at(november.Add(4*day + 3*time.Hour))
	if err := d.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	d.deliver()
	e := d.file("dora", "A map")
	d.at(november.Add(4*day + 4*time.Hour))
	d.act("dora", fmt.Sprintf("withdraw #%d confirm", e))

	if lang != "en" {
		if err := d.svc.MemberSeen(ctx, bot.Member{ID: "test:sam", Name: "sam", Lang: lang, Roles: bot.Roles{Staff: true}}); err != nil {
			t.Fatal(err)
		}
		d.act("sam", "language "+lang)
	}
	sam := d.browser()
	sam.signIn(d.link("sam"))
	code, page := sam.get("/stats")
	if code != http.StatusOK {
		t.Fatalf("statistics: %d %s", code, page)
	}
	return d, page
}

// A helpdesk with no case yet: charts with an empty axis, and tables that
// say there is nothing to count.
func TestStatisticsOfANewHelpdesk(t *testing.T) {
	d := newDesk(t)
	sam := d.browser()
	sam.signIn(d.link("sam"))
	_, page := sam.get("/stats")
	cs := charts(t, page)
	for _, id := range []string{"chart-months", "chart-closed", "chart-times"} {
		if c := cs[id]; len(c.bars) != 0 || !reflect.DeepEqual(c.ticks, []string{"0", "1"}) {
			t.Errorf("%s: %+v", id, c)
		}
	}
	for _, id := range []string{"web.stats.no_requests", "web.stats.no_closed", "web.stats.rating.none"} {
		if !strings.Contains(page, html.EscapeString(d.say("en", id))) {
			t.Errorf("the page does not say %q", d.say("en", id))
		}
	}
	if len(cs["chart-groups"].bars) != 2*len(bot.DefaultGroups) {
		t.Errorf("groups: %d bars, want an open and an overdue one for each group", len(cs["chart-groups"].bars))
	}
}

// svgChart is what one chart's SVG says: its direction, the values of
// its y axis from the bottom up, its unit, the labels under its bars from
// the first bar on, and its bars' x.
type svgChart struct {
	dir    string
	ticks  []string
	unit   string
	labels []string
	bars   []float64
}

var (
	svgRE    = regexp.MustCompile(`(?s)<svg [^>]*id="svg-([a-z-]+)"[^>]*direction="([a-z]+)"[^>]*>(.*?)</svg>`)
	textRE   = regexp.MustCompile(`<text class="([a-z]+)" x="([-0-9.e+]+)" y="([-0-9.e+]+)"[^>]*>([^<]*)</text>`)
	barRE    = regexp.MustCompile(`<g class="bar"><title>[^<]*</title>(?:<rect class="[^"]*" x="([-0-9.e+]+)")?`)
	cellRE   = regexp.MustCompile(`(?s)<th scope="row">([^<]*)</th>(.*?)</tr>`)
	tdRE     = regexp.MustCompile(`<td[^>]*>([^<]*)</td>`)
	sectRE   = regexp.MustCompile(`(?s)<section aria-labelledby="([a-z-]+)">(.*?)</section>`)
	averageR = regexp.MustCompile(`<p class="average">([^<]*)</p>`)
)

// charts reads every chart of a page.
func charts(t *testing.T, page string) map[string]svgChart {
	t.Helper()
	out := map[string]svgChart{}
	for _, m := range svgRE.FindAllStringSubmatch(page, -1) {
		c := svgChart{dir: m[2]}
		type placed struct {
			x, y float64
			s    string
		}
		var labels []placed
		for _, tm := range textRE.FindAllStringSubmatch(m[3], -1) {
			x, _ := strconv.ParseFloat(tm[2], 64)
			y, _ := strconv.ParseFloat(tm[3], 64)
			s := html.UnescapeString(tm[4])
			switch tm[1] {
			case "tick":
				c.ticks = append(c.ticks, s)
			case "unit":
				c.unit = s
			case "label":
				labels = append(labels, placed{x, y, s})
			}
		}
		// The labels from the first bar on: left to right, or right to
		// left in a mirrored chart; the first line before the second.
		slices.SortStableFunc(labels, func(a, b placed) int {
			if a.x != b.x {
				if (a.x < b.x) == (c.dir == "ltr") {
					return -1
				}
				return 1
			}
			if a.y < b.y {
				return -1
			}
			return 1
		})
		for _, l := range labels {
			c.labels = append(c.labels, l.s)
		}
		for _, bm := range barRE.FindAllStringSubmatch(m[3], -1) {
			x, _ := strconv.ParseFloat(bm[1], 64)
			c.bars = append(c.bars, x)
		}
		out[m[1]] = c
	}
	return out
}

// table reads the rows of the table in a page's section: each row's
// heading and cells.
func table(page, section string) [][]string {
	for _, s := range sectRE.FindAllStringSubmatch(page, -1) {
		if s[1] != section {
			continue
		}
		var rows [][]string
		for _, r := range cellRE.FindAllStringSubmatch(s[2], -1) {
			row := []string{html.UnescapeString(r[1])}
			for _, c := range tdRE.FindAllStringSubmatch(r[2], -1) {
				row = append(row, html.UnescapeString(c[1]))
			}
			rows = append(rows, row)
		}
		return rows
	}
	return nil
}

func unisolated(rows [][]string) [][]string {
	for _, r := range rows {
		for i := range r {
			r[i] = locales.StripIsolates(r[i])
		}
	}
	return rows
}

func TestStatisticsInEnglish(t *testing.T) {
	d, page := season(t, "en")
	cs := charts(t, page)

	// Requests per month: from September, the first month with one (not
	// from December 2025), the year under the first; the axis 0, 1, 2
	// cases for November's two.
	months := cs["chart-months"]
	diff(t, "months: labels", months.labels, []string{"9", "2026", "10", "11"})
	diff(t, "months: axis", months.ticks, []string{"0", "1", "2"})
	diff(t, "months: unit", months.unit, "cases")
	if months.dir != "ltr" || len(months.bars) != 3 || !(months.bars[0] < months.bars[2]) {
		t.Errorf("months: dir %s, bars at %v: want 3 from left to right", months.dir, months.bars)
	}
	diff(t, "months: table", unisolated(table(page, "months")), [][]string{
		{"September 2026", "1", "0", "0", "0", "0", "0", "1"},
		{"October 2026", "1", "0", "0", "0", "0", "0", "1"},
		{"November 2026", "2", "0", "0", "0", "0", "0", "2"},
	})

	// Closed cases by outcome, each month.
	diff(t, "closed: table", unisolated(table(page, "closed")), [][]string{
		{"September 2026", "1", "0", "0", "0", "0", "1"},
		{"October 2026", "0", "1", "0", "0", "0", "1"},
		{"November 2026", "0", "0", "1", "0", "0", "1"},
	})
	diff(t, "closed: axis", cs["chart-closed"].ticks, []string{"0", "1"})

	// Time in each stage: medians and 90th percentiles with one decimal,
	// in hours under a day (the initial review's 1, 5, 24 and 48 hours:
	// a median of 14.5 hours, a 90th percentile of 40.8 hours, 1.7
	// days); the axis in days, up to the 3 days of the longest.
	stage := func(i int) string { return fmt.Sprintf("%d · %s", i+1, d.say("en", "stage."+string(bot.Stages[i]))) }
	diff(t, "in stage: table", unisolated(table(page, "in-stage")), [][]string{
		{stage(0), "14.5 hours", "1.7 days", "4"},
		{stage(1), "none yet", "none yet", "0"},
		{stage(2), "7.0 hours", "11.0 hours", "2"},
		{stage(3), "3.0 days", "3.0 days", "1"},
		{stage(4), "1.0 days", "1.0 days", "1"},
		{stage(5), "1.5 days", "1.5 days", "1"},
	})
	inStage := cs["chart-in-stage"]
	diff(t, "in stage: axis", inStage.ticks, []string{"0", "1", "2", "3"})
	diff(t, "in stage: unit", inStage.unit, "days")

	// The quarters of the requests, with their year; a spread of one
	// case is one value.
	diff(t, "times: labels", cs["chart-times"].labels, []string{"Q3 2026", "Q4 2026"})
	diff(t, "times: Q3", unisolated(table(page, "times"))[:3], [][]string{
		{"Q3 2026", "Initial feedback", "2.0 days", "2.0 days", "1"},
		{"Q3 2026", "Final go", "6.5 days", "6.5 days", "1"},
		{"Q3 2026", "Resolution", "8.0 days", "8.0 days", "1"},
	})

	// What waits for each group: #3, overdue for both its groups.
	groups := unisolated(table(page, "groups"))
	if len(groups) != len(bot.DefaultGroups) {
		t.Fatalf("groups: %v", groups)
	}
	want := map[string][]string{}
	for i, g := range bot.DefaultGroups {
		name := d.say("en", "group."+g.ID)
		want[g.ID] = []string{fmt.Sprintf("%d · %s", i+1, name), "0", "0"}
	}
	want["implementation"][1], want["implementation"][2] = "1", "1"
	want["communication"][1], want["communication"][2] = "1", "1"
	for i, g := range bot.DefaultGroups {
		diff(t, "groups: "+g.ID, groups[i], want[g.ID])
	}
	diff(t, "groups: axis", cs["chart-groups"].ticks, []string{"0", "1"})

	// The ratings and their average.
	if m := averageR.FindStringSubmatch(page); m == nil || locales.StripIsolates(m[1]) != "Average rating: 4.0 out of 5, from 1 rating." {
		t.Errorf("average: %q", m)
	}
}

func TestStatisticsInArabic(t *testing.T) {
	_, page := season(t, "ar")
	cs := charts(t, page)
	months := cs["chart-months"]
	// Mirrored: the first month on the right, its labels in Arabic
	// digits, the axis too.
	diff(t, "months: labels", months.labels, []string{"٩", "٢٠٢٦", "١٠", "١١"})
	diff(t, "months: axis", months.ticks, []string{"٠", "١", "٢"})
	diff(t, "months: unit", months.unit, "عدد الحالات")
	if months.dir != "rtl" || len(months.bars) != 3 || !(months.bars[0] > months.bars[2]) {
		t.Errorf("months: dir %s, bars at %v: want 3 from right to left", months.dir, months.bars)
	}
	diff(t, "months: table", unisolated(table(page, "months"))[0][0], "سبتمبر ٢٠٢٦")
	inStage := unisolated(table(page, "in-stage"))
	diff(t, "in stage: support", inStage[5][1:], []string{"١٫٥ يوم", "١٫٥ يوم", "١"})
	diff(t, "in stage: axis", cs["chart-in-stage"].ticks, []string{"٠", "١", "٢", "٣"})
	if m := averageR.FindStringSubmatch(page); m == nil || locales.StripIsolates(m[1]) != "متوسط التقييم: ٤٫٠ من ٥ (تقييم واحد)." {
		t.Errorf("average: %q", m)
	}

	// #24: the quarter's label under the time chart reads in the order
	// it is written, "الربع ٤ من ٢٠٢٦", laid out as the chart's
	// direction says (FriBidi, the reference of the Unicode algorithm);
	// forced left to right, it read "٢٠٢٦ الربع ٤ من".
	times := cs["chart-times"]
	if times.dir != "rtl" || len(times.labels) != 2 {
		t.Fatalf("times: %+v", times)
	}
	label := times.labels[1]
	if locales.StripIsolates(label) != "الربع ٤ من ٢٠٢٦" {
		t.Errorf("the quarter's label %q", label)
	}
	if got := fromTheRight(t, label, times.dir); got != "الربع ٤ من ٢٠٢٦" {
		t.Errorf("the quarter's label reads %q", got)
	}
	if got := fromTheRight(t, label, "ltr"); got != "٢٠٢٦ الربع ٤ من" {
		t.Errorf("the test does not see the fault of #24: laid out left to right, the label reads %q", got)
	}
}

// fromTheRight lays line out with FriBidi in a paragraph of direction dir
// and returns its words as an Arabic reader takes them in, from the right.
// (The letters of a word keep their logical order: only the words' places
// are read.)
func fromTheRight(t *testing.T, line, dir string) string {
	t.Helper()
	out := fribidi.Run(t, line+"\n", "--nopad", "--nobreak", "--novisual", "--vtol", "--"+dir)
	// vtol: for each visual place from the left, the logical index of the
	// character shown there.
	var place []int
	for _, f := range strings.Fields(out) {
		i, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("fribidi: %q", out)
		}
		place = append(place, i)
	}
	runes := []rune(line)
	visual := make([]int, len(runes)) // logical index → visual place
	for v, l := range place {
		if l < len(visual) {
			visual[l] = v
		}
	}
	type word struct {
		text string
		at   int
	}
	var words []word
	var cur []rune
	at := 0
	for i, r := range append(runes, ' ') {
		switch {
		case r == ' ':
			if len(cur) > 0 {
				words = append(words, word{string(cur), at})
			}
			cur = nil
		case r >= 0x2066 && r <= 0x2069:
		default:
			if len(cur) == 0 {
				at = visual[i]
			}
			cur = append(cur, r)
		}
	}
	slices.SortFunc(words, func(a, b word) int { return b.at - a.at })
	var out2 []string
	for _, w := range words {
		out2 = append(out2, w.text)
	}
	return strings.Join(out2, " ")
}

func diff[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// The time table's steps and the chart's legend are labels of their own
// (web.stats.step.*), not the chat's fragments written to follow "Median
// time to …" (stats.step.*: "la valoración inicial", "le premier avis")
// (#24 §5.2, §6.6).
func TestTheStepsAreLabelsNotFragments(t *testing.T) {
	for _, lang := range []string{"es", "fr", "pt-BR"} {
		d, page := season(t, lang)
		rows := unisolated(table(page, "times"))
		if len(rows) < 3 {
			t.Fatalf("%s: times: %v", lang, rows)
		}
		for i, step := range []string{"initial", "final", "resolved"} {
			label, fragment := d.say(lang, "web.stats.step."+step), d.say(lang, "stats.step."+step)
			if label == fragment {
				t.Fatalf("%s: web.stats.step.%s is the chat's fragment %q", lang, step, fragment)
			}
			if rows[i][1] != label {
				t.Errorf("%s: the step column says %q, want %q", lang, rows[i][1], label)
			}
			if !strings.Contains(page, `</span> `+label+`</li>`) || strings.Contains(page, `</span> `+fragment+`</li>`) {
				t.Errorf("%s: the legend does not say %q", lang, label)
			}
		}
	}
}
