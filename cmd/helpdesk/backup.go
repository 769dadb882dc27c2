package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/wmse/helpdesk/adapters/sqlite"
)

// runBackup takes a consistent copy of the database while the bot may be
// running, checks it and says what it wrote. These lines are for the
// operator at a terminal (like the flags' help), not for the helpdesk's
// users, and stay in English.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helpdesk backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "helpdesk.db", "the SQLite database `file` to back up")
	to := fs.String("to", "", "the backup `file` to write (it must not exist)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *to == "" {
		fmt.Fprintln(stderr, "helpdesk backup: -to FILE is required")
		fs.Usage()
		return exitUsage
	}
	store, err := sqlite.Open(ctx, *db)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk backup: %v\n", err)
		return exitError
	}
	defer store.Close()
	if m, moved := store.Moved(); moved {
		fmt.Fprintf(stderr, "helpdesk backup: %s was copied, restored or moved to another disk since it was last opened (at %s): it has an installation id of its own now, %s\n", *db, m.From, m.Installation)
	}
	info, err := store.Backup(ctx, *to)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk backup: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes, %d cases); integrity check ok; installation id %s, its own\n",
		info.Path, info.Bytes, info.Cases, info.Installation)
	return exitOK
}
