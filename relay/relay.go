// Package relay is samvad's media relay (an SFU for audio): each room sends
// its microphone once, and the relay forwards it to the other rooms and to
// every recorder. The relay is always the offerer; it speaks to clients only
// through the Signal callback each peer is given, so it knows nothing of
// websockets.
package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/metrics"
)

// ErrClosed is returned by Join after Close.
var ErrClosed = errors.New("relay: closed")

// Config is how the relay's media transport is reached.
type Config struct {
	// UDPPort, when not 0, carries all media on this one UDP port, so that a
	// firewall needs one rule.
	UDPPort int
	// PublicIPs replace the host addresses in candidates, for a server behind
	// 1:1 NAT.
	PublicIPs []string
	// STUN server URLs for clients behind NAT.
	STUN []string
	// Loopback adds candidates on loopback, for a bot or a browser on the
	// server's own machine.
	Loopback bool
	// LoopbackOnly offers nothing but loopback: tests and the demo. Rooms'
	// loopback candidates are then used too: nothing else is reachable.
	LoopbackOnly bool
	// PrivateCandidates lets rooms name candidates on loopback, private,
	// shared and link-local addresses, for a meeting on one network.
	// Without it the relay sends checks only to public addresses and to
	// the address a room's websocket comes from; it still reaches a room
	// on a private network through the checks that room sends
	// (peer-reflexive candidates).
	PrivateCandidates bool
	// MaxCandidates bounds the distinct addresses a room may name; 0 means
	// media.DefaultMaxCandidates.
	MaxCandidates int
	// SilentAfter: a room connected this long without audio is reported
	// silent; 0 means DefaultSilentAfter.
	SilentAfter time.Duration
	// ForwardLoudest, when not 0, forwards to each room only the host and
	// this many of the rooms speaking now; recorders still get every room.
	ForwardLoudest int
	// Metrics, when set, counts packets and bytes received and forwarded
	// per room.
	Metrics *metrics.Relay
}

// Relay forwards every room's audio to the rooms that listen and to every
// recorder.
type Relay struct {
	log    *slog.Logger
	api    *webrtc.API
	config webrtc.Configuration
	mux    ice.UDPMux
	// candidates is the policy for what rooms name, but for each peer's
	// own address.
	candidates media.CandidatePolicy

	mu      sync.Mutex
	closed  bool
	peers   map[*Peer]struct{}
	sources map[string]*source // by session

	goMu     sync.Mutex // guards wg.Add against Close's Wait
	goClosed bool
	wg       sync.WaitGroup

	onActivity  func(Activity)
	silentAfter time.Duration
	loudest     int
	loud        loudState
	metrics     *metrics.Relay
	stop        chan struct{} // ends the relay's own goroutines
}

// Option configures a Relay.
type Option func(*Relay)

// WithLogger sets the relay's logger.
func WithLogger(l *slog.Logger) Option { return func(r *Relay) { r.log = l } }

// New builds a relay. Close releases its UDP port and every peer.
func New(cfg Config, opts ...Option) (*Relay, error) {
	r := &Relay{
		log:     slog.Default(),
		peers:   map[*Peer]struct{}{},
		sources: map[string]*source{},
		stop:    make(chan struct{}),
	}
	for _, o := range opts {
		o(r)
	}
	r.log = r.log.With("component", "relay")
	r.silentAfter = cfg.SilentAfter
	r.loudest = max(0, cfg.ForwardLoudest)
	r.metrics = cfg.Metrics
	r.candidates = media.CandidatePolicy{Max: cfg.MaxCandidates, Private: cfg.PrivateCandidates, Loopback: cfg.LoopbackOnly}
	if r.silentAfter == 0 {
		r.silentAfter = DefaultSilentAfter
	}

	me, err := media.NewMediaEngine()
	if err != nil {
		return nil, err
	}
	// Only RTCP reports: NACK is useless for Opus (a late retransmission is
	// worse than concealment) and congestion feedback is for video.
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, fmt.Errorf("rtcp reports: %w", err)
	}

	bn, err := media.BufferedNet(media.SocketBuffer, func(granted, asked int) { r.log.Warn(media.BufferWarning(granted, asked)) })
	if err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNet(bn)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(cfg.Loopback || cfg.LoopbackOnly)
	if len(cfg.PublicIPs) > 0 {
		se.SetNAT1To1IPs(cfg.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	if cfg.UDPPort != 0 {
		muxOpts := []ice.UDPMuxFromPortOption{ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4), ice.UDPMuxFromPortWithNet(bn)}
		if cfg.Loopback || cfg.LoopbackOnly {
			muxOpts = append(muxOpts, ice.UDPMuxFromPortWithLoopback())
		}
		mux, err := ice.NewMultiUDPMuxFromPort(cfg.UDPPort, muxOpts...)
		if err != nil {
			return nil, fmt.Errorf("listen for media on UDP port %d: %w", cfg.UDPPort, err)
		}
		se.SetICEUDPMux(mux)
		r.mux = mux
	}
	if cfg.LoopbackOnly && cfg.UDPPort == 0 {
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	r.api = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	for _, u := range cfg.STUN {
		r.config.ICEServers = append(r.config.ICEServers, webrtc.ICEServer{URLs: []string{u}})
	}
	r.goFunc(func() { r.watchActivity(r.stop) })
	return r, nil
}

// Close ends every peer and waits for the relay's goroutines.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	peers := slices.Collect(maps.Keys(r.peers))
	r.mu.Unlock()
	for _, p := range peers {
		p.Close()
	}
	close(r.stop)
	r.goMu.Lock()
	r.goClosed = true
	r.goMu.Unlock()
	r.wg.Wait()
	if r.mux != nil {
		return r.mux.Close()
	}
	return nil
}

// goFunc runs f on a goroutine that Close waits for, unless the relay is
// closing.
func (r *Relay) goFunc(f func()) {
	r.goMu.Lock()
	defer r.goMu.Unlock()
	if r.goClosed {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		f()
	}()
}

// listens reports whether p should receive src.
func listens(p *Peer, src *source) bool {
	if p.info.Session == src.session {
		return false
	}
	return p.info.Recorder || p.info.Receive
}

// addSource makes a room's microphone available to every listener.
func (r *Relay) addSource(src *source) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.sources[src.session] = src
	var to []*Peer
	for p := range r.peers {
		if listens(p, src) {
			to = append(to, p)
		}
	}
	r.mu.Unlock()
	for _, p := range to {
		if r.wants(p, src) {
			p.subscribe(src)
		}
	}
}

// removeSource takes a room's microphone away from every listener.
func (r *Relay) removeSource(src *source) {
	r.mu.Lock()
	if r.sources[src.session] != src {
		r.mu.Unlock()
		return
	}
	delete(r.sources, src.session)
	src.gone.Store(true)
	to := make([]*Peer, 0, len(r.peers))
	for p := range r.peers {
		to = append(to, p)
	}
	r.mu.Unlock()
	for _, p := range to {
		p.unsubscribe(src)
	}
}
