// Package langdetect tells the language of a mail's text among the
// helpdesk's few, with github.com/pemistahl/lingua-go, for
// mail.ReadOptions.Detect.
//
// It is a package of its own because of its weight: lingua embeds the
// models of all its 75 languages (124 MB), so a binary that imports it
// grows by that much, whichever languages it loads. Only the binary that
// reads mail needs it; the rest of the mail adapter (and its tests) do
// not carry it.
//
// A Detector loads the models of its own languages only, on its first
// use, once per process (lingua keeps them in memory for good). By
// default it is lingua's high-accuracy mode: texts of 120 characters and
// more are told by their trigrams alone, shorter ones with all five
// n-gram sizes, whose confidence is far better founded on a short reply
// (measured here with the eight helpdesk languages: 1.0–1.5 s to load
// and about 150 MB of heap once a short text has been seen, against
// 0.1 s and 7 MB for the trigrams alone). Options.LowAccuracy keeps to
// the trigrams, and then needs more letters before it answers.
package langdetect

import (
	"strings"
	"sync"
	"unicode"

	"github.com/pemistahl/lingua-go"
	"golang.org/x/text/language"
)

// Options tune a Detector; the zero value is the default.
type Options struct {
	// Floor is the confidence a detection needs (0 is DefaultFloor):
	// lingua spreads 1 over the candidate languages, and a text it is
	// unsure of (two close languages, a few words) gets less.
	Floor float64
	// MinLetters is the fewest letters a text needs to be told at all (0
	// is DefaultMinLetters, or LowAccuracyMinLetters in LowAccuracy):
	// fewer ("Tack!", "OK") say too little.
	MinLetters int
	// LowAccuracy uses trigrams alone, for all texts: a fraction of the
	// memory and load time, but sure of itself on short texts where it
	// should not be ("Se bifogad fil" is Portuguese at 0.83).
	LowAccuracy bool
}

// Defaults of Options.
const (
	DefaultFloor          = 0.7
	DefaultMinLetters     = 12
	LowAccuracyMinLetters = 30
)

// Detector guesses the language of texts among a few.
type Detector struct {
	langs []lingua.Language
	opt   Options
	once  sync.Once
	d     lingua.LanguageDetector
}

// New returns a detector restricted to the languages of tags (BCP 47:
// "pt-BR" is Portuguese; tags lingua does not know are left out).
// Nothing is loaded until the first Detect (or Load).
func New(tags []string, opt Options) *Detector {
	if opt.Floor <= 0 {
		opt.Floor = DefaultFloor
	}
	if opt.MinLetters <= 0 {
		opt.MinLetters = DefaultMinLetters
		if opt.LowAccuracy {
			opt.MinLetters = LowAccuracyMinLetters
		}
	}
	d := &Detector{opt: opt}
	seen := map[lingua.Language]bool{}
	for _, t := range tags {
		l := linguaLanguage(t)
		if l != lingua.Unknown && !seen[l] {
			seen[l] = true
			d.langs = append(d.langs, l)
		}
	}
	return d
}

// Languages are the ISO 639-1 codes of the detector's languages.
func (d *Detector) Languages() []string {
	out := make([]string, len(d.langs))
	for i, l := range d.langs {
		out[i] = strings.ToLower(l.IsoCode639_1().String())
	}
	return out
}

// Load loads all the models the detector may need now rather than as
// texts need them (a service may do it at start, to answer its first
// mails at once).
func (d *Detector) Load() { d.build(true) }

func (d *Detector) build(preload bool) {
	d.once.Do(func() {
		if len(d.langs) < 2 {
			return // nothing to choose between
		}
		b := lingua.NewLanguageDetectorBuilder().FromLanguages(d.langs...)
		if d.opt.LowAccuracy {
			b = b.WithLowAccuracyMode()
		}
		if preload {
			b = b.WithPreloadedLanguageModels()
		}
		d.d = b.Build()
	})
}

// Detect returns the ISO 639-1 code of text's language ("sv", "pt") and
// true when it is sure enough; "" and false otherwise. It is safe for
// concurrent use.
func (d *Detector) Detect(text string) (string, bool) {
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsMark(r) { // Bengali's vowel signs are marks
			letters++
			if letters >= d.opt.MinLetters {
				break
			}
		}
	}
	if letters < d.opt.MinLetters {
		return "", false
	}
	d.build(false)
	if d.d == nil {
		return "", false
	}
	values := d.d.ComputeLanguageConfidenceValues(text)
	if len(values) == 0 || values[0].Value() < d.opt.Floor {
		return "", false
	}
	return strings.ToLower(values[0].Language().IsoCode639_1().String()), true
}

// linguaLanguage is lingua's language for a BCP 47 tag.
func linguaLanguage(tag string) lingua.Language {
	t, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if err != nil {
		return lingua.Unknown
	}
	base, _ := t.Base()
	return lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(base.String()))
}
