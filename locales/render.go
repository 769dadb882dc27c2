package locales

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
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
	// Command shows one of the helpdesk's commands (a bot.Cmd: "take #3")
	// as it is typed on the platform. Nil shows "/helpdesk take #3".
	Command func(line string) string
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
// escaped, Code is shown as it is, Cmd by st.Command (else as
// "/helpdesk " and the command), Num is formatted for the language, Time
// is shown in the catalog's time zone as the language writes dates, Person by st.Person,
// Text in turn, List as its texts joined by the language's list pattern
// (list.two, list.start, list.middle, list.end: "a, b and c"), Lang as the
// language's name in the reader's language. t.Count picks the plural form
// and, unless t.Args has a "Count" of its own, is the field Count.
//
// Direction: every Str, person and quote argument is wrapped in a first
// strong isolate (U+2068 … U+2069) in every language, so that an Arabic
// title keeps its order in an English card and a Latin one in an Arabic
// card. In a right-to-left language a Code or Cmd argument (a command, a case
// number, a link) is a left-to-right isolate, and so is every command,
// "#N" and web address written literally in the message's own text; a
// date is one isolate, never one per field.
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
	l := c.resolve(lang)
	out := c.render(l, t, st, 0)
	if l.rtl {
		out = isolateLiterals(out)
	}
	return out
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
	case a.Lang != "":
		return l.isolate(c.langName(l, a.Lang))
	case a.Str != "":
		return l.isolate(st.Escape(a.Str))
	case a.Code != "":
		return l.isolateLTR(a.Code)
	case a.Cmd != "":
		if st.Command != nil {
			return l.isolateLTR(st.Command(a.Cmd))
		}
		return l.isolateLTR("/helpdesk " + a.Cmd)
	case a.Num != nil:
		return l.printer.Sprintf("%d", *a.Num)
	case a.Time != nil:
		return c.date(l, *a.Time, st, depth)
	case a.Person != nil && a.Person.ID.Erased():
		// Someone whose data was erased is named by the catalog, with
		// the pseudonym's start to tell two of them apart; never mentioned.
		tag := a.Person.ID.Local()
		if len(tag) > 6 {
			tag = tag[:6]
		}
		return c.nested(l, bot.T("person.erased", "tag", bot.C(tag)), st, depth+1)
	case a.Person != nil:
		return l.isolate(st.Person(*a.Person))
	case a.Text != nil:
		return c.nested(l, *a.Text, st, depth+1)
	case a.List != nil:
		parts := make([]string, len(a.List))
		for i, t := range a.List {
			parts[i] = c.nested(l, t, st, depth+1)
		}
		return c.list(l, parts, st, depth)
	}
	return ""
}

// list joins items the way the language writes a list: list.two for two,
// else list.start for the first two, list.middle for each next and list.end
// for the last, as CLDR's list patterns ("a, b, c and d"). A catalog
// without the patterns joins with ", ".
//
// Two rules of the joiner:
//   - When an item holds the list's own "and" as a word ("Project planning
//     and feedback"), the items are quoted with list.quoted, so that two
//     groups do not read as four: “Project planning and feedback” and
//     “Evaluation and research”.
//   - Spanish writes e for y before a word that begins with the sound /i/
//     (i-, hi-, but not the diphthongs hia-, hie-, hio-, hiu-):
//     Comunicación e Implementación, Ana e Isabel, but agua y hielo.
func (c *Catalog) list(l *locale, items []string, st Style, depth int) string {
	if len(items) < 2 || !c.Has("list.two") || depth > maxDepth {
		return strings.Join(items, ", ")
	}
	localize := func(id string, data map[string]string) (string, bool) {
		s, err := l.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		return s, err == nil || s != ""
	}
	join := func(id, a, b string) string {
		s, ok := localize(id, map[string]string{"a": a, "b": b})
		if !ok {
			return a + ", " + b
		}
		return s
	}
	if c.Has("list.quoted") && c.ambiguous(l, items) {
		quoted := make([]string, len(items))
		for i, it := range items {
			q, ok := localize("list.quoted", map[string]string{"item": it})
			if !ok {
				q = it
			}
			quoted[i] = q
		}
		items = quoted
	}
	last := func(id, a, b string) string {
		s := join(id, a, b)
		if spanish(l) && beginsWithI(b) {
			if head, ok := strings.CutSuffix(s, " y "+b); ok {
				s = head + " e " + b
			}
		}
		return s
	}
	if len(items) == 2 {
		return last("list.two", items[0], items[1])
	}
	out := join("list.start", items[0], items[1])
	for _, it := range items[2 : len(items)-1] {
		out = join("list.middle", out, it)
	}
	return last("list.end", out, items[len(items)-1])
}

