package locales

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/wmse/helpdesk/bot"
)

// sampleNumbers returns, for each CLDR cardinal category of tag, the
// smallest whole number go-i18n files under it (CLDR's sample numbers:
// 0 zero, 1 one, 2 two, 3 few, 11 many in Arabic; 1000000 many in Spanish).
func sampleNumbers(tb testing.TB, tag language.Tag) map[string]int {
	tb.Helper()
	b := i18n.NewBundle(tag)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		tb.Fatal(err)
	}
	loc := i18n.NewLocalizer(b, tag.String())
	out := map[string]int{}
	for _, n := range append(rangeN(1101), 1000000) {
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			tb.Fatal(err)
		}
		if _, ok := out[s]; !ok {
			out[s] = n
		}
	}
	return out
}

func rangeN(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// countNoun is a count written as digits before a word: in Arabic the
// one and two forms must say "one X" and use the dual ("حالة واحدة",
// "حالتان"), never "١ حالة" or "٢ حالة".
var countNoun = regexp.MustCompile(`(^|[^\p{N}])[١٢] \p{Arabic}`)

// Every plural form of every message, in every language, is rendered with
// a number of its own category, through the real catalog: the form chosen
// is the one written for that number, it renders whole, and (Arabic) the
// one and two forms name the count in words.
func TestEveryPluralFormRendersForItsNumbers(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, lang := range c.Supported() {
		l := c.exact(lang)
		samples := sampleNumbers(t, l.tag)
		ids := make([]string, 0, len(l.messages))
		for id := range l.messages {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fs := forms(l.messages[id])
			if len(fs) < 2 {
				continue
			}
			args := []any{}
			data := map[string]string{}
			for _, p := range l.fields[id] {
				if p == "Count" {
					continue
				}
				args = append(args, p, bot.C("X"))
				data[p] = "X"
			}
			for form, tmpl := range fs {
				n, ok := samples[form]
				if !ok {
					t.Errorf("%s %s: form %q, which no number reaches in %s", lang, id, form, lang)
					continue
				}
				got := c.Text(lang, bot.T(id, args...).Plural(n), Style{})
				data["Count"] = l.printer.Sprintf("%d", n)
				want := execute(t, tmpl, data)
				if StripIsolates(got) != StripIsolates(want) {
					t.Errorf("%s %s with %d (%s):\n  got  %q\n  want %q", lang, id, n, form, got, want)
				}
				if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("%s %s with %d: %q", lang, id, n, got)
				}
				if lang == "ar" && (form == "one" || form == "two") && countNoun.MatchString(StripIsolates(got)) {
					t.Errorf("ar %s (%s): the count is a digit before its noun: %q", id, form, got)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d plural forms checked", checked)
	}
	t.Logf("%d plural forms rendered", checked)
}

func execute(t *testing.T, tmpl string, data map[string]string) string {
	t.Helper()
	tp, err := template.New("").Parse(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tp.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
