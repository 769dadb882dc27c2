package locales_test

import (
	"testing"

	"github.com/wmse/helpdesk/locales"
)

// A number with a decimal is written in the reader's digits and decimal
// separator, and takes the plural form CLDR gives the number as written:
// "1.0 days" in English (a visible decimal is not "one"), "1,5 jour" in
// French (one is 0 to 1.99…), Arabic's "other" for any fraction.
func TestDecimalsAreTheReadersAndSoIsTheirPlural(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		x    float64
		want string
	}{
		{"en", 2.5, "2.5 days"},
		{"en", 1, "1.0 days"},
		{"en", 2.46, "2.5 days"},
		{"en", 2.44, "2.4 days"},
		{"sv", 2.5, "2,5 dagar"},
		{"fi", 1.5, "1,5 päivää"},
		{"fr", 1.5, "1,5 jour"},
		{"fr", 2.5, "2,5 jours"},
		{"es", 2.5, "2,5 días"},
		{"pt-BR", 1.5, "1,5 dia"},
		{"ar", 2.5, "٢٫٥ يوم"},
		{"ar", 12.5, "١٢٫٥ يوم"},
		{"bn", 2.5, "২.৫ দিন"},
	} {
		if got := c.Quantity(tc.lang, "duration.days", tc.x, 1); got != tc.want {
			t.Errorf("%s %v days: %q, want %q", tc.lang, tc.x, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lang   string
		x      float64
		places int
		want   string
	}{
		{"en", 1234.5, 1, "1,234.5"},
		{"fr", 0.5, 1, "0,5"},
		{"ar", 0.25, 2, "٠٫٢٥"},
		{"bn", 10, 0, "১০"},
	} {
		if got := c.Decimal(tc.lang, tc.x, tc.places); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.x, got, tc.want)
		}
	}
}
