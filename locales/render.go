package locales

import (
	"strings"

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
// is shown in the catalog's time zone as TimeLayout, Person by st.Person,
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
		return a.Code
	case a.Num != nil:
		return l.printer.Sprintf("%d", *a.Num)
	case a.Time != nil:
		return a.Time.In(c.loc.Load()).Format(TimeLayout)
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

// isolate wraps user text in bidirectional isolates in a right-to-left
// language.
func (l *locale) isolate(s string) string {
	if !l.rtl || s == "" {
		return s
	}
	return fsi + s + pdi
}
