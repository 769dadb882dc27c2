package bot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Replies that list things stay within one platform message: a page of at
// most casesPerPage cases (or eventsPerPage events, expertsPerPage people),
// one per line, then a line saying which page this is of how many and the
// command for another. A case line is at most about 150 characters (a
// title is at most 100), so a page fits Discord's 2,000 in every language.
const (
	casesPerPage   = 10
	eventsPerPage  = 15
	expertsPerPage = 10
)

// A word is a word people type after a command: in English, as the
// helpdesk prints it in the commands it suggests (understood whatever the
// reader's language, like the commands' own names), or in the reader's
// language, the message id of locales/.
type word struct{ id, en string }

var (
	wordPage    = word{"word.page", "page"}       // history #1 page 2
	wordConfirm = word{"word.confirm", "confirm"} // withdraw #1 confirm
)

// isWord reports whether typed is w in English or in lang.
func (s *Service) isWord(lang string, w word, typed string) bool {
	if strings.EqualFold(strings.TrimSpace(typed), w.en) {
		return true
	}
	return s.langs != nil && s.langs.IsWord(lang, w.id, typed)
}

// pageArg takes a trailing "page N" off args, the word in English or in
// lang ("sida 2", "página 2", "صفحة ٢"): the page asked for (0 when none)
// and the rest.
func (s *Service) pageArg(lang, args string) (page int, rest string) {
	f := strings.Fields(args)
	if n := len(f); n >= 2 && s.isWord(lang, wordPage, f[n-2]) {
		if p, err := strconv.Atoi(latinDigits(f[n-1])); err == nil && p > 0 {
			return p, strings.Join(f[:n-2], " ")
		}
	}
	return 0, strings.TrimSpace(args)
}

// paged is a reply of a head line, the lines of one page of lines and, when
// there is more than one page, a footer with the command (cmd + " page N")
// for the next page, or the previous one from the last. page 0 is the
// first page; a page past the last shows the last. narrow, when set, is a
// command that narrows the list.
//
// With latest (a history), page 0 shows the newest lines instead, a
// page's worth whatever page they fall on (the last page may hold only
// one), says which they are, and ends with the command for the first page.
func (s *Service) paged(lang string, head Text, lines []Text, per, page int, latest bool, cmd string, narrow Arg) Response {
	pages := max(1, (len(lines)+per-1)/per)
	if page == 0 && latest && pages > 1 {
		from := len(lines) - per
		out := []Text{head, T("page.latest", "from", N(from+1), "to", N(len(lines)), "total", N(len(lines)))}
		out = append(out, lines[from:]...)
		out = append(out, T("page.from_start", "page", N(1), "pages", N(pages), "cmd", command(pageCommand(cmd, 1))))
		return s.reply(lang, out...)
	}
	switch {
	case page > pages:
		page = pages
	case page == 0:
		page = 1
	}
	from, to := (page-1)*per, min(page*per, len(lines))
	out := append([]Text{head}, lines[from:to]...)
	if pages > 1 {
		other := page + 1
		if page == pages {
			other = page - 1
		}
		out = append(out, T("page.footer", "page", N(page), "pages", N(pages), "total", N(len(lines)),
			"cmd", command(pageCommand(cmd, other))))
		if narrow.Cmd != "" {
			out = append(out, T("page.narrow", "cmd", narrow))
		}
	}
	return s.reply(lang, out...)
}

// pageCommand is cmd for page n, with the English word, which every reader
// may type.
func pageCommand(cmd string, n int) string {
	return strings.TrimSpace(fmt.Sprintf("%s %s %d", cmd, wordPage.en, n))
}

// waitingFirst orders cases by how long they have waited in their stage,
// longest first (then by number): what needs attention comes first.
func waitingFirst(cs []Case) {
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].UpdatedAt.Equal(cs[j].UpdatedAt) {
			return cs[i].UpdatedAt.Before(cs[j].UpdatedAt)
		}
		return cs[i].ID < cs[j].ID
	})
}

// caseLines is a case per line.
func caseLines(cs []Case) []Text {
	out := make([]Text, len(cs))
	for i, c := range cs {
		out[i] = caseLine(c)
	}
	return out
}
