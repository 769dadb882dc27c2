package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The statistics as a person sees them in the browser: the texts of a
// chart read where Chromium laid their words out, not in the order they
// are written in the page.

// placedText is a text of an SVG chart as laid out: its words with the
// horizontal extent Chromium gave each, and the centre of the whole.
type placedText struct {
	Words []placedWord `json:"words"`
	X     float64      `json:"x"`
	Y     float64      `json:"y"`
}

type placedWord struct {
	W   string  `json:"w"`
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// readSVG is the script that lays out the texts a selector matches: each
// word's characters' extents (SVGTextContentElement.getExtentOfChar), the
// direction isolates and spaces left out.
const readSVG = `Array.from(document.querySelectorAll(%q)).map(el => {
	const s = el.textContent, n = el.getNumberOfChars(), words = [];
	let cur = null;
	for (let i = 0; i < n; i++) {
		const c = s[i];
		if (/\s/.test(c) || (c >= '\u2066' && c <= '\u2069')) { if (cur) { words.push(cur); cur = null; } continue; }
		const r = el.getExtentOfChar(i);
		if (!cur) cur = {w: '', min: Infinity, max: -Infinity};
		cur.w += c; cur.min = Math.min(cur.min, r.x); cur.max = Math.max(cur.max, r.x + r.width);
	}
	if (cur) words.push(cur);
	const b = el.getBBox();
	return {words: words, x: b.x + b.width / 2, y: b.y + b.height / 2};
})`

// seen reads the texts a selector matches as a reader of a page of
// direction dir takes them in: each text's words from the left, or from
// the right; the texts ordered by order.
func seen(t *testing.T, ctx context.Context, selector, dir string, order func(a, b placedText) int) []string {
	t.Helper()
	texts := read(t, ctx, "read "+selector, chromedp.Evaluate[[]placedText](fmt.Sprintf(readSVG, selector)))
	slices.SortStableFunc(texts, order)
	var out []string
	for _, pt := range texts {
		ws := pt.Words
		slices.SortFunc(ws, func(a, b placedWord) int {
			d := a.Min - b.Min
			if dir == "rtl" {
				d = -d
			}
			switch {
			case d < 0:
				return -1
			case d > 0:
				return 1
			}
			return 0
		})
		var words []string
		for _, w := range ws {
			words = append(words, w.W)
		}
		out = append(out, strings.Join(words, " "))
	}
	return out
}

// bottomUp orders the values of a y axis from the baseline up.
func bottomUp(a, b placedText) int {
	switch {
	case a.Y > b.Y:
		return -1
	case a.Y < b.Y:
		return 1
	}
	return 0
}

// inReading orders the labels under the bars as the reader meets them:
// from the left, or from the right; the first line before the second.
func inReading(dir string) func(a, b placedText) int {
	return func(a, b placedText) int {
		if math.Abs(a.X-b.X) > 1 {
			if (a.X < b.X) == (dir == "ltr") {
				return -1
			}
			return 1
		}
		if a.Y < b.Y {
			return -1
		}
		return 1
	}
}

// checkStats reads the statistics page open in ctx, in lang: the
// requests chart's axis carries 0, 1 and 2 cases (the shell's two
// requests of this month) in the reader's digits, its month has its year
// under it, and the time chart's quarter reads as the table beside it
// writes it (#24: in Arabic it read "٢٠٢٦ الربع ٤ من").
func checkStats(t *testing.T, ctx context.Context, lang string, say func(lang, id string, kv ...any) string, digits func(n int) string) {
	t.Helper()
	dir := read(t, ctx, "dir", chromedp.AttributeValue(chromedp.CSS("html"), "dir")).Value
	axis := seen(t, ctx, "#svg-chart-months text.tick", dir, bottomUp)
	if want := []string{digits(0), digits(1), digits(2)}; !slices.Equal(axis, want) {
		t.Errorf("%s: the requests chart's axis reads %q, want %q", lang, axis, want)
	}
	if unit := seen(t, ctx, "#svg-chart-months text.unit", dir, bottomUp); !slices.Equal(unit, []string{say(lang, "web.stats.unit.cases")}) {
		t.Errorf("%s: the requests chart's unit reads %q", lang, unit)
	}
	month := seen(t, ctx, "#svg-chart-months text.label", dir, inReading(dir))
	row := strings.Fields(text(t, ctx, "section[aria-labelledby=months] tbody th"))
	if len(month) != 2 || len(row) == 0 || month[1] != row[len(row)-1] {
		t.Errorf("%s: under the month's bar %q, want its number and the year of %q", lang, month, row)
	}
	quarters := seen(t, ctx, "#svg-chart-times text.label", dir, inReading(dir))
	cell := text(t, ctx, "section[aria-labelledby=times] tbody th")
	if len(quarters) != 1 || quarters[0] != cell {
		t.Errorf("%s: the time chart's quarter reads %q, the table's %q", lang, quarters, cell)
	}
	// In days or hours with a decimal: the axis of the time in each stage
	// has a unit, and values in the reader's digits.
	if unit := seen(t, ctx, "#svg-chart-in-stage text.unit", dir, bottomUp); len(unit) != 1 ||
		unit[0] != say(lang, "web.stats.unit.hours") && unit[0] != say(lang, "web.stats.unit.days") {
		t.Errorf("%s: the time in each stage has the unit %q", lang, unit)
	}
	if ticks := seen(t, ctx, "#svg-chart-in-stage text.tick", dir, bottomUp); len(ticks) < 2 || !strings.HasPrefix(ticks[0], digits(0)) {
		t.Errorf("%s: the time in each stage's axis reads %q", lang, ticks)
	}
}
