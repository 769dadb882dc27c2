package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/wmse/helpdesk/bot"
)

// checker is a platform that can verify, changing nothing, what the
// helpdesk needs of it.
type checker interface {
	Check(ctx context.Context) error
}

// checkTimeout bounds the checks of each platform.
const checkTimeout = 30 * time.Second

// runCheck validates a configuration and, where the environment gives the
// tokens, asks each platform whether the bot can do there what it must:
// every problem is printed with the key to fix, and the exit code is 1 if
// there was one. Like the flags' help, these lines are for the operator at
// a terminal and stay in English.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helpdesk check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs, "")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	log, cat, cfg, err := c.setup(stderr)
	if err != nil {
		fmt.Fprintf(stdout, "problem: %v\n", err)
		return exitError
	}
	// A service without a store: the platforms are built and asked, and
	// nothing is run or recorded.
	svc := bot.New(nil, wallClock{}, cat, cfg.Bot)
	plats, err := enabledPlatforms(platformSetup{File: cfg.File, Env: os.Getenv, Service: svc, Catalog: cat, Location: cfg.Location, Log: log})
	if err != nil {
		fmt.Fprintf(stdout, "problem: %v\n", err)
		return exitError
	}
	chats := []string{"shell"}
	if len(plats) > 0 {
		chats = chats[:0]
		for n := range plats {
			chats = append(chats, n)
		}
		sort.Strings(chats)
	}
	mailer, err := setupMail(platformSetup{File: cfg.File, Env: os.Getenv, Service: svc, Catalog: cat, Location: cfg.Location, Log: log}, chats)
	if err != nil {
		fmt.Fprintf(stdout, "problem: mail: %v\n", err)
		return exitError
	}
	if mailer != nil {
		plats["mail"] = mailer
	}
	fmt.Fprintln(stdout, "configuration: ok")
	if len(plats) == 0 {
		fmt.Fprintln(stdout, "no platform is configured: the bot would start the shell")
		return exitOK
	}
	names := make([]string, 0, len(plats))
	for n := range plats {
		names = append(names, n)
	}
	sort.Strings(names)
	code := exitOK
	for _, n := range names {
		ch, ok := plats[n].(checker)
		if !ok {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		err := ch.Check(cctx)
		cancel()
		if err != nil {
			fmt.Fprintf(stdout, "problem: %s: %v\n", n, err)
			code = exitError
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", n)
	}
	return code
}
