package livekit

import (
	"context"
	"log/slog"

	"github.com/go-logr/logr"
	protologger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

// sdkLogger hands the LiveKit SDK a logger that writes into samvad's: the
// SDK's chatter (info and warnings, which it cannot tell apart) at debug,
// its errors as warnings, under component=livekit-sdk.
func sdkLogger(log *slog.Logger) protologger.Logger {
	h := quieter{log.With("component", "livekit-sdk").Handler()}
	return protologger.LogRLogger(logr.FromSlogHandler(h))
}

type quieter struct{ h slog.Handler }

func (q quieter) level(l slog.Level) slog.Level {
	if l >= slog.LevelError {
		return slog.LevelWarn
	}
	return slog.LevelDebug
}

func (q quieter) Enabled(ctx context.Context, l slog.Level) bool {
	return q.h.Enabled(ctx, q.level(l))
}

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	r.Level = q.level(r.Level)
	return q.h.Handle(ctx, r)
}

func (q quieter) WithAttrs(a []slog.Attr) slog.Handler { return quieter{q.h.WithAttrs(a)} }
func (q quieter) WithGroup(n string) slog.Handler      { return quieter{q.h.WithGroup(n)} }

// SetProcessLogger sends what the LiveKit SDK logs outside any room
// (pion's messages, which it otherwise prints on the standard logger) to
// log, quieted like a room's. The SDK keeps it process-wide: call it once,
// at start, before any room is joined.
func SetProcessLogger(log *slog.Logger) {
	lksdk.SetLogger(sdkLogger(log))
}
