package shell

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxDays bounds a duration, days or not, far below where time.Duration
// overflows (about 106,000 days): a time that far ahead is still a year
// of four digits.
const maxDays = 36500

// MaxDuration is the longest duration ParseDuration takes: 36500 days.
const MaxDuration = maxDays * 24 * time.Hour

// ErrTooLong is the error, wrapped, of a duration longer than MaxDuration,
// including one too long for a time.Duration.
var ErrTooLong = errors.New("longer than 36500d")

// goDuration is the syntax of time.ParseDuration, so that a number it
// refuses in that syntax is known to be too large rather than malformed.
var goDuration = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// ParseDuration reads a Go duration ("90m", "49h", "1h30m") that may start
// with a whole number of days ("7d", "1d12h"). It is the syntax of /wait and
// of the durations in the configuration. It returns an error for anything
// else, including an empty string; the sign is the caller's business. A
// duration longer than MaxDuration (either way) is refused with an error
// that wraps ErrTooLong: it never wraps around.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	in := s
	var days time.Duration
	// No unit of time.ParseDuration contains a "d", so the first one ends
	// the days.
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err == nil && n > maxDays || errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "+") {
			return 0, fmt.Errorf("duration %q: %w", in, ErrTooLong)
		}
		if err != nil || n < 0 || strings.HasPrefix(s, "+") {
			return 0, fmt.Errorf("duration %q: days must be a whole number from 0 to %d", in, maxDays)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
		if s[0] == '-' || s[0] == '+' {
			return 0, fmt.Errorf("duration %q: a sign may only lead", in)
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if goDuration.MatchString(s) && strings.ContainsAny(s, "0123456789") {
			return 0, fmt.Errorf("duration %q: %w", in, ErrTooLong)
		}
		return 0, fmt.Errorf("duration %q: %w", in, err)
	}
	if d > MaxDuration-days || d < -MaxDuration {
		return 0, fmt.Errorf("duration %q: %w", in, ErrTooLong)
	}
	return days + d, nil
}
