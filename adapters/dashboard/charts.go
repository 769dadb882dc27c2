package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// The charts are drawn on the server as SVG: bars whose geometry is
// computed here and whose colours come from the stylesheet (by class), so
// that the Content-Security-Policy needs no inline style. Each chart has a
// title for screen readers and a table of the same figures beside it.

// chart is one bar chart.
type chart struct {
	ID     string // the id of its <title>, for aria-labelledby
	Title  string
	Label  string // "Chart: …", the text alternative's pointer to the table
	Width  float64
	Height float64
	Bars   []bar
	Axis   float64 // the y of the baseline
	Max    string  // the largest value, written at the top of the axis
	Legend []legend
}

// bar is one bar, made of segments stacked from the baseline.
type bar struct {
	X, W     float64
	Label    string // under the bar
	LabelX   float64
	Value    string // what the bar stands for, for its <title>
	Segments []segment
}

type segment struct {
	Y, H  float64
	Class string
}

type legend struct{ Class, Label string }

const (
	chartHeight = 160
	chartTop    = 12
	chartBottom = 28 // room for the labels under the bars
	barWidth    = 28
	barGap      = 12
)

// barChart lays out bars of stacked values: values[i][j] is segment j of
// bar i, drawn with class classes[j].
func barChart(id, title, label string, labels, values []string, stacks [][]float64, classes []string) chart {
	top := 0.0
	for _, st := range stacks {
		sum := 0.0
		for _, v := range st {
			sum += v
		}
		top = math.Max(top, sum)
	}
	c := chart{ID: id, Title: title, Label: label, Height: chartHeight + chartTop + chartBottom, Axis: chartTop + chartHeight}
	c.Width = float64(len(stacks))*(barWidth+barGap) + barGap
	scale := 0.0
	if top > 0 {
		scale = chartHeight / top
	}
	c.Max = fmt.Sprintf("%g", top)
	for i, st := range stacks {
		b := bar{X: barGap + float64(i)*(barWidth+barGap), W: barWidth, Label: labels[i], Value: values[i]}
		b.LabelX = b.X + barWidth/2
		y := c.Axis
		for j, v := range st {
			if v <= 0 {
				continue
			}
			h := v * scale
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, H: h, Class: classes[j]})
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// statsData is the statistics page.
type statsData struct {
	Months     chart
	MonthRows  []monthRow
	Types      []string // the headings of the months table's columns
	Stages     chart
	StageRows  []countRow
	Times      chart
	TimeRows   []timeRow
	Ratings    chart
	RatingRows []countRow
	Export     bool
}

type monthRow struct {
	Month  string
	ByType []string
	Total  string
}

type countRow struct{ Label, N string }

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
	t := func(x bot.Text) string { return d.text(lang, x) }
	p := d.newPage(lang, &v, bot.T("web.stats.title"))
	p.Nav = "stats"
	num := func(n int) string { return p.Num(n) }
	data := statsData{Export: v.IsStaff()}

	// Requests per month, stacked by type.
	var labels, values []string
	var stacks [][]float64
	var classes []string
	for _, typ := range bot.RequestTypes {
		classes = append(classes, "t-"+string(typ))
		data.Types = append(data.Types, t(bot.TypeText(typ)))
	}
	for _, m := range st.Months {
		name := m.Month.Format("2006-01")
		row := monthRow{Month: name, Total: num(m.Total)}
		var stack []float64
		for _, typ := range bot.RequestTypes {
			stack = append(stack, float64(m.ByType[typ]))
			row.ByType = append(row.ByType, num(m.ByType[typ]))
		}
		labels = append(labels, m.Month.Format("01"))
		values = append(values, name+": "+num(m.Total))
		stacks = append(stacks, stack)
		data.MonthRows = append(data.MonthRows, row)
	}
	title := t(bot.T("web.stats.months"))
	data.Months = barChart("chart-months", title, t(bot.T("web.stats.chart", "what", bot.S(title))), labels, values, stacks, classes)
	for i, typ := range bot.RequestTypes {
		data.Months.Legend = append(data.Months.Legend, legend{Class: classes[i], Label: t(bot.TypeText(typ))})
	}

	// Cases by stage now.
	labels, values, stacks = nil, nil, nil
	for i, stage := range bot.Stages {
		n := st.Stages[stage]
		name := t(bot.StageText(stage))
		labels = append(labels, num(i+1))
		values = append(values, name+": "+num(n))
		stacks = append(stacks, []float64{float64(n)})
		data.StageRows = append(data.StageRows, countRow{Label: num(i+1) + " · " + name, N: num(n)})
	}
	title = t(bot.T("web.stats.stages"))
	data.Stages = barChart("chart-stages", title, t(bot.T("web.stats.chart", "what", bot.S(title))), labels, values, stacks, []string{"stage"})

	// Time to each step: the median of each quarter, three bars a quarter.
	labels, values, stacks = nil, nil, nil
	steps := []struct {
		key string
		of  func(q bot.QuarterTimes) bot.Spread
	}{
		{"initial", func(q bot.QuarterTimes) bot.Spread { return q.Initial }},
		{"final", func(q bot.QuarterTimes) bot.Spread { return q.FinalGo }},
		{"resolved", func(q bot.QuarterTimes) bot.Spread { return q.Resolved }},
	}
	for _, q := range st.Quarters {
		qname := t(bot.T("web.stats.quarter.name", "q", bot.N((int(q.Quarter.Month())-1)/3+1), "year", bot.C(d.opt.Catalog.Digits(lang, q.Quarter.Year()))))
		for _, step := range steps {
			s := step.of(q)
			stepName := t(bot.T("stats.step." + step.key))
			row := timeRow{Quarter: qname, Step: stepName, N: num(s.N), Median: t(bot.T("web.stats.none")), Spread: ""}
			if s.N > 0 {
				row.Median = t(span(s.Median))
				row.Spread = t(bot.T("web.stats.spread.range", "from", bot.X(span(s.P25)), "to", bot.X(span(s.P75))))
			}
			data.TimeRows = append(data.TimeRows, row)
			labels = append(labels, "")
			values = append(values, qname+", "+stepName+": "+row.Median)
			stacks = append(stacks, []float64{s.Median.Hours() / 24})
		}
		labels[len(labels)-2] = qname
	}
	title = t(bot.T("web.stats.times"))
	data.Times = barChart("chart-times", title, t(bot.T("web.stats.chart", "what", bot.S(title))), labels, values, stacks, []string{"step"})
	for i := range data.Times.Bars {
		data.Times.Bars[i].Segments = recolour(data.Times.Bars[i].Segments, "s-"+steps[i%len(steps)].key)
	}
	for _, step := range steps {
		data.Times.Legend = append(data.Times.Legend, legend{Class: "s-" + step.key, Label: t(bot.T("stats.step." + step.key))})
	}

	// Ratings.
	labels, values, stacks = nil, nil, nil
	for i, n := range st.Ratings {
		labels = append(labels, num(i+1))
		values = append(values, num(i+1)+": "+num(n))
		stacks = append(stacks, []float64{float64(n)})
		data.RatingRows = append(data.RatingRows, countRow{Label: num(i + 1), N: num(n)})
	}
	title = t(bot.T("web.stats.ratings"))
	data.Ratings = barChart("chart-ratings", title, t(bot.T("web.stats.chart", "what", bot.S(title))), labels, values, stacks, []string{"rating"})

	d.render(w, r, http.StatusOK, "stats", p, data)
}

func recolour(ss []segment, class string) []segment {
	for i := range ss {
		ss[i].Class = class
	}
	return ss
}

// span writes a duration as the chat's statistics do: hours under three
// days, days after.
func span(d time.Duration) bot.Text {
	days := d.Hours() / 24
	if days < 3 {
		return bot.T("duration.hours").Plural(int(d.Hours() + 0.5))
	}
	return bot.T("duration.days").Plural(int(days + 0.5))
}
