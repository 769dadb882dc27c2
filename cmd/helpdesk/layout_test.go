package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goTool is the go command that runs the tests.
func goTool(t *testing.T) string {
	t.Helper()
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the packages with")
	}
	return p
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Every adapter but the store reaches the data through the core's ports:
// none of them, nor the metrics, links the SQLite store or its driver.
// (One road to the data: who may see what is decided in bot/ alone.)
func TestAdaptersDoNotReachPastTheirPorts(t *testing.T) {
	for _, pkg := range []string{"dashboard", "discord", "mattermost", "metrics", "shell", "web", "backlog"} {
		out, err := exec.Command(goTool(t), "list", "-deps", "../../adapters/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/wmse/helpdesk/adapters/sqlite" || dep == "modernc.org/sqlite" {
				t.Errorf("adapters/%s depends on %s", pkg, dep)
			}
		}
	}
}
