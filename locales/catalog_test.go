package locales

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/text/language"

	"github.com/wmse/helpdesk/bot"
)

// MustFixtures loads the fixture catalog in testdata/: en, sv, es, pt-BR, ar.
func MustFixtures(tb testing.TB) *Catalog {
	tb.Helper()
	c, err := New(os.DirFS("testdata"))
	if err != nil {
		tb.Fatalf("load fixtures: %v", err)
	}
	return c
}

// markdown is a Style like a chat platform's: user text loses its markup
// and cannot ping, a person is a mention.
var markdown = Style{
	Escape: strings.NewReplacer("*", `\*`, "_", `\_`, "@", "@\u200b").Replace,
	Person: func(p bot.Person) string { return "<@" + string(p.ID) + ">" },
}

func TestNewNamesFilesByTag(t *testing.T) {
	en := &fstest.MapFile{Data: []byte(`"language.autonym" = "English"` + "\n")}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr string
	}{
		{"region", fstest.MapFS{"en.toml": en, "pt-BR.toml": {Data: []byte(`"status.open" = "aberto"`)}}, ""},
		{"script", fstest.MapFS{"en.toml": en, "zh-Hant.toml": {Data: []byte(`"status.open" = "開放"`)}}, ""},
		{"empty file", fstest.MapFS{"en.toml": en, "sv.toml": {Data: nil}}, ""},
		{"lower-case region", fstest.MapFS{"en.toml": en, "pt-br.toml": en}, "pt-BR.toml"},
		{"underscore", fstest.MapFS{"en.toml": en, "pt_BR.toml": en}, "pt-BR.toml"},
		{"unknown language", fstest.MapFS{"en.toml": en, "xx.toml": en}, "not a language tag"},
		{"prefixed", fstest.MapFS{"en.toml": en, "active.sv.toml": en}, "not a language tag"},
		{"no English", fstest.MapFS{"sv.toml": en}, "no en.toml"},
		{"bad template", fstest.MapFS{"en.toml": {Data: []byte(`"a.b" = "{{.x"`)}}, "message a.b"},
		{"bad TOML", fstest.MapFS{"en.toml": {Data: []byte(`"a.b" = `)}}, "en.toml"},
		{"mixed keys", fstest.MapFS{"en.toml": {Data: []byte("[case]\nother = \"x\"\nopened = \"y\"\n")}}, "en.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.fsys)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegionalFileIsUsed(t *testing.T) {
	c := MustFixtures(t)
	// go-i18n reads the tag from the file name pt-BR.toml: the message is
	// found under pt-BR, not English's "open".
	if got := c.Text("pt-BR", bot.T("status.open"), Style{}); got != "aberto" {
		t.Errorf("pt-BR status.open = %q, want aberto", got)
	}
	if got := c.Text("pt-PT", bot.T("status.open"), Style{}); got != "aberto" {
		t.Errorf("pt-PT status.open = %q, want aberto", got)
	}
}

func TestSupported(t *testing.T) {
	c := MustFixtures(t)
	want := []string{"en", "ar", "es", "pt-BR", "sv"}
	if got := c.Supported(); !slices.Equal(got, want) {
		t.Errorf("Supported() = %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	c := MustFixtures(t)
	tests := []struct {
		code   string
		want   string
		wantOK bool
	}{
		{"en", "en", true},
		{"sv", "sv", true},
		{"pt-BR", "pt-BR", true},
		// Discord locales.
		{"en-US", "en", true},
		{"en-GB", "en", true},
		{"sv-SE", "sv", true},
		{"es-419", "es", true},
		{"es-ES", "es", true},
		{"pt-BR", "pt-BR", true},
		{"zh-CN", "en", false},
		// Mattermost locales.
		{"pt-br", "pt-BR", true},
		{"pt_BR", "pt-BR", true},
		{"es_419", "es", true},
		{"SV", "sv", true},
		// Regional fallbacks.
		{"pt-PT", "pt-BR", true},
		{"pt", "pt-BR", true},
		{"sv-FI", "sv", true},
		{"es-MX", "es", true},
		{"ar-EG", "ar", true},
		{"ar-MA", "ar", true},
		{"en-AU", "en", true},
		// Accept-Language lists, in order of preference.
		{"sv-SE,sv;q=0.9,en;q=0.8", "sv", true},
		{"de-DE,de;q=0.9,sv;q=0.5", "sv", true},
		{"en;q=0.2, pt-PT;q=0.8", "pt-BR", true},
		{"xx, es", "es", true},
		{"sv;q=0, es;q=0.1", "es", true},
		// Nothing close enough.
		{"xx", "en", false},
		{"de", "en", false},
		{"de-DE,fr;q=0.5", "en", false},
		{"", "en", false},
		{"*", "en", false},
		{"und", "en", false},
		{"da", "en", false}, // the matcher rates da → nb High, but no nb here
		{"gl", "en", false}, // rated High for es, yet another language
		{"sv;q=0", "en", false},
		{"sv;q=x", "en", false},
		{"i-klingon", "en", false},
	}
	for _, tt := range tests {
		got, ok := c.Match(tt.code)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestMatchOtherLanguageRatedHigh(t *testing.T) {
	// The matcher rates Danish as High for Norwegian Bokmål; Match keeps to
	// the same base language, except for what the matcher calls Exact
	// (the macrolanguage "no" is nb).
	c, err := New(fstest.MapFS{
		"en.toml": {Data: []byte(`"language.autonym" = "English"`)},
		"nb.toml": {Data: []byte(`"language.autonym" = "Norsk bokmål"`)},
		"zh.toml": {Data: []byte(`"language.autonym" = "中文"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		code   string
		want   string
		wantOK bool
	}{
		{"da", "en", false},
		{"no", "nb", true},
		{"nb-NO", "nb", true},
		{"zh-TW", "zh", true}, // Low: another script, same language
		{"zh_CN", "zh", true},
	} {
		if got, ok := c.Match(tt.code); got != tt.want || ok != tt.wantOK {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestAutonym(t *testing.T) {
	c := MustFixtures(t)
	for tag, want := range map[string]string{
		"en": "English", "sv": "Svenska", "ar": "العربية", "pt-BR": "Português",
		"pt_br": "Português", "de": "",
	} {
		if got := c.Autonym(tag); got != want {
			t.Errorf("Autonym(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestTextArgs(t *testing.T) {
	c := MustFixtures(t)
	c.SetLocation(time.FixedZone("CET", 3600))
	when := time.Date(2025, 3, 1, 22, 30, 0, 0, time.UTC)
	ana := bot.Person{ID: "discord:42", Name: "ana_b"}
	tests := []struct {
		name string
		lang string
		text bot.Text
		st   Style
		want string
	}{
		{"Str, Num, Person", "en",
			bot.T("case.opened", "id", bot.N(12345), "by", bot.P(ana), "title", bot.S("Scan *all* @everyone")),
			markdown, "Case 12,345 opened by \u2068<@discord:42>\u2069: \u2068" + `Scan \*all\* @` + "\u200b" + "everyone\u2069"},
		{"nil Person shows the escaped name", "en",
			bot.T("case.opened", "id", bot.N(1), "by", bot.P(ana), "title", bot.S("t")),
			Style{Escape: markdown.Escape}, "Case 1 opened by \u2068ana\\_b\u2069: \u2068t\u2069"},
		{"zero Style", "en",
			bot.T("case.opened", "id", bot.N(1), "by", bot.P(ana), "title", bot.S("*t*")),
			Style{}, "Case 1 opened by \u2068ana_b\u2069: \u2068*t*\u2069"},
		{"Code is not escaped", "en",
			bot.T("case.command", "cmd", bot.C("/vote_yes *now*")),
			markdown, "Type /vote_yes *now* to vote."},
		{"a command is /helpdesk's without a Command hook", "en",
			bot.T("case.command", "cmd", bot.Cmd("take #3")),
			markdown, "Type /helpdesk take #3 to vote."},
		{"a command as the platform has it typed", "sv",
			bot.T("case.command", "cmd", bot.Cmd("take #3")),
			Style{Command: func(line string) string { return "/case " + line }}, "Skriv /case take #3 för att rösta."},
		{"Time in the catalog's zone", "en",
			bot.T("case.due", "when", bot.At(when)),
			markdown, "Due 2025-03-01 23:30 CET."},
		{"nested Text", "sv",
			bot.T("case.summary", "case", bot.X(bot.T("case.open").Plural(1)), "status", bot.X(bot.T("status.open"))),
			markdown, "1 öppet ärende är öppet."},
		{"nested quote is escaped", "en",
			bot.T("case.summary", "case", bot.X(bot.Quoted("my_case")), "status", bot.X(bot.T("status.open"))),
			markdown, "\u2068my\\_case\u2069 is open."},
		{"List", "sv",
			bot.T("case.groups", "groups", bot.L([]bot.Text{
				bot.T("group.name", "name", bot.S("media_team")),
				bot.T("group.name", "name", bot.C("tech_team")),
				bot.Quoted("a_b"),
			})),
			markdown, "Skickat till gruppen \u2068media\\_team\u2069, gruppen tech_team, \u2068a\\_b\u2069."},
		{"quote", "sv", bot.Quoted("**hi** @here"), markdown, `\*\*hi\*\* @` + "\u200b" + `here`},
		{"unknown ID", "sv", bot.T("case.unknown", "x", bot.S("y")), markdown, "[case.unknown]"},
		{"missing in sv falls back to English", "sv",
			bot.T("case.only_en", "who", bot.S("ana_b")), markdown, "Only in English, \u2068ana\\_b\u2069."},
		{"unsupported language is English", "de", bot.T("status.open"), markdown, "open"},
		{"regional variant", "sv-FI", bot.T("status.open"), markdown, "öppet"},
		{"missing argument", "en", bot.T("case.command"), markdown, "Type <no value> to vote."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Text(tt.lang, tt.text, tt.st); got != tt.want {
				t.Errorf("Text(%s) =\n%q, want\n%q", tt.lang, got, tt.want)
			}
		})
	}
}

func TestTextTimeDefaultsToUTC(t *testing.T) {
	c := MustFixtures(t)
	when := time.Date(2025, 3, 1, 22, 30, 0, 0, time.FixedZone("CET", 3600))
	if got, want := c.Text("en", bot.T("case.due", "when", bot.At(when)), Style{}), "Due 2025-03-01 21:30 UTC."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTextNumbers(t *testing.T) {
	c := MustFixtures(t)
	ana := bot.Person{Name: "Ana"}
	for _, tt := range []struct{ lang, want string }{
		{"en", "Case 12,345 opened by \u2068Ana\u2069: \u2068x\u2069"},
		{"sv", "Ärende 12\u00a0345 öppnat av \u2068Ana\u2069: \u2068x\u2069"}, // a no-break space groups digits
	} {
		got := c.Text(tt.lang, bot.T("case.opened", "id", bot.N(12345), "by", bot.P(ana), "title", bot.S("x")), Style{})
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestTextPlural(t *testing.T) {
	c := MustFixtures(t)
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 0, "0 open cases"},
		{"en", 1, "1 open case"},
		{"en", 2, "2 open cases"},
		{"en", 1000, "1,000 open cases"},
		{"sv", 1, "1 öppet ärende"},
		{"sv", 5, "5 öppna ärenden"},
		// Arabic digits, and all six forms.
		{"ar", 0, "لا توجد حالات مفتوحة"},
		{"ar", 1, "حالة مفتوحة واحدة"},
		{"ar", 2, "حالتان مفتوحتان"},
		{"ar", 3, "٣ حالات مفتوحة"},
		{"ar", 11, "١١ حالةً مفتوحةً"},
		{"ar", 100, "١٠٠ حالةٍ مفتوحةٍ"},
	}
	for _, tt := range tests {
		if got := c.Text(tt.lang, bot.T("case.open").Plural(tt.n), Style{}); got != tt.want {
			t.Errorf("%s %d: got %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

func TestTextCountWithoutArg(t *testing.T) {
	c := MustFixtures(t)
	n := 3
	// A Text built without Plural has Count but no "Count" argument; the
	// count fills {{.Count}} all the same.
	if got, want := c.Text("en", bot.Text{ID: "case.open", Count: &n}, Style{}), "3 open cases"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// An explicit "Count" argument wins.
	txt := bot.Text{ID: "case.open", Count: &n, Args: map[string]bot.Arg{"Count": bot.C("three")}}
	if got, want := c.Text("en", txt, Style{}), "three open cases"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTextIsolatesUserTextInEveryLanguage(t *testing.T) {
	c := MustFixtures(t)
	bob := bot.Person{ID: "mm:1", Name: "Bob"}
	txt := bot.T("case.opened", "id", bot.N(7), "by", bot.P(bob), "title", bot.S("Scan the archive"))

	ar := c.Text("ar", txt, Style{})
	if want := "فتح \u2068Bob\u2069 الحالة ٧: \u2068Scan the archive\u2069"; ar != want {
		t.Errorf("ar: got %q, want %q", ar, want)
	}
	withMention := c.Text("ar", txt, markdown)
	if !strings.Contains(withMention, "\u2068<@mm:1>\u2069") {
		t.Errorf("ar mention not isolated: %q", withMention)
	}
	// An Arabic title in an English card keeps its order too.
	en := c.Text("en", txt, Style{})
	if want := "Case 7 opened by \u2068Bob\u2069: \u2068Scan the archive\u2069"; en != want {
		t.Errorf("en: got %q, want %q", en, want)
	}
	// A whole quote is the line itself: no isolates.
	if got := c.Text("ar", bot.Quoted("hello"), Style{}); got != "hello" {
		t.Errorf("ar quote: got %q", got)
	}
}

func TestRightToLeft(t *testing.T) {
	for _, tt := range []struct {
		tag  string
		want bool
	}{
		{"ar", true}, {"fa", true}, {"he", true}, {"ur", true}, {"ckb", true},
		{"en", false}, {"sv", false}, {"pt-BR", false}, {"zh-Hant", false},
	} {
		if got := rightToLeft(language.MustParse(tt.tag)); got != tt.want {
			t.Errorf("rightToLeft(%s) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

func TestHasIDsMissing(t *testing.T) {
	c := MustFixtures(t)
	if !c.Has("case.open") || c.Has("case.unknown") || c.Has("") {
		t.Error("Has: wrong answer")
	}
	wantIDs := []string{"case.command", "case.due", "case.groups", "case.only_en", "case.open",
		"case.opened", "case.summary", "group.name", "language.autonym", "status.open"}
	if got := c.IDs(); !slices.Equal(got, wantIDs) {
		t.Errorf("IDs() = %q, want %q", got, wantIDs)
	}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", nil},
		{"sv", []string{"case.only_en"}},
		{"es", []string{"case.command", "case.due", "case.groups", "case.only_en", "case.open",
			"case.opened", "case.summary", "group.name"}},
		{"de", nil},
	} {
		if got := c.Missing(tt.lang); !slices.Equal(got, tt.want) {
			t.Errorf("Missing(%s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestPlaceholders(t *testing.T) {
	c, err := New(fstest.MapFS{
		"en.toml": {Data: []byte(`
"a" = "{{.title}} by {{.by}} ({{.title}})"
"b" = "{{if .ok}}{{.yes}}{{else}}{{.no | printf \"%s\"}}{{end}}{{with .w}}{{$.x}}{{end}}"
"c" = "no fields"
[d]
one = "one case"
other = "{{.Count}} cases"
[e]
leftdelim = "<<"
rightdelim = ">>"
other = "<<.name>> {{.notafield}}"
`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][]string{
		"a": {"by", "title"},
		"b": {"no", "ok", "w", "x", "yes"},
		"c": {},
		"d": {"Count"},
		"e": {"name"},
		"z": nil,
	} {
		if got := c.Placeholders("en", id); !slices.Equal(got, want) {
			t.Errorf("Placeholders(en, %s) = %q, want %q", id, got, want)
		}
	}
	if got := c.Placeholders("sv", "a"); got != nil {
		t.Errorf("Placeholders(sv, a) = %q, want nil", got)
	}
}

func TestTextConcurrent(t *testing.T) {
	c := MustFixtures(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				lang := []string{"en", "sv", "ar", "pt-PT", "de"}[(i+j)%5]
				txt := bot.T("case.summary", "case", bot.X(bot.T("case.open").Plural(j)), "status", bot.X(bot.T("status.open")))
				if c.Text(lang, txt, markdown) == "" {
					t.Errorf("empty text in %s", lang)
				}
				c.Match(lang)
			}
		})
	}
	wg.Wait()
}
