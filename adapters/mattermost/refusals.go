package mattermost

import (
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxLogged is how many characters of a value a stranger sent are logged.
const maxLogged = 64

// logValue is a value from an unauthenticated request as it may go into
// the log: at most maxLogged characters, with control and format characters
// (newlines, escapes, bidi overrides) shown as '?', so that a stranger can
// neither flood the log nor forge lines in it.
func logValue(s string) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == maxLogged {
			b.WriteString("…(")
			b.WriteString(strconv.Itoa(utf8.RuneCountInString(s[i:])))
			b.WriteString(" more)")
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// refusalLog lets through at most burst refusal log lines a minute: the
// callbacks are reachable by anyone who can reach the listener, and each
// refusal must not cost a log line. The refusals left out are counted and
// said with the next line let through.
type refusalLog struct {
	mu      sync.Mutex
	burst   int
	window  time.Time
	n       int
	dropped int
}

// allow reports whether a refusal may be logged now, and how many were
// left out before it.
func (l *refusalLog) allow(now time.Time) (ok bool, dropped int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.window) >= time.Minute {
		l.window, l.n = now, 0
	}
	if l.n >= l.burst {
		l.dropped++
		return false, 0
	}
	l.n++
	dropped, l.dropped = l.dropped, 0
	return true, dropped
}
