package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
)

// runRestore makes a database the helpdesk can run on from a Litestream
// replica (it runs `litestream restore`) or from a file copied by hand:
// checked, one file, with an installation id of its own, so that a
// helpdesk on it never gives the platforms the keys the original gave
// (the store would give it one at its first opening anyway, see
// sqlite.Moved; this says so before anything runs). Like backup, what it
// prints is for the operator and stays in English.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helpdesk restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the Litestream configuration `file` (litestream.yml) that replicates the database")
	db := fs.String("db", "helpdesk.db", "the database `path` as the Litestream configuration names it")
	replica := fs.String("replica", "", "a Litestream replica `URL` (file:///…, s3://…) instead of -config")
	timestamp := fs.String("timestamp", "", "restore the database as it was at this `time` (RFC 3339, e.g. 2026-12-03T16:59:00Z); the latest without it")
	bin := fs.String("litestream", "litestream", "the litestream `program` (looked for on PATH)")
	from := fs.String("from", "", "a database `file` copied by hand (with its -wal, if any), instead of a replica")
	out := fs.String("o", "", "the database `file` to write (it must not exist)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	sources := 0
	for _, s := range []string{*config, *replica, *from} {
		if s != "" {
			sources++
		}
	}
	if *out == "" || sources != 1 {
		fmt.Fprintln(stderr, "helpdesk restore: -o FILE and one of -config, -replica or -from are required")
		fs.Usage()
		return exitUsage
	}
	if *timestamp != "" {
		if *from != "" {
			fmt.Fprintln(stderr, "helpdesk restore: -timestamp needs a replica (-config or -replica)")
			return exitUsage
		}
		if _, err := time.Parse(time.RFC3339, *timestamp); err != nil {
			fmt.Fprintf(stderr, "helpdesk restore: -timestamp: %v\n", err)
			return exitUsage
		}
	}
	if _, err := os.Lstat(*out); err == nil {
		fmt.Fprintf(stderr, "helpdesk restore: %s exists: restore to a new file, then move it into place with the helpdesk stopped\n", *out)
		return exitError
	}

	src, what := *from, "the copy "+*from
	if src == "" {
		// Litestream writes into a private directory next to the target:
		// on the same disk, which may be larger than /tmp.
		dir, err := os.MkdirTemp(filepath.Dir(*out), ".helpdesk-restore-")
		if err != nil {
			fmt.Fprintf(stderr, "helpdesk restore: %v\n", err)
			return exitError
		}
		defer os.RemoveAll(dir)
		src = filepath.Join(dir, "restored.db")
		txid, took, err := litestreamRestore(ctx, *bin, *config, *db, *replica, *timestamp, src, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "helpdesk restore: %v\n", err)
			return exitError
		}
		what = fmt.Sprintf("the replica at transaction %s (litestream restore took %s)", txid, took.Round(time.Millisecond))
	}
	info, err := sqlite.Adopt(ctx, src, *out)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk restore: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "restored: %s (%d bytes, %d cases) from %s; integrity check ok; installation id %s, its own (the original's was %s)\n",
		info.Path, info.Bytes, info.Cases, what, info.Installation, info.Original)
	return exitOK
}

// litestreamRestore runs `litestream restore` into out and returns the
// transaction it restored to and how long it took. Litestream's own log
// goes to stderr.
func litestreamRestore(ctx context.Context, bin, config, db, replica, timestamp, out string, stderr io.Writer) (txid string, took time.Duration, err error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", 0, fmt.Errorf("litestream: %w (install it, or name it with -litestream)", err)
	}
	args := []string{"restore", "-json", "-integrity-check", "full", "-o", out}
	if timestamp != "" {
		args = append(args, "-timestamp", timestamp)
	}
	if replica != "" {
		args = append(args, replica)
	} else {
		args = append(args, "-config", config, db)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var js bytes.Buffer
	cmd.Stdout, cmd.Stderr = &js, stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return "", 0, fmt.Errorf("litestream restore: %w", err)
	}
	took = time.Since(start)
	// The result is the JSON object at the end; a configuration that
	// logs to stdout puts Litestream's log before it.
	res := js.Bytes()
	at := bytes.LastIndex(res, []byte("\n{"))
	if at >= 0 {
		stderr.Write(res[:at+1])
		res = res[at+1:]
	}
	var result struct {
		TXID string `json:"txid"`
	}
	if err := json.Unmarshal(res, &result); err != nil {
		return "", took, fmt.Errorf("litestream restore said %q: %w", res, err)
	}
	return result.TXID, took, nil
}
