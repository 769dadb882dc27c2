// Command vulncheck reads govulncheck's JSON stream on stdin, prints each
// vulnerability the code reaches, and fails when one is in a module the
// project requires: those are fixed by updating go.mod. Vulnerabilities
// in the standard library are fixed by the Go release CI runs on, which
// the project does not choose: they are printed as warnings.
//
// It lives under .ci, which `go ./...` leaves out.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

type message struct {
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

func main() {
	dec := json.NewDecoder(os.Stdin)
	reached := map[string]string{} // osv → "module@version (fixed in …)"
	stdlib := map[string]bool{}
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulncheck: reading govulncheck's output:", err)
			os.Exit(2)
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // imported or required, not called
		}
		t := f.Trace[0]
		where := fmt.Sprintf("%s@%s (fixed in %s)", t.Module, t.Version, f.FixedVersion)
		if t.Module == "stdlib" {
			stdlib[f.OSV] = true
		}
		reached[f.OSV] = where
	}
	ids := make([]string, 0, len(reached))
	for id := range reached {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	failed := false
	for _, id := range ids {
		if stdlib[id] {
			fmt.Printf("warning: %s in the standard library, %s: update the Go release\n", id, reached[id])
			continue
		}
		fmt.Printf("VULNERABLE: %s in %s: update go.mod\n", id, reached[id])
		failed = true
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("vulncheck: no vulnerability reached in a required module (%d in the standard library)\n", len(stdlib))
}
