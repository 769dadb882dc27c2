package locales_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func TestDatesAreWrittenTheReadersWayInTheHelpdesksTimeZone(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	cat.SetLocation(stockholm)
	at := time.Date(2026, 12, 2, 8, 5, 0, 0, time.UTC) // 09:05 in Stockholm
	msg := bot.T("vote.deadline", "at", bot.At(at))
	cases := []struct{ lang, want string }{
		{"en", "2 December 2026, 09:05 CET"},
		{"sv", "2 december 2026 kl. 09.05 CET"},
	}
	for _, tc := range cases {
		if got := cat.Text(tc.lang, msg, locales.Style{}); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q does not contain %q", tc.lang, got, tc.want)
		}
	}
}

func TestLiteralsStayLeftToRightInsideRightToLeftText(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	got := cat.Text("ar", bot.T("status.title", "id", bot.C("#12"), "title", bot.S("Scans"), "type", bot.X(bot.T("type.guidance"))), locales.Style{})
	if !strings.Contains(got, "\u2066#12\u2069") {
		t.Errorf("the case number is not in a left-to-right isolate: %q", got)
	}
	if !strings.Contains(got, "\u2068Scans\u2069") {
		t.Errorf("the title is not in a first-strong isolate: %q", got)
	}
	// In English the case number needs no isolate; the title, user text,
	// has one in every language.
	if en := cat.Text("en", bot.T("status.title", "id", bot.C("#12"), "title", bot.S("Scans"), "type", bot.X(bot.T("type.guidance"))), locales.Style{}); strings.Contains(en, "\u2066") || !strings.Contains(en, "\u2068Scans\u2069") {
		t.Errorf("isolates in English: %q", en)
	}
}

func TestEightLanguagesWithRegionalFallbacks(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"en", "ar", "bn", "es", "fi", "fr", "pt-BR", "sv"}
	if got := cat.Supported(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("supported %q, want %q", got, want)
	}
	cases := []struct {
		code, want string
		ok         bool
	}{
		{"pt-PT", "pt-BR", true}, // no European Portuguese: Brazilian serves
		{"pt", "pt-BR", true},
		{"pt-br", "pt-BR", true}, // Mattermost writes locales in lower case
		{"es-419", "es", true},   // Discord's Latin American Spanish
		{"es-ES", "es", true},
		{"es-CL", "es", true},
		{"sv-FI", "sv", true},
		{"sv-SE", "sv", true},
		{"fi-FI", "fi", true},
		{"fr-CA", "fr", true},
		{"ar-MA", "ar", true},
		{"ar-EG", "ar", true},
		{"bn-IN", "bn", true},
		{"bn-BD", "bn", true},
		{"en-GB", "en", true},
		{"en-US", "en", true},
		{"zh_CN", "", false}, // not spoken: the caller falls back to the default
		{"de", "", false},
		{"da", "", false}, // close to Swedish for the matcher, but not Swedish
		{"", "", false},
		{"klingon", "", false},
	}
	for _, tc := range cases {
		got, ok := cat.Match(tc.code)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.code, got, ok, tc.want, tc.ok)
		}
	}
	for _, tag := range want {
		if cat.Autonym(tag) == "" || (tag != "en" && cat.Autonym(tag) == "English") {
			t.Errorf("%s has no name of its own: %q", tag, cat.Autonym(tag))
		}
	}
}

// Lists use the language's own pattern and "and", Arabic و before every
// item, as CLDR writes it (#24: "A، B وC" was the English pattern).
func TestListsUseTheLanguagesPattern(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	three := bot.L([]bot.Text{bot.Quoted("A"), bot.Quoted("B"), bot.Quoted("C")})
	two := bot.L([]bot.Text{bot.Quoted("A"), bot.Quoted("B")})
	for lang, want := range map[string][2]string{
		"en": {"A, B and C", "A and B"},
		"sv": {"A, B och C", "A och B"},
		"fr": {"A, B et C", "A et B"},
		"ar": {"A وB وC", "A وB"},
		"bn": {"A, B এবং C", "A এবং B"},
	} {
		for i, arg := range []bot.Arg{three, two} {
			got := strings.NewReplacer("\u2066", "", "\u2068", "", "\u2069", "").Replace(cat.Text(lang, bot.T("list", "items", arg), locales.Style{}))
			if got != want[i] {
				t.Errorf("%s: %q, want %q", lang, got, want[i])
			}
		}
	}
}

// A language is named as the reader's language writes it inside a
// sentence: not by its code, and not by its own name with a capital.
func TestLanguagesAreNamedInTheReadersLanguage(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for lang, name := range map[string]string{"en": "English", "sv": "svenska", "es": "español", "pt-BR": "português",
		"fr": "français", "fi": "suomeksi", "ar": "بالعربية", "bn": "বাংলায়"} {
		if got := cat.Text(lang, bot.T("language.current", "tag", bot.C(lang)), locales.Style{}); !strings.Contains(got, name) {
			t.Errorf("%s does not name itself (%q): %q", lang, name, got)
		}
	}
	for lang, want := range map[string]string{"en": "Finnish", "sv": "finska", "fi": "suomi", "fr": "finnois", "ar": "الفنلندية"} {
		if got := cat.Text(lang, bot.T("card.requester", "who", bot.S("rita"), "lang", bot.Lang("fi")), locales.Style{}); !strings.Contains(got, want) {
			t.Errorf("%s: %q does not name Finnish as %q", lang, got, want)
		}
	}
}

// The first of the month as French and Brazilian Portuguese write it.
func TestTheFirstOfTheMonth(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat.SetLocation(time.UTC)
	at := bot.At(time.Date(2026, 6, 1, 9, 5, 0, 0, time.UTC))
	for lang, want := range map[string]string{"fr": "1er juin 2026", "pt-BR": "1º de junho de 2026 às 09:05", "en": "1 June 2026"} {
		if got := cat.Text(lang, bot.T("vote.deadline", "at", at), locales.Style{}); !strings.Contains(got, want) {
			t.Errorf("%s: %q does not contain %q", lang, got, want)
		}
	}
}
