// Package logging gives every log line the request and workflow it belongs
// to without threading a logger through each call: attributes ride on the
// context and a handler adds them to any *Context log call.
//
// An adapter: it may import the root package, domain packages and other
// adapters, never workflows, activities, api, web or internal/devtest.
package logging

import (
	"context"
	"io"
	"log/slog"
)

type ctxKey struct{}

// With returns a context whose log lines carry attrs as well as any it
// already had.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, ctxKey{}, all)
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if attrs, ok := ctx.Value(ctxKey{}).([]slog.Attr); ok {
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }

// New is the JSON logger every fundflow process uses.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(handler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})})
}
