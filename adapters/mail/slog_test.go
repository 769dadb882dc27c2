package mail_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// sloggerFunc is a logger that hands each record, with its attributes, to
// a function.
func sloggerFunc(f func(string)) *slog.Logger {
	return slog.New(funcHandler{f})
}

type funcHandler struct{ f func(string) }

func (h funcHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h funcHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.f(b.String())
	return nil
}
func (h funcHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h funcHandler) WithGroup(string) slog.Handler      { return h }
