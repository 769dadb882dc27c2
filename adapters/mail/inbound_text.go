package mail

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The person's own words: a reply carries the history of the thread
// below (or above) them, and a signature. trimReply takes those away, as
// conservatively as it can: what it cannot tell for certain is history
// stays, and a text it would empty is left whole.
//
//   - Outlook's history: a "-----Original Message-----" line, or a block
//     of "From:", "Sent:"/"Date:" and "Subject:" lines (as the eight
//     languages' Outlooks and a few more write them), and all below it.
//   - Quoted lines (">"), with the attribution line before them ("On …
//     wrote:", "Den … skrev …:", "… kirjoitti:", "Le … a écrit :", "El …
//     escribió:", "Em … escreveu:", "… كتب …:", "… লিখেছেন:", and German,
//     Dutch, Italian), when they are the history: after the last of the
//     person's lines (top posting) or, when they are the only quote,
//     before the first (bottom posting). Quotes between the person's
//     lines are what they answer, interleaved: they stay, but for the
//     attribution lines.
//   - The signature: from a "-- " line to the end (a bare "--" only when
//     few lines follow), and a last line that says which phone it was
//     sent from.
//   - A forwarded mail (below a forwarded-message line, or below Outlook's
//     header block when the subject says "Fwd:", "VB:", "TR:"…) is kept
//     whole: it is what the person sends. Only their lines above it are
//     trimmed. A forward without such a line is not trimmed at all.

// trimReply returns the person's own text of a mail's text (with its
// line ends normalised but its trailing spaces kept, for "-- "), tidied.
// forward says the subject forwards a mail.
func trimReply(s string, forward bool) string {
	lines := strings.Split(s, "\n")
	if at := forwardAt(lines, forward); at >= 0 {
		// The person's words above the forwarded mail are trimmed; the
		// forwarded mail is kept whole.
		return tidyText(trimLines(lines[:at]) + "\n\n" + strings.Join(lines[at:], "\n"))
	} else if forward {
		return tidyText(s)
	}
	if out := trimLines(lines); out != "" {
		return out
	}
	return tidyText(s)
}

// trimLines drops history and signature from lines.
func trimLines(lines []string) string {
	lines = lines[:historyAt(lines)]
	lines = cutQuotes(lines)
	lines = cutSignature(lines)
	return tidyText(strings.Join(lines, "\n"))
}

// forwardAt is the index of the line above a forwarded mail: the first
// forwarded-message line that is not quoted, else, when the subject says
// it is a forward, Outlook's header block; -1 when there is none.
func forwardAt(lines []string, forward bool) int {
	for i, l := range lines {
		if len(l) <= 300 && !isQuoted(l) && forwardLine.MatchString(withoutMarks(l)) {
			return i
		}
	}
	if forward {
		if at := historyAt(lines); at < len(lines) {
			return at
		}
	}
	return -1
}

// tidyText normalises a text's line ends, drops trailing spaces, runs of
// empty lines and empty lines at either end.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// forwardPrefix: a subject that forwards a mail ("Fwd:", "FW:", "VB:"
// Swedish, "VL:" Finnish, "TR:" French, "RV:" Spanish, "ENC:"
// Portuguese, "WG:" German, "Doorst:" Dutch, "I:" Italian, Arabic).
var forwardPrefix = regexp.MustCompile(`(?i)^\s*((re|sv|vs|aw|ynt|odp|rif|res|antw)\s*(\[\d+\])?\s*[:：]\s*)*(fwd?|fw|vb|vl|tr|rv|enc|wg|doorst|i|إعادة توجيه|توجيه|ফরওয়ার্ড)\s*(\[\d+\])?\s*[:：]`)

// isForward reports whether a subject forwards a mail.
func isForward(subject string) bool { return forwardPrefix.MatchString(subject) }

// forwardLine: the line a client puts above a forwarded mail.
var forwardLine = regexp.MustCompile(`(?i)^(-{2,}\s*(forwarded message|original message forwarded|vidarebefordrat meddelande|videresendt meddelelse|videresendt melding|välitetty viesti|message transféré|mensaje reenviado|mensaje original reenviado|mensagem encaminhada|weitergeleitete nachricht|doorgestuurd bericht|messaggio inoltrato|الرسالة المعاد توجيهها|رسالة تمت إعادة توجيهها|ফরওয়ার্ড করা বার্তা)\s*-{2,}|(begin forwarded message|början på vidarebefordrat meddelande|välitetty viesti alkaa|début du message réexpédié|inicio del mensaje reenviado|início da mensagem reencaminhada|mensagem encaminhada|anfang der weitergeleiteten nachricht|begin doorgestuurd bericht|inizio messaggio inoltrato|بداية الرسالة المعاد توجيهها)\s*:)\s*$`)

