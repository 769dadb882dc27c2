package mail

import (
	"strings"
	"testing"
)

// The language: the address written to first (the envelope, then the
// servers' records, then To and Cc), then Content-Language, then
// detection, else none; each time saying what decided.
func TestLanguage(t *testing.T) {
	detected := ""
	detect := func(text string) (string, bool) {
		detected = text
		switch {
		case strings.Contains(text, "Hej"):
			return "sv", true
		case strings.Contains(text, "Olá"):
			return "pt", true
		case strings.Contains(text, "Guten"):
			return "de", true // not one of the helpdesk's
		}
		return "", false
	}
	opt := ReadOptions{
		AddressLang: map[string]string{"info-sv@wikimedia.se": "sv", "info-fi@wikimedia.se": "fi", "info-ar@wikimedia.se": "ar"},
		Match:       matchHelpdesk,
		Detect:      detect,
	}
	for _, c := range []struct{ name, mail, lang, source string }{
		{"To", "To: Info-FI@wikimedia.se\n\nHej\n", "fi", LangByAddress},
		{"Cc", "To: someone@example.org\nCc: info-ar@wikimedia.se\n\nHej\n", "ar", LangByAddress},
		{"Delivered-To before To", "Delivered-To: info-fi@wikimedia.se\nTo: info-sv@wikimedia.se\n\nHej\n", "fi", LangByAddress},
		{"Bcc: only the server's record shows it", "X-Original-To: info-ar@wikimedia.se\nTo: undisclosed-recipients:;\n\nHej\n", "ar", LangByAddress},
		{"Content-Language", "To: helpdesk@wikimedia.se\nContent-Language: pt-PT\n\nHej\n", "pt-BR", LangByContentLanguage},
		{"a Content-Language list", "Content-Language: de, fr\n\nHej\n", "fr", LangByContentLanguage},
		{"the text part's Content-Language", "Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\nContent-Language: fi\n\nHej\n--a--\n", "fi", LangByContentLanguage},
		{"a Content-Language not served: detection", "Content-Language: de\n\nHej hej, vi vill ladda upp bilder.\n", "sv", LangByDetection},
		{"detection", "To: helpdesk@wikimedia.se\n\nOlá, queremos enviar fotos.\n", "pt-BR", LangByDetection},
		{"detection of a language not served", "\n\nGuten Tag, wir möchten Fotos hochladen.\n", "", ""},
		{"nothing to tell", "\n\n???\n", "", ""},
		{"machine mail is not detected", "Auto-Submitted: auto-replied\n\nHej, jag är på semester.\n", "", ""},
	} {
		in := read(t, []byte("From: anna@example.org\n"+strings.TrimPrefix(c.mail, "\n")), opt)
		check(t, c.name, in.Lang+" by "+in.LangSource, c.lang+" by "+c.source)
	}

	// The envelope recipient comes first of all.
	opt.Recipients = []string{"<INFO-SV@wikimedia.se>"}
	in := read(t, []byte("From: anna@example.org\nTo: info-fi@wikimedia.se\n\nHej\n"), opt)
	check(t, "envelope", in.Lang+" by "+in.LangSource, "sv by "+LangByAddress)

	// Detection reads a new mail's subject with its text, without links,
	// addresses and numbers; a reply's subject is the helpdesk's own.
	read(t, []byte("From: anna@example.org\nSubject: Bilder från arkivet\n\nSe https://example.org/a/b och skriv till anna@example.org, 300 bilder.\n"), ReadOptions{Detect: detect})
	check(t, "detection text", detected, "Bilder från arkivet Se och skriv till bilder.")
	read(t, []byte("From: anna@example.org\nSubject: Re: [#4] Your request\nIn-Reply-To: <x@wikimedia.se>\n\nJa tack.\n"), ReadOptions{Detect: detect})
	check(t, "detection text of a reply", detected, "Ja tack.")

	// Without Match, tags are taken as written.
	in = read(t, []byte("From: anna@example.org\nContent-Language: sv-FI\n\nHej\n"), ReadOptions{})
	check(t, "no Match", in.Lang, "sv-FI")
}

func TestFirstRunes(t *testing.T) {
	check(t, "short", firstRunes("åäö", 5), "åäö")
	check(t, "cut", firstRunes("åäö", 2), "åä")
	check(t, "none", firstRunes("åäö", 0), "")
}
