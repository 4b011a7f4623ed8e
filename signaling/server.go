package signaling

import (
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/metrics"
	"github.com/samvad/samvad/relay"
)

// Defaults of the protocol's timers.
const (
	DefaultJoinTimeout  = 10 * time.Second
	DefaultPingInterval = 10 * time.Second
	DefaultPongTimeout  = 30 * time.Second
	writeTimeout        = 10 * time.Second
	// sendQueue is how many messages a client may fall behind before it is
	// dropped as too slow: far more than a join storm of 300 rooms makes.
	sendQueue = 1024
)

// Server is the signalling server of one meeting.
type Server struct {
	file         *meeting.File
	log          *slog.Logger
	relay        *relay.Relay
	joinTimeout  time.Duration
	pingInterval time.Duration
	pongTimeout  time.Duration
	upgrader     websocket.Upgrader

	mu        sync.Mutex
	closed    bool
	conns     map[*conn]struct{}
	joined    map[*conn]struct{}
	rooms     map[string]*conn // the current connection of each room
	roster    map[string]*rosterEntry
	recorders int
	status    *RecorderStatus // the recorder's last report, for staff
	limits    meeting.Limits
	perIP     map[string]int // open connections by address
	failures  map[string]*joinFailures
	staff     int
	// granter, when set, gives rooms media grants (LiveKit): their
	// presence then comes from Presence and SyncRooms.
	granter           Granter
	externalRecording bool
	// internalRecorder is a recorder secret minted by the process that runs
	// the server and its bot together (samvad run, samvad demo).
	internalRecorder string
	metrics          *metrics.Signaling
	wg               sync.WaitGroup
}

type rosterEntry struct {
	state    string
	session  string
	since    time.Time
	muted    bool
	speaking bool
	silent   bool
	// first is the room's first join; drops counts lost connections. A
	// roll call opened mid-meeting needs both to tell late from dropped.
	first time.Time
	drops int
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the server's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithRelay connects the server to a media relay. Without one the server
// only signals, which is enough for presence and the roll call.
func WithRelay(r *relay.Relay) Option { return func(s *Server) { s.relay = r } }

// WithTimers overrides the join timeout, ping interval and pong timeout,
// for tests that cannot wait 30 s for a dead peer.
func WithTimers(join, ping, pong time.Duration) Option {
	return func(s *Server) { s.joinTimeout, s.pingInterval, s.pongTimeout = join, ping, pong }
}

// WithInternalRecorder also admits a recorder with secret: the bot that
// samvad run and samvad demo start beside the server, which cannot know the
// secret behind a hashed recorder_token.
func WithInternalRecorder(secret string) Option {
	return func(s *Server) { s.internalRecorder = secret }
}

// WithMetrics counts joins, refusals and presence events.
func WithMetrics(m *metrics.Signaling) Option { return func(s *Server) { s.metrics = m } }

// WithLimits overrides the meeting file's limits.
func WithLimits(l meeting.Limits) Option {
	return func(s *Server) { s.limits = l.WithDefaults() }
}

// New makes the signalling server for a meeting.
func New(f *meeting.File, opts ...Option) *Server {
	s := &Server{
		file:         f,
		log:          slog.Default(),
		joinTimeout:  DefaultJoinTimeout,
		pingInterval: DefaultPingInterval,
		pongTimeout:  DefaultPongTimeout,
		conns:        map[*conn]struct{}{},
		joined:       map[*conn]struct{}{},
		rooms:        map[string]*conn{},
		roster:       map[string]*rosterEntry{},
		perIP:        map[string]int{},
		failures:     map[string]*joinFailures{},
	}
	s.limits = f.Server.Limits.WithDefaults()
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "signaling")
	if s.relay != nil {
		s.relay.OnActivity(s.onActivity)
	}
	for _, r := range f.Rooms {
		s.roster[r.ID] = &rosterEntry{state: StateAbsent}
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
		CheckOrigin:     s.checkOrigin,
	}
	return s
}

func (s *Server) now() time.Time { return time.Now().In(s.file.Location()) }

// Handler serves the websocket at /ws and health at /healthz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.ServeWS)
	mux.HandleFunc("GET /healthz", s.ServeHealth)
	return mux
}

// ServeWS upgrades a request to the protocol's websocket and serves it until
// the connection ends.
func (s *Server) ServeWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "meeting server is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Info("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	c := newConn(s, ws, r.RemoteAddr)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	if s.perIP[c.ip] >= s.limits.ConnectionsPerIP {
		s.mu.Unlock()
		s.log.Warn("connection refused: too many from one address", "remote", r.RemoteAddr, "limit", s.limits.ConnectionsPerIP)
		refuse(ws, CodeTooManyConnections, "too many connections from this address")
		return
	}
	s.perIP[c.ip]++
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.serve()
}

// refuse answers a connection that is not admitted at all: an error, a
// close, and nothing else is read.
func refuse(ws *websocket.Conn, code, text string) {
	deadline := time.Now().Add(time.Second)
	ws.SetWriteDeadline(deadline)
	data, _ := json.Marshal(Message{Type: TypeError, Code: code, Text: text})
	ws.WriteMessage(websocket.TextMessage, data)
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, code), deadline)
	ws.Close()
}

// checkOrigin admits clients without an Origin (the bot, the simulator),
// and browsers from the allowed origins: by default the server's own
// origin, scheme included (a page served over plain http, which anyone on
// the way can rewrite, must not drive the https server's websocket), or
// server.public_url's, for a server behind an https proxy.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if allowed := s.file.Server.AllowedOrigins; len(allowed) > 0 {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
				return true
			}
		}
		s.log.Warn("websocket from a foreign origin refused", "origin", origin, "remote", r.RemoteAddr)
		return false
	}
	if pub, err := url.Parse(s.file.Server.PublicURL); err == nil && pub.Host != "" {
		// Through the public URL's host (an https proxy, most likely, so
		// the request's own scheme says nothing), only its origin.
		if strings.EqualFold(pub.Scheme+"://"+pub.Host, origin) {
			return true
		}
		if strings.EqualFold(pub.Host, r.Host) {
			s.log.Warn("websocket from a foreign origin refused", "origin", origin, "public_url", s.file.Server.PublicURL, "remote", r.RemoteAddr)
			return false
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	s.log.Warn("websocket from a foreign origin refused (behind an https proxy, set server.public_url to its address)",
		"origin", origin, "host", r.Host, "tls", r.TLS != nil, "remote", r.RemoteAddr)
	return false
}

// ServeHealth answers /healthz: the meeting, the rooms connected, whether
// it is recorded.
func (s *Server) ServeHealth(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	h := struct {
		Status    string `json:"status"`
		Meeting   string `json:"meeting"`
		Rooms     int    `json:"rooms_connected"`
		Recording bool   `json:"recording"`
	}{"ok", s.file.Meeting.ID, s.connectedLocked(), s.recordingLocked()}
	if s.closed {
		h.Status = "shutting_down"
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(h)
}

// Close tells every client the meeting server is going away, closes their
// connections and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := slices.Collect(maps.Keys(s.conns))
	s.mu.Unlock()
	for _, c := range conns {
		c.fatal(CodeShuttingDown, "the meeting server is shutting down")
	}
	s.wg.Wait()
	return nil
}