// originalMessage: Outlook's line above the history.
var originalMessage = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|ursprungligt meddelande|alkuperäinen viesti|message d'origine|mensaje original|mensagem original|ursprüngliche nachricht|oorspronkelijk bericht|messaggio originale|opprinnelig melding|oprindelig meddelelse|الرسالة الأصلية|মূল বার্তা)\s*-{2,}\s*$`)

// Outlook's header block above the history, label by label.
var (
	labelFrom    = outlookLabel(`from|från|lähettäjä|de|von|van|da|fra|من|প্রেরক|থেকে`)
	labelSent    = outlookLabel(`sent|date|skickat|datum|lähetetty|päivämäärä|envoyé|date|enviado|enviada|fecha|data|gesendet|verzonden|inviato|sendt|dato|تم الإرسال|التاريخ|পাঠানো হয়েছে|তারিখ`)
	labelSubject = outlookLabel(`subject|ämne|aihe|objet|asunto|assunto|betreff|onderwerp|oggetto|emne|الموضوع|বিষয়`)
)

func outlookLabel(words string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)^[\s*]*(` + words + `)[\s*]*[:：]`)
}

// historyAt is where Outlook's history begins: its "Original Message"
// line, or a From/Sent/Subject block, with a rule of underscores or dashes
// just above it; len(lines) when there is none. Quoted lines are not
// looked at.
func historyAt(lines []string) int {
	for i, l := range lines {
		if len(l) > 300 || isQuoted(l) {
			continue
		}
		l = withoutMarks(l)
		if !originalMessage.MatchString(l) && !(labelFrom.MatchString(l) && outlookBlock(lines[i+1:])) {
			continue
		}
		j := i
		for j > 0 && (strings.TrimSpace(lines[j-1]) == "" || isRule(lines[j-1])) {
			j--
		}
		return j
	}
	return len(lines)
}

// outlookBlock: after a "From:" line, a "Sent:" (or "Date:") line and a
// "Subject:" one, among the next few.
func outlookBlock(next []string) bool {
	sent, subject := false, false
	for k, l := range next {
		if k >= 6 {
			break
		}
		l = withoutMarks(l)
		switch {
		case labelSent.MatchString(l):
			sent = true
		case labelSubject.MatchString(l):
			subject = true
		}
	}
	return sent && subject
}

// isRule: a line of underscores or dashes (Outlook's line above its
// history).
func isRule(l string) bool {
	l = strings.TrimSpace(l)
	return len(l) >= 10 && strings.Trim(l, "_-") == ""
}

// isQuoted: a line quoted with ">".
func isQuoted(l string) bool {
	return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">")
}

// bidiMarks are the invisible marks right-to-left text carries.
const bidiMarks = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"

// withoutMarks is a line without bidirectional marks, trimmed.
func withoutMarks(l string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if strings.ContainsRune(bidiMarks, r) {
			return -1
		}
		return r
	}, l))
}

// Attribution lines, the line a client writes above the quoted mail.
var attributions = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^on\b.{4,}\bwrote\s*:$`),                                               // en
	regexp.MustCompile(`(?i)^(.*\d.*\bskrev\b|.*\bskrev\b.*\d).*:$`),                               // sv, da, nb
	regexp.MustCompile(`(?i)^(.*\d.*\bkirjoitti\b|.*\bkirjoitti\b.*\d).*:$`),                       // fi
	regexp.MustCompile(`(?i)^le\b.{4,}\ba\s+écrit\s*:$`),                                           // fr
	regexp.MustCompile(`(?i)^el\b.{4,}\bescribió\s*:$`),                                            // es
	regexp.MustCompile(`(?i)^em\b.{4,}\bescreveu\s*:$`),                                            // pt
	regexp.MustCompile(`(?i)^am\b.{4,}\bschrieb\b.*:$`),                                            // de
	regexp.MustCompile(`(?i)^op\b.{4,}\bschreef\b.*:$`),                                            // nl
	regexp.MustCompile(`(?i)^il\b.{4,}\bha\s+scritto\s*:$`),                                        // it
	regexp.MustCompile(`^(.*\p{Nd}.*(كتب|كتبت)|.*(كتب|كتبت).*\p{Nd}).*:$`),                         // ar
	regexp.MustCompile(`^.*\p{Nd}.*লিখেছেন\s*:$`),                                                  // bn
	regexp.MustCompile(`(?i)^.{0,200}<[^<>\s]+@[^<>\s]+>\s*(wrote|skrev|kirjoitti|escribió)\s*:$`), // "Name <a@b> wrote:"
}

