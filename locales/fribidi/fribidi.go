// Package fribidi lays text out with GNU FriBidi, the reference
// implementation of the Unicode Bidirectional Algorithm (with isolates),
// for the tests that check right-to-left text as a reader sees it. CI
// installs it (Debian: libfribidi-bin); where it is missing a test that
// asks says so and skips.
package fribidi

import (
	"os/exec"
	"strings"
	"testing"
)

// Run gives input to the fribidi command with args and returns what it
// writes.
func Run(tb testing.TB, input string, args ...string) string {
	tb.Helper()
	path, err := exec.LookPath("fribidi")
	if err != nil {
		tb.Skip("fribidi is not installed (Debian: apt-get install libfribidi-bin; .ci/run installs it)")
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("fribidi: %v", err)
	}
	return string(out)
}

// Visual lays lines out as they are shown: each line its own paragraph,
// its direction from its first strong character, as chat platforms and
// terminals that implement the algorithm show a message.
func Visual(tb testing.TB, lines ...string) []string {
	tb.Helper()
	out := Run(tb, strings.Join(lines, "\n")+"\n", "--nopad", "--nobreak", "--clean")
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}
