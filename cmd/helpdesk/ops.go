package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sort"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/adapters/web"
	"github.com/wmse/helpdesk/bot"
)

// readiness is what a platform that can say whether it is ready has.
type readiness interface {
	Readiness() error
}

// serveOps starts the operators' HTTP server on addr (/healthz, /readyz:
// the database answers, and each platform is connected and has read its
// ballots again; /metrics) and returns the function that stops it.
func serveOps(ctx context.Context, addr string, store *sqlite.Store, plats map[string]platform, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	checks := []web.Check{{Name: "store", Ready: func(ctx context.Context) error {
		return store.View(ctx, func(tx bot.Tx) error {
			_, err := tx.Installation()
			if err != nil {
				return errors.New("the database does not answer")
			}
			return nil
		})
	}}}
	names := make([]string, 0, len(plats))
	for n := range plats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if r, ok := plats[n].(readiness); ok {
			checks = append(checks, web.Check{Name: n, Ready: func(context.Context) error { return r.Readiness() }})
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := web.Serve(ctx, ln, web.Handler(checks, m.Handler()), log); err != nil {
			log.Error("http server", "err", err)
		}
	}()
	log.Info("http server for operators", "addr", ln.Addr().String(), "paths", fmt.Sprint([]string{"/healthz", "/readyz", "/metrics"}))
	return func() { cancel(); <-done }, nil
}
