package meetingtest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

// MeetingYAML is a small meeting file of id test: the host and four
// districts, each room's token t-<id>, the recorder's rec and the staff's
// staff. Palamu is there to stay away.
const MeetingYAML = `
meeting: {id: test, title: Test, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host}}
  - {id: ranchi, kind: district, name: Ranchi, token: {plain: t-ranchi}}
  - {id: dumka, kind: district, name: Dumka, token: {plain: t-dumka}}
  - {id: bokaro, kind: district, name: Bokaro, token: {plain: t-bokaro}}
  - {id: palamu, kind: district, name: Palamu, token: {plain: t-palamu}}
`

// Server is a meeting's real signalling server and relay, serving a test
// on loopback.
type Server struct {
	URL       string // the websocket's: ws://127.0.0.1:port/ws
	File      *meeting.File
	Relay     *relay.Relay
	Signaling *signaling.Server

	http      *httptest.Server
	closeOnce sync.Once
}

// StartServer serves the meeting file yaml (named test.yaml) with a relay
// configured by cfg; opts come after the server's own options (the relay,
// a logger that discards). The test's cleanup closes it.
func StartServer(t testing.TB, yaml string, cfg relay.Config, opts ...signaling.Option) *Server {
	t.Helper()
	f, err := meeting.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := relay.New(cfg, relay.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	sig := signaling.New(f, append([]signaling.Option{signaling.WithRelay(r), signaling.WithLogger(quiet)}, opts...)...)
	h := httptest.NewServer(sig.Handler())
	s := &Server{URL: "ws" + strings.TrimPrefix(h.URL, "http") + "/ws", File: f, Relay: r, Signaling: sig, http: h}
	t.Cleanup(s.Close)
	return s
}

// Close ends the meeting: the signalling server tells its clients, then the
// relay and the listener close. Closing again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.Signaling.Close()
		s.Relay.Close()
		s.http.Close()
	})
}
