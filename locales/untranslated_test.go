package locales

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// sameAsEnglish are translations that are rightly the English words: the
// word is the same in the language, or a name. Keyed "lang:id".
var sameAsEnglish = map[string]bool{
	"fr:group.communication": true, // "Communication", the Hub's name of the group, is French too
	"fr:word.page":           true, // "page" is French too
	// Months named alike in Swedish.
	"sv:web.stats.month.4":  true,
	"sv:web.stats.month.9":  true,
	"sv:web.stats.month.11": true,
	"sv:web.stats.month.12": true,
}

// placeholder matches a template field, {{.name}}.
var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

// TestNoMessageIsLeftInEnglish checks that no translated message is the
// English text unchanged, a sign of a message copied and forgotten, unless
// it has no words of its own (a format such as "{{.id}} ({{.name}})") or is
// on the sameAsEnglish list.
func TestNoMessageIsLeftInEnglish(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range leftInEnglish(c) {
		t.Error(p)
	}
}

func TestLeftInEnglishIsReported(t *testing.T) {
	c, err := New(fstest.MapFS{
		"en.toml": {Data: []byte("\"language.autonym\" = \"English\"\n\"a\" = \"Thank you\"\n\"b\" = \"{{.id}} ({{.name}})\"\n")},
		"sv.toml": {Data: []byte("\"language.autonym\" = \"Svenska\"\n\"a\" = \"Thank you\"\n\"b\" = \"{{.id}} ({{.name}})\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := leftInEnglish(c)
	if len(got) != 1 || !strings.Contains(got[0], "sv.toml: a") {
		t.Fatalf("reported %q, want only sv's message a", got)
	}
}

// leftInEnglish lists the translated messages that are the English text.
func leftInEnglish(c *Catalog) []string {
	var out []string
	for _, lang := range c.Supported() {
		if lang == "en" {
			continue
		}
		l := c.locales[lang]
		for _, id := range c.IDs() {
			m, en := l.messages[id], c.english.messages[id]
			if m == nil || en == nil || sameAsEnglish[lang+":"+id] {
				continue
			}
			for form, text := range forms(m) {
				if text == forms(en)[form] && hasWords(text) {
					out = append(out, fmt.Sprintf("%s.toml: %s (%s) is the English text %q", lang, id, form, text))
				}
			}
		}
	}
	return out
}

// hasWords reports whether text has letters outside its placeholders.
func hasWords(text string) bool {
	return strings.IndexFunc(placeholder.ReplaceAllString(text, ""), unicode.IsLetter) >= 0
}
