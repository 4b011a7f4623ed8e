package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/signaling"
)

// opsServer serves /metrics and /healthz on server.metrics_listen, off the
// public listener: for monitoring on this machine or a private network.
type opsServer struct {
	http *http.Server
	url  string // http://host:port
	done chan error
}

// opsHandler is /metrics and /healthz.
func opsHandler(reg prometheus.Gatherer, sig *signaling.Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(reg))
	mux.HandleFunc("GET /healthz", sig.ServeHealth)
	return mux
}

// startOps listens on f.Server.MetricsListen. It guards the Host like
// the public listener: a monitoring port on loopback is a DNS rebinding
// target too.
func startOps(f *meeting.File, h http.Handler, log *slog.Logger) (*opsServer, error) {
	ln, err := net.Listen("tcp", f.Server.MetricsListen)
	if err != nil {
		return nil, fmt.Errorf("server.metrics_listen %s: %w", f.Server.MetricsListen, err)
	}
	o := &opsServer{
		http: &http.Server{
			Handler:           newHostGuard(f, h, log),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       30 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		url:  "http://" + ln.Addr().String(),
		done: make(chan error, 1),
	}
	go func() { o.done <- o.http.Serve(ln) }()
	return o, nil
}

// Close stops the listener and waits for it.
func (o *opsServer) Close() error {
	err := o.http.Close()
	if serveErr := <-o.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