// ambiguous reports whether an item holds, as a word, the "and" that the
// language's list patterns put between items (and, och, y or e, et, ja…).
func (c *Catalog) ambiguous(l *locale, items []string) bool {
	var ands []string
	for _, id := range []string{"list.two", "list.end"} {
		m := l.messages[id]
		if m == nil {
			m = c.english.messages[id]
		}
		if m == nil {
			continue
		}
		between := strings.NewReplacer("{{.a}}", " ", "{{.b}}", " ").Replace(m.Other)
		ands = append(ands, strings.FieldsFunc(between, notLetter)...)
	}
	if spanish(l) {
		ands = append(ands, "e") // the y of the list, before /i/
	}
	for _, it := range items {
		for _, w := range strings.FieldsFunc(StripIsolates(it), notLetter) {
			for _, and := range ands {
				if strings.EqualFold(w, and) {
					return true
				}
			}
		}
	}
	return false
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) }

// spanish reports whether l is a Spanish of any region.
func spanish(l *locale) bool {
	base, _ := l.tag.Base()
	return base.String() == "es"
}

// beginsWithI reports whether the first word of s begins with the sound
// /i/ as Spanish writes it: i or hi (with or without an accent), but not
// hi before another vowel, where the i is a glide (hielo, hiato, hioides,
// hiuano). What is not a letter before the word (quotes, isolates,
// markup) is skipped.
func beginsWithI(s string) bool {
	var word []rune
	for _, r := range strings.ToLower(s) {
		if notLetter(r) {
			if len(word) > 0 {
				break
			}
			continue
		}
		word = append(word, r)
		if len(word) == 3 {
			break
		}
	}
	isI := func(i int) bool { return i < len(word) && (word[i] == 'i' || word[i] == 'í') }
	switch {
	case isI(0):
		return true
	case len(word) >= 2 && word[0] == 'h' && isI(1):
		return word[1] == 'í' || len(word) < 3 || !strings.ContainsRune("aeouáéóú", word[2])
	}
	return false
}

