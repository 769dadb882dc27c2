package locales_test

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// listOf renders a list of quoted items in lang, without isolates.
func listOf(t *testing.T, cat *locales.Catalog, lang string, items ...string) string {
	t.Helper()
	ts := make([]bot.Text, len(items))
	for i, it := range items {
		ts[i] = bot.Quoted(it)
	}
	return locales.StripIsolates(cat.Text(lang, bot.T("list", "items", bot.L(ts)), locales.Style{}))
}

// Spanish writes e for y before the sound /i/ (i-, hi-), but not before
// the diphthongs hia-, hie-, hio-, hiu-; the joiner sees the next word,
// which a template cannot (#24 §3.2).
func TestSpanishAndIsEBeforeI(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		items []string
		want  string
	}{
		{[]string{"Comunicación", "Implementación"}, "Comunicación e Implementación"},
		{[]string{"Ana", "Isabel"}, "Ana e Isabel"},
		{[]string{"ana", "isabel"}, "ana e isabel"},
		{[]string{"Rita", "Ana", "Inés"}, "Rita, Ana e Inés"},
		{[]string{"Teresa", "Hilda"}, "Teresa e Hilda"},
		{[]string{"geografía", "historia"}, "geografía e historia"},
		{[]string{"madre", "hija"}, "madre e hija"},
		{[]string{"Ídolos", "Ítaca"}, "Ídolos e Ítaca"},
		{[]string{"agua", "hielo"}, "agua y hielo"},
		{[]string{"cobre", "hierro"}, "cobre y hierro"},
		{[]string{"Ana", "Hortensia"}, "Ana y Hortensia"},
		{[]string{"Implementación", "Comunicación"}, "Implementación y Comunicación"},
		{[]string{"Comunicación", "Implementación", "Uso del contenido"}, "Comunicación, Implementación y Uso del contenido"},
	} {
		if got := listOf(t, cat, "es", c.items...); got != c.want {
			t.Errorf("es %q: %q, want %q", c.items, got, c.want)
		}
	}
	// Only Spanish: Portuguese and English keep their "and".
	if got := listOf(t, cat, "pt-BR", "Comunicação", "Implementação"); got != "Comunicação e Implementação" {
		t.Errorf("pt-BR: %q", got)
	}
	if got := listOf(t, cat, "en", "Ana", "Isabel"); got != "Ana and Isabel" {
		t.Errorf("en: %q", got)
	}
}

// The working groups' names, rendered as the helpdesk renders them.
var planningAndEvaluation = bot.L([]bot.Text{bot.T("group.planning"), bot.T("group.evaluation")})

// A list whose items hold the list's own "and" quotes them, so that two
// groups do not read as four (#24 §5.1: "Project planning and feedback
// and Evaluation and research"); a list without one is left as it is.
func TestAListWhoseItemsHoldAndQuotesThem(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"en":    "Case #1 was routed to “Project planning and feedback” and “Evaluation and research”.",
		"sv":    "Ärende #1 har skickats vidare till ”Projektplanering och återkoppling” och ”Utvärdering och forskning”.",
		"es":    "El caso #1 se derivó a «Planificación de proyectos y retroalimentación» y «Evaluación e investigación».",
		"fr":    "Le dossier #1 a été orienté. Groupes sollicités\u00a0: «\u00a0Planification de projet et retours\u00a0» et «\u00a0Évaluation et recherche\u00a0».",
		"pt-BR": "O caso #1 foi encaminhado para “Planejamento de projetos e feedback” e “Avaliação e pesquisa”.",
		"fi":    "Tapaus #1 ohjattiin työryhmille: ”Projektisuunnittelu ja palaute” ja ”Arviointi ja tutkimus”.",
	} {
		got := locales.StripIsolates(cat.Text(lang, bot.T("reply.routed", "id", bot.C("#1"), "groups", planningAndEvaluation), locales.Style{}))
		if got != want {
			t.Errorf("%s: %q\nwant %q", lang, got, want)
		}
	}
	// Arabic and Bengali were unambiguous (مجموعة …; ও inside the names,
	// এবং between them), and stay as they were.
	for _, lang := range []string{"ar", "bn"} {
		got := cat.Text(lang, bot.T("reply.routed", "id", bot.C("#1"), "groups", planningAndEvaluation), locales.Style{})
		if strings.ContainsAny(got, "«»“”") {
			t.Errorf("%s: quoted %q", lang, got)
		}
	}
	// Names without "and" are not quoted; the word must be whole.
	for lang, want := range map[string]string{
		"en": "Communication and Implementation",
		"sv": "Kommunikation och Genomförande",
		"fr": "Communication et Mise en œuvre",
	} {
		groups := bot.L([]bot.Text{bot.T("group.communication"), bot.T("group.implementation")})
		if got := locales.StripIsolates(cat.Text(lang, bot.T("list", "items", groups), locales.Style{})); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := listOf(t, cat, "en", "Sandy", "Andrea", "Brandon"); got != "Sandy, Andrea and Brandon" {
		t.Errorf("en names with and inside a word: %q", got)
	}
	if got := listOf(t, cat, "en", "Ana", "Research And Development", "Rita"); got != "“Ana”, “Research And Development” and “Rita”" {
		t.Errorf("en: %q", got)
	}
}
