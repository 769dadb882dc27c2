package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"

	"github.com/wmse/helpdesk/adapters/dashboard"
	"github.com/wmse/helpdesk/adapters/web"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// shellDashboard is where the dashboard listens in the shell when the
// configuration does not say: a newcomer types /helpdesk dashboard and
// opens the link on the same machine.
const shellDashboard = "127.0.0.1:8090"

// dashboardListener opens the dashboard's listener and returns the address
// people open; nil when there is no dashboard. In the shell the default
// address falls back to any free port when 8090 is taken.
func dashboardListener(f dashSection, shell bool) (net.Listener, string, error) {
	addr := f.Listen
	switch {
	case addr == "off", addr == "" && !shell:
		return nil, "", nil
	case addr == "":
		addr = shellDashboard
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && f.Listen == "" && errors.Is(err, syscall.EADDRINUSE) {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, "", err
	}
	u := strings.TrimRight(f.URL, "/")
	if u == "" {
		host := ln.Addr().String()
		if h, port, err := net.SplitHostPort(host); err == nil && (h == "::" || h == "0.0.0.0") {
			host = net.JoinHostPort("localhost", port)
		}
		u = "http://" + host
	}
	return ln, u, nil
}

// threadLinker is a platform whose threads have web addresses.
type threadLinker interface {
	ThreadURL(thread string) string
}

// serveDashboard serves the dashboard on ln until ctx ends and returns the
// function that stops it.
func serveDashboard(ctx context.Context, ln net.Listener, url string, svc *bot.Service, cat *locales.Catalog, clock bot.Clock, plats map[string]platform, log *slog.Logger) (func(), error) {
	d, err := dashboard.New(dashboard.Options{
		Core: svc, Catalog: cat, Clock: clock, URL: url, Logger: log,
		ThreadURL: func(platform, thread string) string {
			if l, ok := plats[platform].(threadLinker); ok {
				return l.ThreadURL(thread)
			}
			return ""
		},
		Export: func(ctx context.Context, v bot.Viewer, w io.Writer) error {
			recs, err := svc.Export(ctx, v)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(exportCases(recs))
		},
		MyData: func(ctx context.Context, v bot.Viewer, w io.Writer) error {
			d, err := svc.PersonData(ctx, v.ID)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(personJSON(d))
		},
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := web.Serve(ctx, ln, d.Handler(), log); err != nil {
			log.Error("dashboard server", "err", err)
		}
	}()
	log.Info("dashboard", "url", url)
	return func() { cancel(); <-done }, nil
}
