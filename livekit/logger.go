package livekit

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

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

// Handle passes a record on with every access token in it blanked: the
// SDK's debug lines print its join attempts whole, token and all.
func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, q.level(r.Level), redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return q.h.Handle(ctx, out)
}

// jwt is an access token as LiveKit's are written: three base64url parts.
var jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

func redact(s string) string {
	if !strings.Contains(s, "eyJ") {
		return s
	}
	return jwt.ReplaceAllString(s, "[token]")
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String()))
	case slog.KindGroup:
		as := v.Group()
		out := make([]any, len(as))
		for i, x := range as {
			out[i] = redactAttr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		return slog.String(a.Key, redact(fmt.Sprint(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
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
