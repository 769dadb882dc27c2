// Package web is the helpdesk's own HTTP server, for the people who run
// it: /healthz says the process answers, /readyz whether each part it
// needs (the database, every platform) is ready, /metrics what it did (in
// Prometheus's format, see adapters/metrics). It shows no secret and
// nobody's data; the texts are for operators and monitors, in English,
// like the log.
//
// The Mattermost callbacks keep a listener of their own: Mattermost must
// reach them (often across a network), while this server belongs on
// loopback or an operations network.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check is one part of the helpdesk whose readiness /readyz reports: Ready
// returns nil when it is ready, else why not (in a few words, no secret).
type Check struct {
	Name  string
	Ready func(ctx context.Context) error
}

// checkTimeout bounds each readiness check: a part that does not answer in
// time is not ready.
var checkTimeout = 2 * time.Second

// Handler serves /healthz and /readyz, and metrics, when not nil, at
// /metrics.
func Handler(checks []Check, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		results := make(map[string]string, len(checks))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
				defer cancel()
				res := "ok"
				if err := c.Ready(ctx); err != nil {
					res = err.Error()
				} else if ctx.Err() != nil {
					res = "no answer in " + checkTimeout.String()
				}
				mu.Lock()
				results[c.Name] = res
				mu.Unlock()
			}()
		}
		wg.Wait()
		ready := true
		names := make([]string, 0, len(results))
		for n, res := range results {
			names = append(names, n)
			ready = ready && res == "ok"
		}
		sort.Strings(names)
		status := http.StatusOK
		if !ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, struct {
			Ready  bool              `json:"ready"`
			Checks map[string]string `json:"checks"`
		}{ready, results})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve serves h on ln until ctx ends, then shuts down within a few
// seconds. Slow or idle clients are cut off.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
