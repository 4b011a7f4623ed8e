package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

// serverMetrics registers the gauges of a meeting server whose counters
// (relay, signalling) are already on reg.
func serverMetrics(reg prometheus.Registerer, sig *signaling.Server) {
	metrics.GaugeFunc(reg, "rooms_connected", "Rooms of the meeting connected to the server now.", func() float64 {
		n := 0
		for _, state := range sig.Rooms() {
			if state == signaling.StateConnected {
				n++
			}
		}
		return float64(n)
	})
}

// botMetrics registers the bot's gauges on reg; the bot's counters are
// m, which was given to bot.New.
func botMetrics(reg prometheus.Registerer, b *bot.Bot) {
	metrics.GaugeFunc(reg, "bot_rooms_connected", "Rooms of the meeting connected, as the recorder's roll call sees them.",
		func() float64 { return float64(b.RoomsConnected()) })
	metrics.GaugeFunc(reg, "bot_disk_free_bytes", "Space left on the recording folder's file system, for the recorder.",
		func() float64 { return float64(b.Status().DiskFreeBytes) })
	metrics.CounterFunc(reg, "bot_audio_written_seconds_total", "Audio written to segments, summed over rooms, in seconds.",
		func() float64 { return b.Status().SecondsWritten })
}

// serveMetrics serves /metrics on addr until ctx ends (samvad bot
// --metrics), to requests naming an IP address, localhost or a host the
// meeting file f (if any) allows: a DNS rebinding page gets nothing.
func serveMetrics(ctx context.Context, addr string, f *meeting.File, g prometheus.Gatherer, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(g))
	srv := &http.Server{Handler: newHostGuard(f, mux, log), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return "http://" + ln.Addr().String() + "/metrics", nil
}
