package mail

import (
	"regexp"
	"strings"
)

// What decided a mail's language, as Incoming.LangSource says.
const (
	// LangByAddress: the helpdesk's address it was written to (the
	// envelope recipient, Delivered-To, X-Original-To, To, then Cc).
	LangByAddress = "address"
	// LangByContentLanguage: its Content-Language.
	LangByContentLanguage = "content-language"
	// LangByDetection: its text, by detection.
	LangByDetection = "detection"
)

// Language detection reads at most this much of a text: enough to be
// sure, and a bound on its time.
const detectMaxRunes = 1000

// language finds the mail's language: by the address written to, else
// its Content-Language, else by detection in its text. Machine mail gets
// none: it is never answered.
func (rd *reader) language() {
	in, opt := &rd.in, rd.opt
	if len(opt.AddressLang) > 0 {
		byAddr := make(map[string]string, len(opt.AddressLang))
		for a, tag := range opt.AddressLang {
			byAddr[normalAddress(a)] = tag
		}
		for _, list := range [][]string{opt.Recipients, in.DeliveredTo, in.To, in.Cc} {
			for _, a := range list {
				if tag, ok := byAddr[normalAddress(a)]; ok {
					if tag, ok := rd.match(tag); ok {
						in.Lang, in.LangSource = tag, LangByAddress
						return
					}
				}
			}
		}
	}
	if in.ContentLanguage != "" {
		if tag, ok := rd.match(in.ContentLanguage); ok {
			in.Lang, in.LangSource = tag, LangByContentLanguage
			return
		}
	}
	if opt.Detect == nil || in.Machine != "" {
		return
	}
	if text := detectionText(in); text != "" {
		if code, ok := opt.Detect(text); ok {
			if tag, ok := rd.match(code); ok {
				in.Lang, in.LangSource = tag, LangByDetection
			}
		}
	}
}

// match is the helpdesk's language for a tag, if it has one.
func (rd *reader) match(tag string) (string, bool) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return "", false
	}
	if rd.opt.Match == nil {
		return tag, true
	}
	return rd.opt.Match(tag)
}

// notWords are what tells nothing of a language: addresses, links, paths,
// numbers.
var notWords = regexp.MustCompile(`\S*[@/\\]\S*|\S*\d\S*`)

// detectionText is what detection reads: the person's text, and the
// subject of a new mail (a reply's subject is the helpdesk's own, in the
// language it wrote in), without addresses, links and numbers, at most
// detectMaxRunes.
func detectionText(in *Incoming) string {
	s := in.Text
	if len(in.Refs) == 0 && in.Subject != "" {
		s = in.Subject + "\n" + s
	}
	s = firstRunes(s, 2*detectMaxRunes)
	s = strings.Join(strings.Fields(notWords.ReplaceAllString(s, " ")), " ")
	return firstRunes(s, detectMaxRunes)
}

// firstRunes is the first n runes of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
