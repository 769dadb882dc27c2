package dashboard

import (
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wmse/helpdesk/bot"
)

// The charts are drawn on the server as SVG: bars whose geometry is
// computed here and whose colours come from the stylesheet (by class), so
// that the Content-Security-Policy needs no inline style. Each chart has a
// title for screen readers and a table of the same figures beside it, a
// y axis with a few round values and its unit, and its labels in the
// reader's digits. In a right-to-left language the chart is mirrored (the
// first bar on the right, the axis on the right) and its texts are laid
// out right to left.

// chart is one bar chart, laid out.
type chart struct {
	ID     string // the id of its <title>, for aria-labelledby
	Title  string
	Label  string // "Chart: …", the text alternative's pointer to the table
	Dir    string // "ltr" or "rtl": the direction of its texts
	Width  float64
	Height float64
	Axis   float64 // the y of the baseline
	AxisX  float64 // the x of the y axis
	EndX   float64 // the x of the baseline's other end
	Top    float64 // the y of the highest tick
	Unit   svgText // the unit of the y axis, above it
	Ticks  []tick
	Bars   []bar
	Labels []svgText // under the bars
	Legend []legend
}

// tick is a value on the y axis, with its grid line.
type tick struct {
	Y, X1, X2 float64
	Text      svgText
}

// svgText is a text placed in a chart.
type svgText struct {
	X, Y   float64
	Anchor string // text-anchor: start, middle or end (of the text's own direction)
	Text   string
}

// bar is one bar, made of segments stacked from the baseline.
type bar struct {
	X, W     float64
	Value    string // what the bar stands for, for its <title>
	Segments []segment
}

type segment struct {
	Y, H  float64
	Class string
}

type legend struct{ Class, Label string }

// The chart's geometry, in CSS pixels.
const (
	plotHeight = 160 // from the baseline to the highest tick
	plotTop    = 24  // room above for the unit
	plotBottom = 34  // room under the baseline for two lines of labels
	axisWidth  = 44  // room beside the y axis for its values
	groupGap   = 14  // between groups of bars, and at the ends
	soloWidth  = 28  // a bar alone in its group
	pairWidth  = 22  // a bar among others in its group
	innerGap   = 2   // between the bars of a group
	minWidth   = 200
)

// group is what one place on the x axis shows: one bar or a few side by
// side, with a label under them and maybe a second line (a year).
type group struct {
	Label, Sub string
	Bars       []barSpec
}

// barSpec is a bar to lay out: its stacked values, each with its class.
type barSpec struct {
	Title   string
	Values  []float64
	Classes []string
}

// axis says how the y axis writes its values: whole numbers (counts) or
// with the decimals the step needs (times).
type axis struct {
	Unit  string
	Whole bool
}

