package locales

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/number"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/wmse/helpdesk/bot"
)

// Style is an adapter's markup.
type Style struct {
	// Escape makes words a person wrote safe to show: it neutralizes the
	// platform's markup and mentions. Nil leaves text as it is.
	Escape func(string) string
	// Person shows a person: a mention, or their name. Nil shows the name,
	// escaped by Escape.
	Person func(p bot.Person) string
}

// TimeLayout is how times are shown, in the catalog's time zone.
const TimeLayout = "2006-01-02 15:04 MST"

// Bidirectional isolates: FSI (first strong isolate) … PDI (pop
// directional isolate). Around user text in a right-to-left message they
// keep a left-to-right name or title from reordering the line around it.
const (
	fsi = "\u2068"
	lri = "\u2066" // left-to-right isolate, for literals known to be LTR
	pdi = "\u2069"
)

// maxDepth bounds nested texts, so a Text that contains itself cannot
// exhaust the stack.
const maxDepth = 16

// Text renders t in the language that best serves lang (English when none
// does) with the markup of st.
//
// A quote (t.ID == "") is st.Escape(t.Quote). Otherwise the message t.ID
// is localized, in English if lang lacks it, and a message English lacks
// too is shown as "[id]". Its arguments become template fields: Str is
// escaped, Code is shown as it is, Num is formatted for the language, Time
// is shown in the catalog's time zone as the language writes dates, Person by st.Person,
// Text in turn, List as its texts joined with ", ". t.Count picks the
// plural form and, unless t.Args has a "Count" of its own, is the field
// Count. In a right-to-left language every Str, person and quote argument
// is wrapped in Unicode isolates (U+2068 … U+2069).
func (c *Catalog) Text(lang string, t bot.Text, st Style) string {
	if st.Escape == nil {
		st.Escape = func(s string) string { return s }
	}
	if st.Person == nil {
		escape := st.Escape
		st.Person = func(p bot.Person) string { return escape(p.Name) }
	}
	if t.ID == "" {
		return st.Escape(t.Quote)
	}
	return c.render(c.resolve(lang), t, st, 0)
}

// render localizes t, whose ID is set.
func (c *Catalog) render(l *locale, t bot.Text, st Style, depth int) string {
	if !c.Has(t.ID) {
		return "[" + t.ID + "]"
	}
	data := make(map[string]string, len(t.Args)+1)
	for k, a := range t.Args {
		data[k] = c.arg(l, a, st, depth)
	}
	cfg := &i18n.LocalizeConfig{MessageID: t.ID, TemplateData: data}
	if t.Count != nil {
		cfg.PluralCount = *t.Count
		if _, ok := data["Count"]; !ok {
			data["Count"] = l.printer.Sprintf("%d", *t.Count)
		}
	}
	// go-i18n returns text and an error together when it falls back: to
	// English for a message the language lacks, to the other form for a
	// plural form it lacks. The text is what we want; Missing and the
	// parity test report the gaps.
	s, err := l.localizer.Localize(cfg)
	if err != nil && s == "" {
		return "[" + t.ID + "]"
	}
	return s
}

// arg renders one argument of a text in l.
func (c *Catalog) arg(l *locale, a bot.Arg, st Style, depth int) string {
	switch {
	case a.Str != "":
		return l.isolate(st.Escape(a.Str))
	case a.Code != "":
		return l.isolateLTR(a.Code)
	case a.Num != nil:
		return l.printer.Sprintf("%d", *a.Num)
	case a.Time != nil:
		return c.date(l, *a.Time, st, depth)
	case a.Person != nil:
		return l.isolate(st.Person(*a.Person))
	case a.Text != nil:
		return c.nested(l, *a.Text, st, depth+1)
	case a.List != nil:
		parts := make([]string, len(a.List))
		for i, t := range a.List {
			parts[i] = c.nested(l, t, st, depth+1)
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// nested renders a text that is an argument of another. A quote inside a
// message is user text like a Str argument.
func (c *Catalog) nested(l *locale, t bot.Text, st Style, depth int) string {
	if depth > maxDepth {
		return "[…]"
	}
	if t.ID == "" {
		return l.isolate(st.Escape(t.Quote))
	}
	return c.render(l, t, st, depth)
}

// date shows a moment in the catalog's time zone the way the language
// writes dates: its own pattern and month names (date.format,
// date.month.N) and its own digits. A catalog without date.format shows
// TimeLayout.
func (c *Catalog) date(l *locale, t time.Time, st Style, depth int) string {
	t = t.In(c.loc.Load())
	if !c.Has("date.format") || depth > maxDepth {
		return t.Format(TimeLayout)
	}
	digits := func(n, width int) bot.Arg {
		return bot.C(l.printer.Sprint(number.Decimal(n, number.NoSeparator(), number.MinIntegerDigits(width))))
	}
	zone, _ := t.Zone()
	d := bot.T("date.format",
		"day", digits(t.Day(), 1),
		"month", bot.X(bot.T(fmt.Sprintf("date.month.%d", int(t.Month())))),
		"year", digits(t.Year(), 1),
		"hour", digits(t.Hour(), 2),
		"minute", digits(t.Minute(), 2),
		"zone", bot.C(zone))
	return c.render(l, d, st, depth+1)
}

// isolateLTR wraps a left-to-right literal (a case number, a command, a
// link) in a left-to-right isolate (U+2066 … U+2069) in a right-to-left
// language, so that "#12" or "/helpdesk status #12" keeps its order inside
// an Arabic sentence.
func (l *locale) isolateLTR(s string) string {
	if !l.rtl || s == "" {
		return s
	}
	return lri + s + pdi
}

// isolate wraps user text in bidirectional isolates in a right-to-left
// language.
func (l *locale) isolate(s string) string {
	if !l.rtl || s == "" {
		return s
	}
	return fsi + s + pdi
}
