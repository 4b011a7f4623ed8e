package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samvad/samvad/archive"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/web"
)

func runServe(ctx context.Context, args []string, e *env) error {
	f, log, note, err := newMeetingFlags("serve", e).load(args, e)
	if err != nil {
		return err
	}
	srv, err := startServer(f, f.Server.Listen, log, serverOptions{})
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Fprintf(e.stdout, "samvad: %s\n", note)
	}
	fmt.Fprintf(e.stdout, "samvad: meeting %q on %s (websocket %s)\n", f.Meeting.ID, srv.baseURL, srv.wsURL)
	<-ctx.Done()
	return srv.Close()
}

// meetingServer is the signalling server, the relay and their HTTP
// listener, as serve, run and demo start them.
type meetingServer struct {
	log     *slog.Logger
	relay   *relay.Relay
	sig     *signaling.Server
	http    *http.Server
	ln      net.Listener
	baseURL string // http(s)://host:port as clients reach it
	wsURL   string
	certs   *certs // the server's own certificate, with TLS
	// metrics is the process's registry, served at /metrics: the
	// server's, and the bot's too in run and demo.
	metrics *prometheus.Registry
	done    chan error
	// stopWatch stops following the LiveKit room (engine livekit).
	stopWatch func()
	// ops serves /metrics and /healthz on server.metrics_listen; nil when
	// they are on the public listener.
	ops *opsServer
}

// metricsURL is where /metrics is served, and to whom.
func (s *meetingServer) metricsURL() string {
	if s.ops != nil {
		return s.ops.url + "/metrics"
	}
	return s.baseURL + "/metrics (from this machine only: see server.metrics_listen)"
}

// localDialOptions are for clients in the same process (the bot of run and
// demo): with TLS they trust exactly the server's own certificate, whatever
// names it was issued for, since they dial it on a loopback address.
func (s *meetingServer) localDialOptions() []signaling.DialOption {
	if s.certs == nil {
		return nil
	}
	return []signaling.DialOption{signaling.WithTLSConfig(pinnedTLS(s.certs.Current))}
}

// serverOptions are what run and demo add to a plain serve.
type serverOptions struct {
	// recorderSecret admits the in-process bot.
	recorderSecret string
	// loopbackOnly keeps media on loopback (the demo).
	loopbackOnly bool
	// idleTimeout closes kept-alive HTTP connections without a request;
	// 0 means 30 s.
	idleTimeout time.Duration
	// certCheck is how often the TLS files are checked for a renewal; 0
	// means defaultCertCheck.
	certCheck time.Duration
}

// newBotMetrics puts a bot's counters on the server's registry, for a bot
// in the same process (run, demo); botMetrics adds its gauges.
func (s *meetingServer) newBotMetrics() *metrics.Bot { return metrics.NewBot(s.metrics) }