// layout places groups of bars under a y axis scaled to a few round
// values, in the reader's direction.
func (d *Dashboard) layout(lang, id, title string, ax axis, groups []group) chart {
	c := chart{ID: id, Title: title, Dir: "ltr",
		Label:  d.text(lang, bot.T("web.stats.chart", "what", bot.S(title))),
		Height: plotTop + plotHeight + plotBottom, Axis: plotTop + plotHeight, AxisX: axisWidth, Top: plotTop}
	top := 0.0
	for _, g := range groups {
		for _, b := range g.Bars {
			sum := 0.0
			for _, v := range b.Values {
				sum += max(v, 0)
			}
			top = math.Max(top, sum)
		}
	}
	step, n := ticks(top, ax.Whole)
	scale := plotHeight / (step * float64(n))
	x := float64(axisWidth + groupGap)
	for _, g := range groups {
		w := float64(soloWidth)
		if len(g.Bars) > 1 {
			w = pairWidth
		}
		// A label wider than its bars (a quarter's name) gets room on
		// both sides, so that it does not run into the next one's.
		pad := max(labelWidth(g.Label)+groupGap-(w+innerGap)*float64(len(g.Bars))+innerGap, 0) / 2
		x += pad
		start := x
		for _, b := range g.Bars {
			br := bar{X: x, W: w, Value: b.Title}
			y := c.Axis
			for j, v := range b.Values {
				if v <= 0 {
					continue
				}
				h := v * scale
				y -= h
				br.Segments = append(br.Segments, segment{Y: y, H: h, Class: b.Classes[j]})
			}
			c.Bars = append(c.Bars, br)
			x += w + innerGap
		}
		x -= innerGap
		mid := (start + x) / 2
		c.Labels = append(c.Labels, svgText{X: mid, Y: c.Axis + 14, Anchor: "middle", Text: g.Label})
		if g.Sub != "" {
			c.Labels = append(c.Labels, svgText{X: mid, Y: c.Axis + 28, Anchor: "middle", Text: g.Sub})
		}
		x += groupGap + pad
	}
	c.Width = math.Max(x, minWidth)
	c.EndX = c.Width
	places := decimals(step)
	for i := 0; i <= n; i++ {
		v := step * float64(i)
		y := c.Axis - v*scale
		label := d.opt.Catalog.Decimal(lang, v, places)
		c.Ticks = append(c.Ticks, tick{Y: y, X1: axisWidth, X2: c.Width,
			Text: svgText{X: axisWidth - 6, Y: y + 4, Anchor: "end", Text: label}})
	}
	c.Unit = svgText{X: 0, Y: 12, Anchor: "start", Text: ax.Unit}
	if d.opt.Catalog.RightToLeft(lang) {
		c.mirror()
	}
	return c
}

// labelWidth guesses the width of a label in the charts' 11 px type: a
// generous average per character (Arabic and Bengali letters with their
// marks count one each).
func labelWidth(s string) float64 { return 6.5 * float64(utf8.RuneCountInString(s)) }

// mirror lays the chart out right to left: every x from the other side,
// and the texts in the right-to-left direction, where "start" and "end"
// are the right and the left.
func (c *chart) mirror() {
	c.Dir = "rtl"
	flip := func(x float64) float64 { return c.Width - x }
	c.AxisX, c.EndX = flip(c.AxisX), flip(c.EndX)
	for i := range c.Bars {
		c.Bars[i].X = c.Width - c.Bars[i].X - c.Bars[i].W
	}
	for i := range c.Labels {
		c.Labels[i].X = flip(c.Labels[i].X)
	}
	for i := range c.Ticks {
		t := &c.Ticks[i]
		t.X1, t.X2 = flip(t.X2), flip(t.X1)
		t.Text.X = flip(t.Text.X)
	}
	c.Unit.X = flip(c.Unit.X)
}

// ticks chooses the y axis's values for bars up to top: steps of 1, 2 or
// 5 times a power of ten, at most five of them, the last at or above top
// (a whole number for counts). An empty chart has the axis 0 to 1.
func ticks(top float64, whole bool) (step float64, n int) {
	if top <= 0 || math.IsNaN(top) || math.IsInf(top, 0) {
		return 1, 1
	}
	raw := top / 5
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw*(1-1e-9) {
			break
		}
	}
	if whole && step < 1 {
		step = 1
	}
	n = int(math.Ceil(top/step - 1e-9))
	return step, max(n, 1)
}

// decimals is how many decimals the multiples of step need: 0 for 5,
// 1 for 0.5, 2 for 0.05.
func decimals(step float64) int {
	return max(0, int(-math.Floor(math.Log10(step)+1e-9)))
}

// timeUnit is the unit a chart of durations up to top is drawn in: hours
// under a day, days from one on.
type timeUnit struct {
	hours bool
}

func unitFor(top time.Duration) timeUnit { return timeUnit{hours: top < 24*time.Hour} }

func (u timeUnit) of(d time.Duration) float64 {
	if u.hours {
		return d.Hours()
	}
	return d.Hours() / 24
}

func (u timeUnit) name() bot.Text {
	if u.hours {
		return bot.T("web.stats.unit.hours")
	}
	return bot.T("web.stats.unit.days")
}

