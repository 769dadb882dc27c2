package dashboard

import (
	"fmt"
	"testing"
)

// The y axis has a few round values, the last at or above the highest
// bar: steps of 1, 2 or 5 times a power of ten, at most five of them,
// whole for counts; and its values carry the decimals the step needs.
func TestTicksAreFewAndRound(t *testing.T) {
	for _, tc := range []struct {
		top   float64
		whole bool
		want  string // the values, from 0
	}{
		{0, true, "0 1"},
		{1, true, "0 1"},
		{2, true, "0 1 2"},
		{3, true, "0 1 2 3"},
		{5, true, "0 1 2 3 4 5"},
		{7, true, "0 2 4 6 8"},
		{10, true, "0 2 4 6 8 10"},
		{13, true, "0 5 10 15"},
		{48, true, "0 10 20 30 40 50"},
		{101, true, "0 50 100 150"},
		{2.5, false, "0.0 0.5 1.0 1.5 2.0 2.5"},
		{3.7, false, "0 1 2 3 4"},
		{0.3, false, "0.0 0.1 0.2 0.3"},
		{0.3, true, "0 1"},
		{0.12, false, "0.00 0.05 0.10 0.15"},
		{40.8, false, "0 10 20 30 40 50"},
	} {
		step, n := ticks(tc.top, tc.whole)
		if n > 5 || step*float64(n) < tc.top {
			t.Errorf("top %v: %d steps of %v", tc.top, n, step)
		}
		got := ""
		for i := 0; i <= n; i++ {
			if i > 0 {
				got += " "
			}
			got += fmt.Sprintf("%.*f", decimals(step), step*float64(i))
		}
		if got != tc.want {
			t.Errorf("top %v (whole %v): %q, want %q", tc.top, tc.whole, got, tc.want)
		}
	}
}
