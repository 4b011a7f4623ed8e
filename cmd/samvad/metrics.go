package main

import (
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
		for _, state := range sig.Roster() {
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

// metricsServer serves /metrics (samvad bot --metrics) until Close.
type metricsServer struct {
	url  string
	srv  *http.Server
	done chan struct{} // closed when Serve has returned
}

// serveMetrics serves /metrics on addr to requests naming an IP address,
// localhost or a host the meeting file f (if any) allows: a DNS rebinding
// page gets nothing.
func serveMetrics(addr string, f *meeting.File, g prometheus.Gatherer, log *slog.Logger) (*metricsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(g))
	m := &metricsServer{
		url:  "http://" + ln.Addr().String() + "/metrics",
		srv:  &http.Server{Handler: newHostGuard(f, mux, log), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics server", "err", err)
		}
	}()
	return m, nil
}

// Close stops serving, closing the connections open, and waits until the
// server's goroutine has ended.
func (m *metricsServer) Close() error {
	err := m.srv.Close()
	<-m.done
	return err
}
