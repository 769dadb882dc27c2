package locales

import (
	"strings"
	"testing"
	"unicode"
)

// The words people type after a command are understood in English and in
// the reader's language, whatever their case and accents (and Arabic
// short vowels); another language's word, or a different word, is not.
func TestIsWord(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang, id, typed string
		want            bool
	}{
		{"en", "word.page", "page", true},
		{"en", "word.page", "PAGE", true},
		{"sv", "word.page", "page", true}, // English works for everybody
		{"sv", "word.page", "sida", true},
		{"sv", "word.page", "Sida", true},
		{"fi", "word.page", "sida", false}, // not a Finnish reader's word
		{"fi", "word.page", "sivu", true},
		{"es", "word.page", "página", true},
		{"es", "word.page", "pagina", true},
		{"es", "word.page", "PAGINA", true},
		{"es", "word.page", "pagin", false},
		{"pt-BR", "word.page", "pagina", true},
		{"ar", "word.page", "صفحة", true},
		{"ar", "word.page", "صَفْحَة", true}, // with its short vowels
		{"ar", "word.page", "الصفحة", true},
		{"bn", "word.page", "পৃষ্ঠা", true},
		{"bn", "word.page", "পষ্ঠা", false}, // a Bengali vowel sign is part of the word
		{"xx", "word.page", "page", true},   // an unknown language still has English
		{"en", "word.nothing", "page", false},
	} {
		if got := c.IsWord(tt.lang, tt.id, tt.typed); got != tt.want {
			t.Errorf("IsWord(%q, %q, %q) = %v, want %v", tt.lang, tt.id, tt.typed, got, tt.want)
		}
	}
}

// Every language's command words are single words, each understood as
// written in the file.
func TestEveryCommandWordIsOneWord(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, lang := range c.Supported() {
		for _, id := range c.IDs() {
			if !strings.HasPrefix(id, "word.") {
				continue
			}
			m := c.locales[lang].messages[id]
			if m == nil {
				t.Errorf("%s lacks %s", lang, id)
				continue
			}
			for _, w := range strings.FieldsFunc(m.Other, func(r rune) bool { return r == ',' || r == '،' }) {
				w = strings.TrimSpace(w)
				if w == "" || strings.IndexFunc(w, unicode.IsSpace) >= 0 {
					t.Errorf("%s %s: %q is not one word", lang, id, w)
				}
				if !c.IsWord(lang, id, w) {
					t.Errorf("%s %s: %q is not understood", lang, id, w)
				}
				n++
			}
		}
	}
	if n < len(c.Supported()) {
		t.Errorf("only %d command words in %d languages", n, len(c.Supported()))
	}
}
