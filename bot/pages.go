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

// pageArg takes a trailing "page N" off args: the page asked for (0 when
// none) and the rest.
func pageArg(args string) (page int, rest string) {
	f := strings.Fields(args)
	if n := len(f); n >= 2 && strings.EqualFold(f[n-2], "page") {
		if p, err := strconv.Atoi(latinDigits(f[n-1])); err == nil && p > 0 {
			return p, strings.Join(f[:n-2], " ")
		}
	}
	return 0, strings.TrimSpace(args)
}

// paged is a reply of a head line, the lines of one page of lines and, when
// there is more than one page, a footer with the command (cmd + " page N")
// for the next page, or the previous one from the last. page 0 is the
// first page, or the last when latest is set (a history's newest events);
// a page past the last shows the last. narrow, when set, is a command that
// narrows the list.
func (s *Service) paged(lang string, head Text, lines []Text, per, page int, latest bool, cmd string, narrow Arg) Response {
	pages := max(1, (len(lines)+per-1)/per)
	switch {
	case page == 0 && latest, page > pages:
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
			"cmd", command(strings.TrimSpace(fmt.Sprintf("%s page %d", cmd, other)))))
		if narrow.Code != "" {
			out = append(out, T("page.narrow", "cmd", narrow))
		}
	}
	return s.reply(lang, out...)
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
