package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// platform is a chat platform the helpdesk runs on besides the shell
// (Discord, Mattermost). Its factory has attached its bot.Chat to the
// service; Run connects and turns the platform's events into the core's
// until ctx ends, then disconnects and returns.
type platform interface {
	Run(ctx context.Context) error
}

// platformSetup is what a platform factory gets to build its platform.
type platformSetup struct {
	File     file                // the configuration as written, for the platform's own section
	Env      func(string) string // the environment (tokens, addresses)
	Service  *bot.Service
	Catalog  *locales.Catalog
	Location *time.Location
	Log      *slog.Logger
	Metrics  *metrics.Metrics // nil: metrics off
}

// platformFactory builds a platform when the configuration or the
// environment enables it, and returns nil, nil when neither does. A
// factory validates its own section; its errors name the key and never
// include a secret.
type platformFactory func(ps platformSetup) (platform, error)

// platformFactories are registered by each platform's file in this
// package (discord.go, mattermost.go), by name.
var platformFactories = map[string]platformFactory{}

// enabledPlatforms builds every platform that is configured.
func enabledPlatforms(ps platformSetup) (map[string]platform, error) {
	names := make([]string, 0, len(platformFactories))
	for n := range platformFactories {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]platform{}
	for _, n := range names {
		p, err := platformFactories[n](ps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if p != nil {
			out[n] = p
		}
	}
	return out, nil
}

// How often the core looks at the outbox for work that has come due
// (retries, paced edits) and at the timers (reminders, deadlines).
const (
	pollEvery = 250 * time.Millisecond
	tickEvery = 30 * time.Second
)

// runPlatforms runs the core's background work and every platform until
// ctx ends or one of them fails.
func runPlatforms(ctx context.Context, svc *bot.Service, plats map[string]platform, log *slog.Logger) error {
	g, ctx := errgroup.WithContext(ctx)
	// One that stops, even without an error, stops the others.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g.Go(func() error {
		defer cancel()
		return svc.Run(ctx, pollEvery, tickEvery)
	})
	for name, p := range plats {
		g.Go(func() error {
			defer cancel()
			if err := p.Run(ctx); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	err := g.Wait()
	if err != nil {
		log.Error("stopping", "err", err)
	}
	return err
}

// secretFromEnv reads a secret (a token) from the environment: the variable
// name itself, or the file named by the variable fileName. from says which
// it came from ("" when neither is set). Surrounding space and a Discord
// "Bot " prefix are taken off. Errors never include the secret.
func secretFromEnv(env func(string) string, name, fileName string) (secret, from string, err error) {
	direct, file := env(name), env(fileName)
	switch {
	case direct != "" && file != "":
		return "", "", fmt.Errorf("both %s and %s are set; set one", name, fileName)
	case direct != "":
		secret, from = direct, name
	case file != "":
		buf, err := os.ReadFile(file)
		if err != nil {
			return "", "", fmt.Errorf("%s: cannot read the file: %w", fileName, err)
		}
		secret, from = string(buf), fileName
	default:
		return "", "", nil
	}
	secret = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(secret), "Bot "))
	if secret == "" || strings.ContainsAny(secret, " \t\r\n") {
		return "", "", fmt.Errorf("%s: the token is empty or has spaces in it", from)
	}
	return secret, from, nil
}
