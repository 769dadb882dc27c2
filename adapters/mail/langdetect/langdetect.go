// Package langdetect tells the language of a mail's text among the
// helpdesk's few, with github.com/abadojack/whatlanggo, for
// mail.ReadOptions.Detect.
//
// It is the mail's last resort: the address written to, the sender's
// known language and Content-Language come first, and a mail it cannot
// tell gets the default language. So it answers only when it is sure, and
// otherwise says nothing.
//
// whatlanggo tells the script, then compares the text's trigrams with a
// profile of 300 trigrams for each language of that script, and says how
// far the best language leads the second (its confidence). It is small:
// its profiles add less than half a megabyte to the binary and about as
// much to the heap, made when the process starts, and a text is told in
// about a tenth of a millisecond. A Detector answers when
//
//   - the text has Options.MinLetters letters,
//   - the best of its languages leads the second of them with at least
//     Options.Floor,
//   - and that language also beats, on the same text, each language close
//     to the helpdesk's that the Detector does not speak (Decoys): a
//     Norwegian or Danish mail is then left unanswered rather than told
//     as Swedish, an Estonian one as Finnish, a Persian one as Arabic.
//
// The defaults are calibrated on the package's test texts, new requests,
// short replies and a sentence or two in the helpdesk's eight languages,
// and some in their neighbours: none is told wrong, and three in four are
// told right (nine in ten of 40 letters and more, a little over half of
// the shorter ones; Spanish, close as it is to Portuguese, only half).
package langdetect

import (
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
	"golang.org/x/text/language"
)

// Options tune a Detector; the zero value is the default.
type Options struct {
	// Floor is the confidence a detection needs (0 is DefaultFloor):
	// whatlanggo's confidence is how far the best language leads the
	// second, 1 when far enough for the text's length, less when two
	// close languages (Spanish and Portuguese) or a few words leave it
	// unsure.
	Floor float64
	// MinLetters is the fewest letters a text needs to be told at all (0
	// is DefaultMinLetters): fewer ("Tack!", "Sim, claro") say too little,
	// and a trigram profile is sure of itself on them where it should not
	// be ("Se bifogad fil" is Spanish at 0.76).
	MinLetters int
}

// Defaults of Options: on the test texts, the wrong answers among the
// helpdesk's languages of 15 letters and more all had a confidence of
// 0.52 or less.
const (
	DefaultFloor      = 0.6
	DefaultMinLetters = 15
)

// Decoys are the languages close to the helpdesk's (as ISO 639-1 codes)
// that a detection must beat as well, unless the Detector speaks them.
var Decoys = []string{"da", "nb", "nn", "de", "nl", "it", "et", "fa", "ur"}

// Detector guesses the language of texts among a few. It is safe for
// concurrent use.
type Detector struct {
	langs  []whatlanggo.Lang
	own    map[whatlanggo.Lang]bool // langs
	decoys []whatlanggo.Lang
	opt    Options
}

// New returns a detector restricted to the languages of tags (BCP 47:
// "pt-BR" is Portuguese; tags whatlanggo does not know are left out).
func New(tags []string, opt Options) *Detector {
	if opt.Floor <= 0 {
		opt.Floor = DefaultFloor
	}
	if opt.MinLetters <= 0 {
		opt.MinLetters = DefaultMinLetters
	}
	d := &Detector{opt: opt, own: map[whatlanggo.Lang]bool{}}
	for _, t := range tags {
		if l, ok := langOf(t); ok && !d.own[l] {
			d.own[l] = true
			d.langs = append(d.langs, l)
		}
	}
	for _, t := range Decoys {
		if l, ok := langOf(t); ok && !d.own[l] {
			d.decoys = append(d.decoys, l)
		}
	}
	return d
}

// Languages are the ISO 639-1 codes of the detector's languages.
func (d *Detector) Languages() []string {
	out := make([]string, len(d.langs))
	for i, l := range d.langs {
		out[i] = l.Iso6391()
	}
	return out
}

// Detect returns the ISO 639-1 code of text's language ("sv", "pt") and
// true when it is sure enough; "" and false otherwise.
func (d *Detector) Detect(text string) (string, bool) {
	if len(d.langs) < 2 { // nothing to choose between
		return "", false
	}
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
	best := whatlanggo.DetectWithOptions(text, whatlanggo.Options{Whitelist: d.own})
	// whatlanggo answers the one language of some scripts (Bengali) with
	// confidence 1, whether whitelisted or not.
	if !d.own[best.Lang] || best.Confidence < d.opt.Floor {
		return "", false
	}
	if len(d.decoys) > 0 {
		against := map[whatlanggo.Lang]bool{best.Lang: true}
		for _, l := range d.decoys {
			against[l] = true
		}
		if whatlanggo.DetectWithOptions(text, whatlanggo.Options{Whitelist: against}).Lang != best.Lang {
			return "", false
		}
	}
	return best.Lang.Iso6391(), true
}

// byCode is whatlanggo's language for each ISO 639-1 code it has.
var byCode = func() map[string]whatlanggo.Lang {
	m := map[string]whatlanggo.Lang{}
	for l := range whatlanggo.Langs {
		if c := l.Iso6391(); c != "" {
			m[c] = l
		}
	}
	return m
}()

// langOf is whatlanggo's language for a BCP 47 tag.
func langOf(tag string) (whatlanggo.Lang, bool) {
	t, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if err != nil {
		return 0, false
	}
	base, _ := t.Base()
	l, ok := byCode[base.String()]
	return l, ok
}