// startServer listens on addr (":0" picks a free port) and serves the
// meeting until Close.
func startServer(f *meeting.File, addr string, log *slog.Logger, o serverOptions) (*meetingServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	ip := net.ParseIP(host)
	reg := metrics.NewRegistry()
	sigOpts := []signaling.Option{signaling.WithLogger(log), signaling.WithMetrics(metrics.NewSignaling(reg))}
	if o.recorderSecret != "" {
		sigOpts = append(sigOpts, signaling.WithInternalRecorder(o.recorderSecret))
	}
	var rl *relay.Relay
	var lk *livekit.Source
	if f.IsLiveKit() {
		// The rooms' media goes to LiveKit: the server hands out grants
		// and follows the LiveKit room for its roll call.
		livekit.SetProcessLogger(log)
		var grants *livekit.Grants
		if grants, err = livekit.NewGrants(f); err == nil {
			lk, err = livekit.NewSource(livekit.SourceConfig{File: f, Logger: log})
		}
		sigOpts = append(sigOpts, signaling.WithGranter(grants))
	} else {
		rl, err = relay.New(relay.Config{
			Metrics:   metrics.NewRelay(reg),
			UDPPort:   f.Server.ICE.UDPPort,
			PublicIPs: f.Server.ICE.PublicIPs,
			STUN:      f.Server.ICE.STUN,
			// What rooms may name as their candidates.
			PrivateCandidates: f.Server.ICE.PrivateCandidates,
			// Every room hears every other, or only the host and the loudest.
			ForwardLoudest: f.Server.ForwardLoudest,
			// Loopback candidates let a bot or browser on this machine in too.
			Loopback:     true,
			LoopbackOnly: o.loopbackOnly || (ip != nil && ip.IsLoopback()),
		}, relay.WithLogger(log))
		sigOpts = append(sigOpts, signaling.WithRelay(rl))
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	sig := signaling.New(f, sigOpts...)
	serverMetrics(reg, sig)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", sig.ServeWS)
	// The join page and the roll call (package web), beside the websocket
	// on the same origin.
	web.New(f).Register(mux)
	// The recordings behind web's /recordings page (package archive).
	archive.New(f, archive.WithLogger(log)).Register(mux)
	// /metrics and /healthz: on their own listener, or here for this
	// machine only.
	ops := opsHandler(reg, sig)
	var opsSrv *opsServer
	if f.Server.MetricsListen != "" {
		if opsSrv, err = startOps(f, ops, log); err != nil {
			ln.Close()
			if rl != nil {
				rl.Close()
			}
			return nil, err
		}
	} else {
		mux.Handle("GET /metrics", thisMachineOnly(ops))
		mux.Handle("GET /healthz", thisMachineOnly(ops))
	}

	// Twice the websockets an address may hold: room for a page's assets.
	ln = newCapListener(ln, 2*f.Server.Limits.ConnectionsPerIP, log)
	scheme := "http"
	var cs *certs
	if f.Server.TLS.Enabled() {
		if cs, err = startCerts(f.Server.TLS.Cert, f.Server.TLS.Key, o.certCheck, log); err != nil {
			ln.Close()
			if rl != nil {
				rl.Close()
			}
			if opsSrv != nil {
				opsSrv.Close()
			}
			return nil, err
		}
		ln = tls.NewListener(ln, &tls.Config{GetCertificate: cs.GetCertificate, MinVersion: tls.VersionTLS12})
		scheme = "https"
	} else if ip == nil || !ip.IsLoopback() {
		warnPlainHTTP(f, ln.Addr().String(), log)
	}
	var handler http.Handler = mux
	if scheme == "https" || strings.HasPrefix(f.Server.PublicURL, "https://") {
		handler = withHSTS(mux)
	}
	s := &meetingServer{
		ops:   opsSrv,
		log:   log,
		relay: rl,
		sig:   sig,
		http: &http.Server{
			Handler:           newHostGuard(f, handler, log),
			ReadHeaderTimeout: 10 * time.Second,
			// A kept-alive connection with no request is closed: idle ones
			// must not pile up (websockets are hijacked and not affected).
			IdleTimeout: cmp.Or(o.idleTimeout, 30*time.Second),
			ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		ln:      ln,
		certs:   cs,
		metrics: reg,
		done:    make(chan error, 1),
	}
	hostport := ln.Addr().String()
	if ip != nil && ip.IsUnspecified() {
		_, port, _ := net.SplitHostPort(hostport)
		hostport = net.JoinHostPort("127.0.0.1", port)
	}
	s.baseURL = scheme + "://" + hostport
	s.wsURL = "ws" + s.baseURL[len("http"):] + "/ws"
	go func() { s.done <- s.http.Serve(ln) }()
	if lk != nil {
		s.watch(lk)
	}
	log.Info("meeting server started", "meeting", f.Meeting.ID, "listen", ln.Addr().String(), "tls", f.Server.TLS.Enabled(),
		"media", f.Media.String(), "udp_port", f.Server.ICE.UDPPort)
	return s, nil
}

// watch follows the LiveKit room for the roll call until Close.
func (s *meetingServer) watch(lk *livekit.Source) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopWatch = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		if err := lk.Watch(ctx, s.sig); err != nil {
			s.log.Error("the roll call cannot follow the LiveKit room: check media.livekit in the meeting file", "err", err)
		}
	}()
}

// Close tells clients the server is going, and stops everything.
func (s *meetingServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.stopWatch != nil {
		s.stopWatch()
	}
	s.sig.Close()
	err := s.http.Shutdown(ctx)
	if s.relay != nil {
		s.relay.Close()
	}
	if s.ops != nil {
		err = errors.Join(err, s.ops.Close())
	}
	if s.certs != nil {
		s.certs.Close()
	}
	if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
