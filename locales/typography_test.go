package locales

import (
	"regexp"
	"slices"
	"testing"
	"testing/fstest"
)

// frenchSpace finds an ordinary space (U+0020) where French typography
// wants a no-break one: before : ; ? ! and », and after «. A colon that
// opens an emoji's name (":white_check_mark:") is not punctuation.
var frenchSpace = regexp.MustCompile(` (?:[;?!»]|:(?:[^a-z_]|$)|:[a-z_]+(?:[^a-z_:]|$))|« `)

// breakableFrench lists the messages of c's French file, by form, that
// have an ordinary space where fr.toml writes a no-break space (U+00A0).
func breakableFrench(c *Catalog) []string {
	l := c.locales["fr"]
	if l == nil {
		return []string{"no fr locale"}
	}
	var bad []string
	for id, m := range l.messages {
		for form, s := range forms(m) {
			if loc := frenchSpace.FindStringIndex(s); loc != nil {
				bad = append(bad, id+" ("+form+"): …"+s[max(0, loc[0]-12):min(len(s), loc[1]+8)]+"…")
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// TestFrenchPunctuationHasNoBreakSpaces: every French message has a
// no-break space (U+00A0, as the rest of fr.toml) before : ; ? ! and »,
// and after «, so that a chat never wraps a line before the colon or the
// question mark (#24: 19 messages had an ordinary space).
func TestFrenchPunctuationHasNoBreakSpaces(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range breakableFrench(c) {
		t.Errorf("fr.toml: ordinary space before punctuation or inside « »: %s", b)
	}
}

func TestFrenchSpacesAreFound(t *testing.T) {
	c, err := New(fstest.MapFS{
		"en.toml": {Data: []byte(`
"language.autonym" = "English"
"a" = "x"
"b" = "x"
"c" = "x"
"d" = "x"
"e" = "x"
"f" = "x"
"g" = "x"
"h" = "x"
`)},
		"fr.toml": {Data: []byte("\"language.autonym\" = \"français\"\n" +
			"\"a\" = \"Rappel : ici\"\n" +
			"\"b\" = \"fermés ?\"\n" +
			"\"c\" = \"« {{.title}}\u00a0»\"\n" +
			"\"d\" = \"«\u00a0{{.title}} »\"\n" +
			"\"e\" = \"à nouveau ; puis\"\n" +
			"\"f\" = \"Rappel\u00a0: ici\u00a0; fermés\u00a0? «\u00a0x\u00a0»\u00a0!\"\n" +
			"\"g\" = \"un nom comme :white_check_mark:.\"\n" +
			"\"h\" = \"Fin :\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range breakableFrench(c) {
		ids = append(ids, b[:1])
	}
	if want := []string{"a", "b", "c", "d", "e", "h"}; !slices.Equal(ids, want) {
		t.Errorf("found %q, want %q", breakableFrench(c), want)
	}
}