// isAttribution reports whether a line (or two or three lines joined, as
// clients wrap it) is an attribution.
func isAttribution(l string) bool {
	l = withoutMarks(l)
	if len(l) > 400 || !strings.HasSuffix(l, ":") {
		return false
	}
	for _, re := range attributions {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// cutQuotes drops the quoted history and the attribution lines of quotes.
func cutQuotes(lines []string) []string {
	n := len(lines)
	quote := make([]bool, n)  // a quoted line, or an attribution before one
	attrib := make([]bool, n) // an attribution line
	for i := 0; i < n; i++ {
		if isQuoted(lines[i]) {
			quote[i] = true
			continue
		}
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		// An attribution of up to three lines, followed (after empty
		// lines) by a quoted one.
		for k := 1; k <= 3 && i+k <= n && strings.TrimSpace(lines[i+k-1]) != ""; k++ {
			if !isAttribution(strings.Join(lines[i:i+k], " ")) {
				continue
			}
			if k > 1 && isAttribution(strings.Join(lines[i+1:i+k], " ")) {
				break // it begins on a later line: the person's line stays
			}
			j := i + k
			for j < n && strings.TrimSpace(lines[j]) == "" {
				j++
			}
			if j < n && isQuoted(lines[j]) {
				for m := i; m < i+k; m++ {
					quote[m], attrib[m] = true, true
				}
				i += k - 1
			}
			break
		}
	}
	// The person's lines: neither quoted nor empty.
	first, last := -1, -1
	for i, l := range lines {
		if !quote[i] && strings.TrimSpace(l) != "" {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil // nothing but quotes: trimReply keeps the whole
	}
	// Quote blocks between the person's lines make an interleaved reply:
	// the quotes before the first answer stay too. Without any, a quote
	// before the person's lines is bottom-posted history.
	start := first
	for i := first + 1; i <= last; i++ {
		if quote[i] {
			start = 0
			break
		}
	}
	var out []string
	for i := start; i <= last; i++ {
		if attrib[i] {
			continue
		}
		out = append(out, lines[i])
	}
	return out
}

// cutSignature drops the signature: from the last "-- " line among the
// person's last lines (a bare "--" when at most sigMaxLines follow) to the
// end, and a last line that only says which phone sent the mail.
func cutSignature(lines []string) []string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if isQuoted(l) {
			break // the signature is after the last quote
		}
		if l == "-- " || (strings.TrimSpace(l) == "--" && len(lines)-i-1 <= sigMaxLines) {
			lines = lines[:i]
			break
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		if sentFrom.MatchString(strings.TrimSpace(lines[i])) {
			lines = lines[:i]
		}
		break
	}
	return lines
}

// sigMaxLines: at most so many lines follow a bare "--" that begins a
// signature.
const sigMaxLines = 12

// sentFrom: "Sent from my iPhone" and its kin, in the helpdesk's languages.
var sentFrom = regexp.MustCompile(`(?i)^(sent from|get outlook for|skickat från|lähetetty|envoyé de|envoyé depuis|enviado desde|enviado do|enviado de|von meinem|gesendet von|verzonden vanaf|inviato da|تم الإرسال من|أرسلت من|প্রেরিত)\b.{0,60}$`)

// unflow joins the lines of format=flowed text (RFC 3676): a line that
// ends in a space goes on on the next line of the same quote depth; a
// space-stuffed line loses its first space; delsp=yes drops the space a
// line was flowed on.
func unflow(s string, delsp bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	open := false // a flowed line is waiting for its continuation
	openDepth := 0
	for _, l := range strings.Split(s, "\n") {
		depth := 0
		for depth < len(l) && l[depth] == '>' {
			depth++
		}
		text := l[depth:]
		text = strings.TrimPrefix(text, " ") // space-stuffing
		flowed := strings.HasSuffix(text, " ") && text != "-- "
		if flowed && delsp {
			text = text[:len(text)-1]
		}
		if open && depth == openDepth {
			b.WriteString(text)
		} else {
			if open {
				b.WriteByte('\n')
			}
			if b.Len() > 0 && !open {
				b.WriteByte('\n')
			}
			if depth > 0 {
				b.WriteString(strings.Repeat(">", depth) + " ")
			}
			b.WriteString(text)
		}
		open, openDepth = flowed, depth
	}
	out := b.String()
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out
}