// langName is the name of a language in the reader's language, as it is
// written inside a sentence (CLDR's display names: "Swedish", "svenska",
// "ruotsi", "السويدية"); a tag it cannot name is shown as it is.
func (c *Catalog) langName(l *locale, tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.Tags(l.tag).Name(t); n != "" {
		return n
	}
	return tag
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
	dl := c.dateLayout(l)
	zone, _ := t.Zone()
	day := dl.number(t.Day(), 1)
	if t.Day() == 1 && dl.first != "" {
		day = dl.first // "1er juin", "1º de junho"
	}
	fields := [6]string{day, dl.months[t.Month()-1], dl.number(t.Year(), 1), dl.number(t.Hour(), 2), dl.number(t.Minute(), 2), zone}
	var b strings.Builder
	for _, r := range dl.format {
		if r >= dateMark && r < dateMark+rune(len(fields)) {
			b.WriteString(fields[r-dateMark])
		} else {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if l.rtl {
		return fsi + out + pdi
	}
	return out
}

// dateMark and the five characters after it stand for the fields of
// date.format (day, month, year, hour, minute, zone) while the locale's
// layout is worked out: characters of Unicode's private use area, which
// no message holds.
const dateMark = '\uE000'

func mark(i int) bot.Arg { return bot.C(string(dateMark + rune(i))) }

// dateLayout is how a locale writes dates: date.format rendered once with
// a mark for each field, the names of the months, the first of a month,
// and the locale's digits. Rendering date.format and its nested texts for
// every date cost a dozen template executions a date.
type dateLayout struct {
	format string
	months [12]string
	first  string
	digits [10]string
}

// number writes n with at least width digits, in the locale's digits.
func (dl *dateLayout) number(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if dl.digits[0] == "0" {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteString(dl.digits[r-'0'])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *Catalog) dateLayout(l *locale) *dateLayout {
	l.dates.once.Do(func() {
		st := Style{Escape: func(s string) string { return s }, Person: func(p bot.Person) string { return p.Name }}
		// The fields are not isolated one by one: in a right-to-left line
		// two isolates around ":" are laid out right to left, and 18:05
		// would read 05:18. The digits and the colon make one number run;
		// the whole date is one isolate (see date).
		plain := *l
		plain.rtl = false
		dl := &dateLayout{}
		dl.format = c.render(&plain, bot.T("date.format",
			"day", mark(0), "month", mark(1), "year", mark(2), "hour", mark(3), "minute", mark(4), "zone", mark(5)), st, 1)
		for m := range 12 {
			dl.months[m] = c.render(&plain, bot.T(fmt.Sprintf("date.month.%d", m+1)), st, 1)
		}
		if c.Has("date.day.1") {
			dl.first = c.render(&plain, bot.T("date.day.1"), st, 1)
		}
		for d := range 10 {
			dl.digits[d] = l.printer.Sprint(number.Decimal(d))
		}
		l.dates.layout = dl
	})
	return l.dates.layout
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

// isolate wraps user text (and other text whose direction is its own) in a
// first strong isolate, in every language: an Arabic title in an English
// card, or a Latin name in an Arabic one, keeps its own order and does not
// reorder the line around it.
func (l *locale) isolate(s string) string {
	if s == "" {
		return s
	}
	return fsi + s + pdi
}

// StripIsolates removes the direction isolates (U+2066 … U+2069) the
// catalog puts around arguments: for a display that lays out no
// bidirectional text (most terminals), and for tests that read the words.
func StripIsolates(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, s)
}

// NeutraliseBidi removes the explicit direction controls from text a
// person wrote — the embeddings and overrides (U+202A … U+202E) and the
// isolates (U+2066 … U+2069) — so that what they typed cannot reorder
// what is shown around it or itself ("Invoice\u202Egpj.exe" reading as
// "Invoice exe.jpg"). The marks (U+200E, U+200F) stay: they change no
// order but that of the neutral characters beside them, and right-to-left
// writers use them.
func NeutraliseBidi(s string) string {
	if !strings.ContainsFunc(s, bidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bidiControl(r) {
			return -1
		}
		return r
	}, s)
}

func bidiControl(r rune) bool { return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 }

// literalRE finds what a translation writes literally and must read left
// to right in a right-to-left line: a command with its arguments ("/helpdesk
// status #N", "/as rita ar", "/react m12 EMOJI"), a case number, a channel
// ("#{{.group}}", the # and the isolated name as one), a web address. A command's words may be arguments already isolated (the "#12"
// of "/helpdesk status {{.id}}"), and a command may be an argument followed
// by literal words ("{{.cmd}} none"), and an argument in brackets may be a
// translated word ("[الموضوع]"): the whole run is one literal.
var literalRE = regexp.MustCompile(
	`(?:/[a-z][a-z-]*|\x{2066}/[^\x{2069}]*\x{2069})(?: (?:\[[^\]\s]+\]|[A-Za-z0-9#@:_.,|…\-\[\]]+|\x{2066}[^\x{2069}]*\x{2069}))*` +
		`|#(?:\d+|N)\b|#\x{2066}[^\x{2069}]*\x{2069}|https?://[^\s\x{2066}-\x{2069}]+`)

// isolateLiterals wraps, in a right-to-left message, each literal command,
// case number and address that is not already inside an isolate in a
// left-to-right isolate; trailing sentence punctuation stays outside.
func isolateLiterals(s string) string {
	inside := make([]bool, len(s)+1) // bytes inside an isolate
	depth := 0
	for i, r := range s {
		inside[i] = depth > 0
		switch r {
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			if depth > 0 {
				depth--
			}
		}
	}
	var b strings.Builder
	last := 0
	for _, m := range literalRE.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		for end > start && strings.ContainsRune(".,:;!?…", rune(s[end-1])) {
			end--
		}
		run := s[start:end]
		if run == "" || inside[start] || isOneIsolate(run) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(lri + run + pdi)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// isOneIsolate reports whether s is a single isolate, from its opening to
// its matching close.
func isOneIsolate(s string) bool {
	if !strings.HasPrefix(s, lri) || !strings.HasSuffix(s, pdi) {
		return false
	}
	depth := 0
	for i, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			depth--
			if depth == 0 && i+len(pdi) < len(s) {
				return false
			}
		}
	}
	return true
}

// Date writes t as the language writes a date and time, in the catalog's
// time zone, without markup (the web dashboard's cells).
func (c *Catalog) Date(lang string, t time.Time) string {
	return c.date(c.resolve(lang), t, Style{Escape: func(s string) string { return s }}, 0)
}

// Number writes n in the language's digits.
func (c *Catalog) Number(lang string, n int) string {
	return c.resolve(lang).printer.Sprintf("%d", n)
}

// Digits writes n in the language's digits without grouping (a year).
func (c *Catalog) Digits(lang string, n int) string {
	return c.dateLayout(c.resolve(lang)).number(n, 1)
}

// Decimal writes x rounded to places decimals in the language's digits,
// decimal separator and grouping ("2.5", "2,5", "٢٫٥", "২.৫").
func (c *Catalog) Decimal(lang string, x float64, places int) string {
	return c.resolve(lang).printer.Sprint(number.Decimal(round(x, places), number.Scale(places)))
}

// round rounds x to places decimals, half away from zero, so that the
// number written and the plural form picked agree.
func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}

// Quantity renders the plural message id for x written with places
// decimals: the form is the one CLDR's rules give the number as written
// ("1.0 days" and "2.5 days" in English, "1,5 jour" in French), and its
// Count is the number as Decimal writes it.
func (c *Catalog) Quantity(lang, id string, x float64, places int) string {
	if !c.Has(id) {
		return "[" + id + "]"
	}
	l := c.resolve(lang)
	cfg := &i18n.LocalizeConfig{MessageID: id,
		PluralCount:  strconv.FormatFloat(round(x, places), 'f', places, 64),
		TemplateData: map[string]string{"Count": c.Decimal(lang, x, places)}}
	s, err := l.localizer.Localize(cfg)
	if err != nil && s == "" {
		return "[" + id + "]"
	}
	return s
}
