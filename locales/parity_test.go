package locales

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// TestLocaleFiles checks the real, embedded message files against English:
// every locale has language.autonym and every English message, with the
// same placeholders, and no message English lacks; a plural message has
// exactly the plural forms its language uses. It reports every problem.
func TestLocaleFiles(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	for _, p := range parity(t, c) {
		t.Error(p)
	}
}

// parity lists the problems of the translations of c, sorted.
func parity(tb testing.TB, c *Catalog) []string {
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	en := c.english
	for _, name := range c.Supported() {
		l := c.locales[name]
		if m := l.messages[AutonymID]; m == nil {
			report("%s.toml: no %s", name, AutonymID)
		}
		categories := cardinalForms(tb, l.tag)
		for _, id := range c.IDs() {
			m := l.messages[id]
			if m == nil {
				if id != AutonymID { // reported above
					report("%s.toml: missing %s", name, id)
				}
				continue
			}
			// The placeholders are compared across all forms together, not
			// form by form: a form may leave the count out ("one case",
			// Arabic "two cases" in one word), but every English field
			// must appear in the translation and no other may.
			want, got := c.Placeholders("en", id), c.Placeholders(name, id)
			if !slices.Equal(got, want) {
				report("%s.toml: %s uses placeholders %q, English %q", name, id, got, want)
			}
			has := slices.Sorted(maps.Keys(forms(m)))
			if en.messages[id].One != "" {
				if !slices.Equal(has, categories) {
					report("%s.toml: %s has plural forms %q, %s needs %q", name, id, has, name, categories)
				}
			} else if !slices.Equal(has, []string{"other"}) {
				report("%s.toml: %s has forms %q, but English is not plural: give only other", name, id, has)
			}
		}
		for id := range l.messages {
			if !c.Has(id) {
				report("%s.toml: %s is not an English message", name, id)
			}
		}
	}
	slices.Sort(problems)
	return problems
}

func TestParityReportsEveryProblem(t *testing.T) {
	c, err := New(fstest.MapFS{
		"en.toml": {Data: []byte(`
"language.autonym" = "English"
"a" = "{{.title}} by {{.by}}"
"b" = "plain"
"c" = "also plain"
[n]
one = "one case"
other = "{{.Count}} cases"
`)},
		"sv.toml": {Data: []byte(`
"a" = "{{.titel}} av {{.by}}"
"c" = "ok"
"old" = "gammal"
[b]
one = "en"
other = "flera"
[n]
one = "ett ärende"
few = "{{.Count}} ärenden"
other = "{{.Count}} ärenden"
`)},
		"es.toml": {Data: []byte(`
"language.autonym" = "Español"
"a" = "{{.title}} por {{.by}}"
"b" = "simple"
"c" = "también"
[n]
one = "un caso"
other = "{{.Count}} casos"
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`es.toml: n has plural forms ["one" "other"], es needs ["many" "one" "other"]`,
		`sv.toml: a uses placeholders ["by" "titel"], English ["by" "title"]`,
		`sv.toml: b has forms ["one" "other"], but English is not plural: give only other`,
		`sv.toml: n has plural forms ["few" "one" "other"], sv needs ["one" "other"]`,
		`sv.toml: no language.autonym`,
		`sv.toml: old is not an English message`,
	}
	if got := parity(t, c); !slices.Equal(got, want) {
		t.Errorf("parity =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// cardinalForms returns, sorted, the CLDR cardinal plural categories of
// tag as go-i18n, which picks the forms at run time, knows them.
//
// go-i18n's rules (with their exact PluralForms sets) live in an internal
// package. golang.org/x/text/feature/plural is public but has older CLDR
// data: it lacks the "many" that es, pt and fr use for 1000000, which
// go-i18n picks. So ask go-i18n itself through its public API: a probe
// message whose every form says its own name, localized for numbers that
// reach every category of every CLDR rule (integers 0–1100, millions, and
// decimals for the categories only fractions reach, like Russian "other"
// or Lithuanian "many"). Categories are required even if only decimals
// reach them: CLDR lists them and go-i18n expects them.
func cardinalForms(tb testing.TB, tag language.Tag) []string {
	tb.Helper()
	b := i18n.NewBundle(tag)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		tb.Fatalf("plural rule for %s: %v", tag, err)
	}
	loc := i18n.NewLocalizer(b, tag.String())
	var samples []any
	for n := range 1101 {
		samples = append(samples, n)
	}
	samples = append(samples, 1000000, 1000001, 2000000, 10000000)
	for n := range 300 {
		samples = append(samples, fmt.Sprintf("%d.%d", n/10, n%10))
	}
	samples = append(samples, "0.00", "1.00", "1.50", "0.01", "2.05", "10.25")
	seen := map[string]bool{}
	for _, n := range samples {
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			tb.Fatalf("probe %s with %v: %v", tag, n, err)
		}
		seen[s] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

func TestCardinalForms(t *testing.T) {
	for tag, want := range map[string]string{
		"en":    "one other",
		"sv":    "one other",
		"ja":    "other",
		"es":    "many one other",
		"pt-BR": "many one other",
		"ru":    "few many one other",
		"lt":    "few many one other",
		"ar":    "few many one other two zero",
	} {
		got := strings.Join(cardinalForms(t, language.MustParse(tag)), " ")
		if got != want {
			t.Errorf("cardinalForms(%s) = %s, want %s", tag, got, want)
		}
	}
}
