//go:build e2e

// The meeting the end-to-end tests join (see e2e_test.go): served in this
// process with its recording bot, as samvad run starts it.

package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/web"
)

const e2eYAML = `
meeting: {id: e2e, title: "End-to-end test", title_hi: "परीक्षण बैठक", starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}
recorder_token: {plain: rec-secret-e2e}
staff_token: {plain: staff-secret-e2e}
rooms:
  - {id: host, kind: host, name: "Executive President", name_hi: "कार्यकारी अध्यक्ष", token: {plain: host-secret-e2e}}
  - {id: ranchi, kind: district, name: Ranchi, name_hi: रांची, location: "Samargarh Resort, Hazaribagh Road", token: {plain: ranchi-secret-e2e}}
  - {id: dumka, kind: district, name: Dumka, name_hi: दुमका, token: {plain: dumka-secret-e2e}}
  - {id: bokaro, kind: district, name: Bokaro, name_hi: बोकारो, token: {plain: bokaro-secret-e2e}}
`

var e2eSecrets = []string{"rec-secret-e2e", "staff-secret-e2e", "host-secret-e2e", "ranchi-secret-e2e", "dumka-secret-e2e", "bokaro-secret-e2e"}

// connListener remembers every accepted connection so a test can cut
// them all, as a network drop would.
type connListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *connListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *connListener) cutAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// liveMeeting is a meeting served in-process, with its recording bot.
type liveMeeting struct {
	base      string // for the rooms' join pages
	staffBase string // for the roll call and the bot
	ln        *connListener
	logs      *logtest.Buffer // the server's and the bot's: no token may reach them
	mu        sync.Mutex
	requests  []string // every URL the server was asked for
	bot       *bot.Bot
	stopBot   context.CancelFunc
	stopOnce  sync.Once
	folder    string
	botDone   chan string
}

func startMeeting(t *testing.T) *liveMeeting {
	t.Helper()
	f, err := meeting.Parse("e2e.yaml", []byte(e2eYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := &liveMeeting{logs: &logtest.Buffer{}, botDone: make(chan string, 1)}
	log := slog.New(slog.NewTextHandler(m.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	rl, err := relay.New(relay.Config{LoopbackOnly: true}, relay.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	sig := signaling.New(f, signaling.WithRelay(rl), signaling.WithLogger(log))
	srv := m.serve(t, f, sig, true)

	ctx, cancel := context.WithCancel(context.Background())
	m.stopBot = cancel
	b := bot.New(bot.Config{
		URL: "ws" + strings.TrimPrefix(m.staffBase, "http") + "/ws", Meeting: "e2e", Token: "rec-secret-e2e",
		Dir: t.TempDir(), File: f, Loopback: true, Logger: log,
	})
	m.bot = b
	go func() {
		folder, err := b.Run(ctx)
		if err != nil {
			t.Errorf("bot: %v", err)
		}
		m.botDone <- folder
	}()
	select {
	case <-b.Ready():
	case <-time.After(15 * time.Second):
		t.Fatal("the bot did not join")
	}
	t.Cleanup(func() {
		// The bot must be gone before its folder in TempDir is removed.
		m.stop(t)
		sig.Close()
		srv.Close()
		rl.Close()
	})
	return m
}

// serve puts the meeting's signalling and pages on loopback, as
// startServer in cmd/samvad/serve.go mounts them, keeping every URL asked
// for. The rooms' pages come in through m.ln, whose connections a test can
// cut like a network drop; with a staff door the roll call and the bot
// come in through another, which stays up to watch the drop.
func (m *liveMeeting) serve(t *testing.T, f *meeting.File, sig *signaling.Server, staffDoor bool) *http.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", sig.Handler())
	web.New(f).Register(mux)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.ln = &connListener{Listener: raw}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.requests = append(m.requests, r.URL.String()+" referer="+r.Referer())
		m.mu.Unlock()
		mux.ServeHTTP(w, r)
	})}
	go srv.Serve(m.ln)
	m.base = "http://" + raw.Addr().String()
	m.staffBase = m.base
	if staffDoor {
		staffLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(staffLn)
		m.staffBase = "http://" + staffLn.Addr().String()
	}
	return srv
}

// stop ends the recording and returns its folder.
func (m *liveMeeting) stop(t *testing.T) string {
	t.Helper()
	m.stopOnce.Do(func() {
		m.stopBot()
		select {
		case m.folder = <-m.botDone:
		case <-time.After(30 * time.Second):
			t.Error("the bot did not stop")
		}
	})
	return m.folder
}

func (m *liveMeeting) checkNoTokens(t *testing.T) {
	t.Helper()
	logs := m.logs.String()
	m.mu.Lock()
	reqs := strings.Join(m.requests, "\n")
	m.mu.Unlock()
	if len(logs) == 0 || len(reqs) == 0 {
		t.Fatal("no logs or requests captured")
	}
	for _, s := range e2eSecrets {
		if strings.Contains(logs, s) {
			t.Errorf("a token (%s…) is in the server's logs", s[:4])
		}
		if strings.Contains(reqs, s) || strings.Contains(strings.ToLower(reqs), "token") {
			t.Errorf("a token is in a URL the server was asked for:\n%s", reqs)
		}
	}
}
