package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDays bounds the days of a duration, far below where time.Duration
// overflows (about 106,000 days).
const maxDays = 36500

// ParseDuration reads a Go duration ("90m", "49h", "1h30m") that may start
// with a whole number of days ("7d", "1d12h"). It is the syntax of /wait and
// of the durations in the configuration. It returns an error for anything
// else, including an empty string; the sign is the caller's business.
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
		if err != nil || n < 0 || n > maxDays || strings.HasPrefix(s, "+") {
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
		return 0, fmt.Errorf("duration %q: %w", in, err)
	}
	return days + d, nil
}