// span writes a duration with one decimal, in hours under a day and in
// days after ("18.5 hours", "2.5 days"), in the reader's digits; "less
// than an hour" where one decimal would say 0.0 hours.
func (d *Dashboard) span(lang string, t time.Duration) string {
	if t < 3*time.Minute {
		return d.text(lang, bot.T("duration.under_hour"))
	}
	if t < 24*time.Hour {
		return d.opt.Catalog.Quantity(lang, "duration.hours", t.Hours(), 1)
	}
	return d.opt.Catalog.Quantity(lang, "duration.days", t.Hours()/24, 1)
}

// statsData is the statistics page.
type statsData struct {
	Months      chart
	MonthRows   []monthRow
	Types       []string // the headings of the months table's columns
	MonthCols   int      // how many columns the months table has
	Closed      chart
	ClosedRows  []monthRow
	Outcomes    []string // the headings of the closed table's columns
	ClosedCols  int
	Stages      chart
	StageRows   []countRow
	InStage     chart
	InStageRows []stayRow
	Times       chart
	TimeRows    []timeRow
	Groups      chart
	GroupRows   []groupRow
	Ratings     chart
	RatingRows  []countRow
	Average     string // the average rating and how many gave one
	Export      bool
}

type monthRow struct {
	Month string
	By    []string
	Total string
}

type countRow struct{ Label, N string }

type stayRow struct{ Stage, Median, P90, N string }

type groupRow struct{ Group, Open, Overdue string }

type timeRow struct {
	Quarter, Step, Median, Spread, N string
}

func (d *Dashboard) stats(w http.ResponseWriter, r *http.Request, v bot.Viewer) {
	st, err := d.opt.Core.Stats(r.Context(), v)
	if err != nil {
		d.failErr(w, r, &v, "statistics", err)
		return
	}
	lang := v.Lang
	p := d.newPage(lang, &v, bot.T("web.stats.title"))
	p.Nav = "stats"
	d.render(w, r, http.StatusOK, "stats", p, d.statsData(lang, st, v.IsStaff()))
}

