package langdetect_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/mail/langdetect"
)

// As the intake uses it: mail.Read with the detector, on mails that name
// their language nowhere.
func TestRead(t *testing.T) {
	d := langdetect.New([]string{"en", "sv", "fi", "fr", "es", "pt-BR", "ar", "bn"}, langdetect.Options{})
	match := func(tag string) (string, bool) {
		if strings.HasPrefix(tag, "pt") {
			return "pt-BR", true
		}
		return tag, true
	}
	for file, want := range map[string]string{
		"gmail-new-pt.eml":   "pt-BR",
		"gmail-new-bn.eml":   "bn",
		"latin1-8bit.eml":    "sv",
		"gmail-reply-fr.eml": "fr",
	} {
		raw, err := os.ReadFile(filepath.Join("..", "testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		in, err := mail.Read(bytes.NewReader(raw), mail.ReadOptions{Detect: d.Detect, Match: match})
		if err != nil {
			t.Fatal(err)
		}
		if in.Lang != want || in.LangSource != mail.LangByDetection {
			t.Errorf("%s: %q by %q, want %q by detection", file, in.Lang, in.LangSource, want)
		}
	}
}