// statsData lays out the statistics st for a reader of lang.
func (d *Dashboard) statsData(lang string, st bot.Stats, staff bool) statsData {
	t := func(x bot.Text) string { return d.text(lang, x) }
	num := func(n int) string { return d.opt.Catalog.Number(lang, n) }
	cases := func(n int) string { return t(bot.T("stats.cases").Plural(n)) }
	titled := func(label, value string) string {
		return t(bot.T("web.stats.bar", "label", bot.S(label), "value", bot.S(value)))
	}
	pair := func(a, b string) string { return t(bot.T("web.stats.pair", "a", bot.S(a), "b", bot.S(b))) }
	numbered := func(n int, name string) string {
		return t(bot.T("web.stats.numbered", "n", bot.N(n), "name", bot.S(name)))
	}
	counts := axis{Unit: t(bot.T("web.stats.unit.cases")), Whole: true}
	data := statsData{Export: staff}

	// Requests per month, stacked by type.
	var classes []string
	for _, typ := range bot.RequestTypes {
		classes = append(classes, "t-"+string(typ))
		data.Types = append(data.Types, t(bot.TypeText(typ)))
	}
	var groups []group
	for i, m := range st.Months {
		name := d.monthName(lang, m.Month)
		row := monthRow{Month: name, Total: num(m.Total)}
		var values []float64
		for _, typ := range bot.RequestTypes {
			values = append(values, float64(m.ByType[typ]))
			row.By = append(row.By, num(m.ByType[typ]))
		}
		groups = append(groups, group{Label: num(int(m.Month.Month())), Sub: d.yearUnder(lang, i, m.Month),
			Bars: []barSpec{{Title: titled(name, cases(m.Total)), Values: values, Classes: classes}}})
		data.MonthRows = append(data.MonthRows, row)
	}
	data.MonthCols = len(data.Types) + 2
	data.Months = d.layout(lang, "chart-months", t(bot.T("web.stats.months")), counts, groups)
	for i, typ := range bot.RequestTypes {
		data.Months.Legend = append(data.Months.Legend, legend{Class: classes[i], Label: t(bot.TypeText(typ))})
	}

	// Cases closed per month, stacked by outcome.
	classes = nil
	for _, o := range bot.Outcomes {
		classes = append(classes, "o-"+string(o))
		data.Outcomes = append(data.Outcomes, t(bot.T("web.stats.outcome."+string(o))))
	}
	groups = nil
	for i, m := range st.Closed {
		name := d.monthName(lang, m.Month)
		row := monthRow{Month: name, Total: num(m.Total)}
		var values []float64
		for _, o := range bot.Outcomes {
			values = append(values, float64(m.ByOutcome[o]))
			row.By = append(row.By, num(m.ByOutcome[o]))
		}
		groups = append(groups, group{Label: num(int(m.Month.Month())), Sub: d.yearUnder(lang, i, m.Month),
			Bars: []barSpec{{Title: titled(name, cases(m.Total)), Values: values, Classes: classes}}})
		data.ClosedRows = append(data.ClosedRows, row)
	}
	data.ClosedCols = len(data.Outcomes) + 2
	data.Closed = d.layout(lang, "chart-closed", t(bot.T("web.stats.closed")), counts, groups)
	for i := range bot.Outcomes {
		data.Closed.Legend = append(data.Closed.Legend, legend{Class: classes[i], Label: data.Outcomes[i]})
	}

	// Cases by stage now.
	groups = nil
	for i, stage := range bot.Stages {
		n := st.Stages[stage]
		name := t(bot.StageText(stage))
		groups = append(groups, group{Label: num(i + 1), Bars: []barSpec{{Title: titled(name, cases(n)), Values: []float64{float64(n)}, Classes: []string{"stage"}}}})
		data.StageRows = append(data.StageRows, countRow{Label: numbered(i+1, name), N: num(n)})
	}
	data.Stages = d.layout(lang, "chart-stages", t(bot.T("web.stats.stages")), counts, groups)

	// Time spent in each stage: the median and the 90th percentile of
	// the stays that ended, a pair of bars a stage.
	var longest time.Duration
	for _, s := range st.InStage {
		longest = max(longest, s.P90)
	}
	unit := unitFor(longest)
	median, p90 := t(bot.T("web.stats.median")), t(bot.T("web.stats.p90"))
	groups = nil
	for i, stage := range bot.Stages {
		if stage == bot.Closed {
			continue
		}
		s := st.InStage[stage]
		name := t(bot.StageText(stage))
		row := stayRow{Stage: numbered(i+1, name), N: num(s.N), Median: t(bot.T("web.stats.none")), P90: t(bot.T("web.stats.none"))}
		if s.N > 0 {
			row.Median, row.P90 = d.span(lang, s.Median), d.span(lang, s.P90)
		}
		groups = append(groups, group{Label: num(i + 1), Bars: []barSpec{
			{Title: titled(pair(name, median), row.Median), Values: []float64{unit.of(s.Median)}, Classes: []string{"q-median"}},
			{Title: titled(pair(name, p90), row.P90), Values: []float64{unit.of(s.P90)}, Classes: []string{"q-p90"}},
		}})
		data.InStageRows = append(data.InStageRows, row)
	}
	data.InStage = d.layout(lang, "chart-in-stage", t(bot.T("web.stats.in_stage")), axis{Unit: t(unit.name())}, groups)
	data.InStage.Legend = []legend{{Class: "q-median", Label: median}, {Class: "q-p90", Label: p90}}

	// Time to each step: the median of each quarter, three bars a quarter.
	steps := []struct {
		key string
		of  func(q bot.QuarterTimes) bot.Spread
	}{
		{"initial", func(q bot.QuarterTimes) bot.Spread { return q.Initial }},
		{"final", func(q bot.QuarterTimes) bot.Spread { return q.FinalGo }},
		{"resolved", func(q bot.QuarterTimes) bot.Spread { return q.Resolved }},
	}
	longest = 0
	for _, q := range st.Quarters {
		for _, step := range steps {
			longest = max(longest, step.of(q).Median)
		}
	}
	unit = unitFor(longest)
	groups = nil
	for _, q := range st.Quarters {
		qname := t(bot.T("web.stats.quarter.name", "q", bot.N((int(q.Quarter.Month())-1)/3+1), "year", bot.C(d.opt.Catalog.Digits(lang, q.Quarter.Year()))))
		g := group{Label: qname}
		for _, step := range steps {
			s := step.of(q)
			stepName := t(bot.T("web.stats.step." + step.key))
			row := timeRow{Quarter: qname, Step: stepName, N: num(s.N), Median: t(bot.T("web.stats.none"))}
			if s.N > 0 {
				row.Median = d.span(lang, s.Median)
				// One value when both ends read the same, not "2.0 days
				// to 2.0 days".
				row.Spread = d.span(lang, s.P25)
				if to := d.span(lang, s.P75); to != row.Spread {
					row.Spread = t(bot.T("web.stats.spread.range", "from", bot.S(row.Spread), "to", bot.S(to)))
				}
			}
			data.TimeRows = append(data.TimeRows, row)
			g.Bars = append(g.Bars, barSpec{Title: titled(pair(qname, stepName), row.Median),
				Values: []float64{unit.of(s.Median)}, Classes: []string{"s-" + step.key}})
		}
		groups = append(groups, g)
	}
	data.Times = d.layout(lang, "chart-times", t(bot.T("web.stats.times")), axis{Unit: t(unit.name())}, groups)
	for _, step := range steps {
		data.Times.Legend = append(data.Times.Legend, legend{Class: "s-" + step.key, Label: t(bot.T("web.stats.step." + step.key))})
	}

	// The open cases of each working group, and how many are overdue.
	open, overdue := t(bot.T("web.stats.open")), t(bot.T("web.stats.overdue"))
	groups = nil
	for i, g := range st.Groups {
		name := t(d.opt.Core.GroupText(g.Group))
		groups = append(groups, group{Label: num(i + 1), Bars: []barSpec{
			{Title: titled(pair(name, open), cases(g.Open)), Values: []float64{float64(g.Open)}, Classes: []string{"g-open"}},
			{Title: titled(pair(name, overdue), cases(g.Overdue)), Values: []float64{float64(g.Overdue)}, Classes: []string{"g-overdue"}},
		}})
		data.GroupRows = append(data.GroupRows, groupRow{Group: numbered(i+1, name), Open: num(g.Open), Overdue: num(g.Overdue)})
	}
	data.Groups = d.layout(lang, "chart-groups", t(bot.T("web.stats.groups")), counts, groups)
	data.Groups.Legend = []legend{{Class: "g-open", Label: open}, {Class: "g-overdue", Label: overdue}}

	// Ratings, and their average.
	groups = nil
	rated, sum := 0, 0
	for i, n := range st.Ratings {
		groups = append(groups, group{Label: num(i + 1), Bars: []barSpec{{Title: titled(num(i+1), cases(n)), Values: []float64{float64(n)}, Classes: []string{"rating"}}}})
		data.RatingRows = append(data.RatingRows, countRow{Label: num(i + 1), N: num(n)})
		rated += n
		sum += (i + 1) * n
	}
	data.Ratings = d.layout(lang, "chart-ratings", t(bot.T("web.stats.ratings")), counts, groups)
	data.Average = t(bot.T("web.stats.rating.none"))
	if rated > 0 {
		data.Average = t(bot.T("web.stats.rating.average", "avg", bot.S(d.opt.Catalog.Decimal(lang, float64(sum)/float64(rated), 1))).Plural(rated))
	}
	return data
}

// monthName is a month with its year, as the tables write it.
func (d *Dashboard) monthName(lang string, m time.Time) string {
	return d.text(lang, bot.T("web.stats.month.name",
		"month", bot.X(bot.T("web.stats.month."+strconv.Itoa(int(m.Month())))), "year", bot.C(d.opt.Catalog.Digits(lang, m.Year()))))
}

// yearUnder is the year written under the i-th month of a chart: under
// the first, and under each January.
func (d *Dashboard) yearUnder(lang string, i int, m time.Time) string {
	if i == 0 || m.Month() == time.January {
		return d.opt.Catalog.Digits(lang, m.Year())
	}
	return ""
}
