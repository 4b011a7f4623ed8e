package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

const testMeetingYAML = `
meeting: {id: test, title: Test, starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host}}
  - {id: ranchi, kind: district, name: Ranchi, name_hi: रांची, token: {plain: t-ranchi}}
  - {id: dumka, kind: district, name: Dumka, name_hi: दुमका, token: {plain: t-dumka}}
`

func testMeeting(t testing.TB) *meeting.File {
	t.Helper()
	f, err := meeting.Parse("test.yaml", []byte(testMeetingYAML))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type testServer struct {
	*Server
	http *httptest.Server
	url  string
}

func startServer(t *testing.T, opts ...Option) *testServer {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger())}, opts...)
	s := New(testMeeting(t), opts...)
	h := httptest.NewServer(s.Handler())
	ts := &testServer{Server: s, http: h, url: "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"}
	t.Cleanup(func() {
		s.Close()
		h.Close()
	})
	return ts
}

func joinRoom(t *testing.T, ts *testServer, room string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ts.url, Message{Meeting: "test", Role: RoleRoom, Room: room, Token: "t-" + room})
	if err != nil {
		t.Fatalf("join %s: %v", room, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// next waits for the next message of type typ, skipping others.
func next(t *testing.T, c *Client, typ string) Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				t.Fatalf("connection ended waiting for %s: %v", typ, c.Err())
			}
			if m.Type == typ {
				return m
			}
		case <-timeout:
			t.Fatalf("no %s message within 5s", typ)
		}
	}
}

// rawDial opens a websocket without joining.
func rawDial(t *testing.T, ts *testServer) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(ts.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func readMsg(t *testing.T, ws *websocket.Conn) (Message, error) {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		return Message{}, err
	}
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("server sent non-JSON %q", data)
	}
	return m, nil
}

// expectClosed reads until the server closes, failing if it does not.
func expectClosed(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	for {
		if _, err := readMsg(t, ws); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("want the server to close, got %v", err)
			}
			return
		}
	}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestJoinWelcomeAndPresence(t *testing.T) {
	ts := startServer(t)
	ranchi := joinRoom(t, ts, "ranchi")
	w := ranchi.Welcome
	if _, err := uuid.Parse(w.Session); err != nil {
		t.Errorf("session %q is not a uuid", w.Session)
	}
	if w.Room != "ranchi" || w.Role != RoleRoom || w.MeetingInfo == nil || w.MeetingInfo.ID != "test" {
		t.Errorf("welcome = %+v", w)
	}
	if len(w.Roster) != 3 || w.Recording == nil || *w.Recording {
		t.Fatalf("roster %+v recording %v", w.Roster, w.Recording)
	}
	states := map[string]string{}
	for _, r := range w.Roster {
		states[r.Room] = r.State
	}
	if states["ranchi"] != StateConnected || states["dumka"] != StateAbsent {
		t.Errorf("roster states %v", states)
	}
	if m := next(t, ranchi, TypePresence); m.Event != recording.EventJoined || m.Room != "ranchi" {
		t.Errorf("own presence %+v", m)
	}

	dumka := joinRoom(t, ts, "dumka")
	m := next(t, ranchi, TypePresence)
	if m.Event != recording.EventJoined || m.Room != "dumka" || m.Session != dumka.Welcome.Session {
		t.Errorf("presence %+v", m)
	}
	at, err := time.Parse(time.RFC3339, m.At)
	if err != nil || time.Since(at) > 5*time.Second || !strings.Contains(m.At, ".") {
		t.Errorf("presence at %q: want a server timestamp with ms", m.At)
	}

	dumka.Send(Message{Type: TypeMute, Muted: boolPtr(true)})
	if m := next(t, ranchi, TypePresence); m.Event != recording.EventMuted || m.Room != "dumka" {
		t.Errorf("want dumka muted, got %+v", m)
	}
	dumka.Send(Message{Type: TypeMute, Muted: boolPtr(false)})
	if m := next(t, ranchi, TypePresence); m.Event != recording.EventUnmuted || m.Room != "dumka" {
		t.Errorf("want dumka unmuted, got %+v", m)
	}

	// A recorder joining tells everyone the meeting is recorded.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec, err := Dial(ctx, ts.url, Message{Meeting: "test", Role: RoleRecorder, Token: "rec"})
	if err != nil {
		t.Fatal(err)
	}
	if m := next(t, ranchi, TypeRecording); m.Active == nil || !*m.Active {
		t.Errorf("want recording active, got %+v", m)
	}
	rec.Close()
	if m := next(t, ranchi, TypeRecording); m.Active == nil || *m.Active {
		t.Errorf("want recording inactive, got %+v", m)
	}
}

func TestJoinRefused(t *testing.T) {
	// More refusals than the lockout allows: each is checked for its code.
	ts := startServer(t, WithLimits(meeting.Limits{FailedJoinsPerIP: 20}))
	for _, tc := range []struct {
		name string
		join Message
		code string
	}{
		{"wrong room token", Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-dumka"}, CodeBadToken},
		{"empty token", Message{Meeting: "test", Role: RoleRoom, Room: "ranchi"}, CodeBadToken},
		// A room's own token may learn that the link names no room; a
		// stranger may not learn which rooms exist.
		{"unknown room, another room's token", Message{Meeting: "test", Role: RoleRoom, Room: "patna", Token: "t-ranchi"}, CodeUnknownRoom},
		{"unknown room, a guessed token", Message{Meeting: "test", Role: RoleRoom, Room: "patna", Token: "guess"}, CodeBadToken},
		{"unknown room, the recorder's token", Message{Meeting: "test", Role: RoleRoom, Room: "patna", Token: "rec"}, CodeBadToken},
		{"unknown meeting", Message{Meeting: "other", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"}, CodeUnknownMeeting},
		{"room token as recorder", Message{Meeting: "test", Role: RoleRecorder, Token: "t-ranchi"}, CodeBadToken},
		{"room token as staff", Message{Meeting: "test", Role: RoleStaff, Token: "t-ranchi"}, CodeBadToken},
		{"recorder token as room", Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "rec"}, CodeBadToken},
		{"staff token as recorder", Message{Meeting: "test", Role: RoleRecorder, Token: "staff"}, CodeBadToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Dial(context.Background(), ts.url, tc.join)
			var je *JoinError
			if !errors.As(err, &je) || je.Code != tc.code {
				t.Fatalf("got %v, want join refused with %s", err, tc.code)
			}
		})
	}
	if got := ts.Roster()["ranchi"]; got != StateAbsent {
		t.Errorf("ranchi is %s after refused joins", got)
	}
}

func TestBadFrames(t *testing.T) {
	ts := startServer(t)

	t.Run("oversized", func(t *testing.T) {
		ws := rawDial(t, ts)
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"join","x":"`+strings.Repeat("a", MaxMessageSize)+`"}`))
		m, err := readMsg(t, ws)
		if err != nil || m.Type != TypeError || m.Code != CodeTooLarge {
			t.Fatalf("got %+v %v, want error too_large", m, err)
		}
		expectClosed(t, ws)
	})
	t.Run("exactly 64 KiB is fine", func(t *testing.T) {
		ws := rawDial(t, ts)
		join := `{"type":"join","meeting":"test","role":"room","room":"host","token":"t-host","pad":"`
		pad := MaxMessageSize - len(join) - 2
		ws.WriteMessage(websocket.TextMessage, []byte(join+strings.Repeat("a", pad)+`"}`))
		if m, err := readMsg(t, ws); err != nil || m.Type != TypeWelcome {
			t.Fatalf("got %+v %v, want welcome", m, err)
		}
	})
	t.Run("bad JSON then again", func(t *testing.T) {
		ws := rawDial(t, ts)
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":`))
		if m, _ := readMsg(t, ws); m.Code != CodeBadMessage {
			t.Fatalf("got %+v, want bad_message", m)
		}
		ws.WriteMessage(websocket.TextMessage, []byte(`not json`))
		if m, _ := readMsg(t, ws); m.Code != CodeBadMessage {
			t.Fatalf("got %+v, want bad_message", m)
		}
		expectClosed(t, ws)
	})
	t.Run("unknown type", func(t *testing.T) {
		ws := rawDial(t, ts)
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"dance"}`))
		if m, _ := readMsg(t, ws); m.Code != CodeBadMessage || !strings.Contains(m.Text, "dance") {
			t.Fatalf("got %+v, want bad_message naming the type", m)
		}
	})
	t.Run("message before join", func(t *testing.T) {
		ws := rawDial(t, ts)
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"mute","muted":true}`))
		if m, _ := readMsg(t, ws); m.Code != CodeNotJoined {
			t.Fatalf("got %+v, want not_joined", m)
		}
		ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"leave"}`))
		if m, _ := readMsg(t, ws); m.Code != CodeNotJoined {
			t.Fatalf("got %+v, want not_joined", m)
		}
		expectClosed(t, ws)
	})
	t.Run("binary frame", func(t *testing.T) {
		ws := rawDial(t, ts)
		ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2})
		if m, _ := readMsg(t, ws); m.Code != CodeBadMessage {
			t.Fatalf("got %+v, want bad_message", m)
		}
	})
}

func TestJoinTimeout(t *testing.T) {
	ts := startServer(t, WithTimers(200*time.Millisecond, time.Second, 3*time.Second))
	ws := rawDial(t, ts)
	m, err := readMsg(t, ws)
	if err != nil || m.Code != CodeJoinTimeout {
		t.Fatalf("got %+v %v, want join_timeout", m, err)
	}
	expectClosed(t, ws)
}

func TestRejoinReplaces(t *testing.T) {
	ts := startServer(t)
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence) // own joined
	first := joinRoom(t, ts, "ranchi")
	next(t, host, TypePresence)
	second := joinRoom(t, ts, "ranchi")

	m := next(t, first, TypeError)
	if m.Code != CodeReplaced {
		t.Errorf("old session got %+v, want error replaced", m)
	}
	select {
	case <-first.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("replaced session not closed")
	}
	m = next(t, host, TypePresence)
	if m.Event != recording.EventReplaced || m.Room != "ranchi" || m.Session != first.Welcome.Session {
		t.Errorf("want replaced for the old session, got %+v", m)
	}
	m = next(t, host, TypePresence)
	if m.Event != recording.EventJoined || m.Session != second.Welcome.Session {
		t.Errorf("want joined for the new session, got %+v", m)
	}
	// The old connection going away must not mark the room dropped.
	time.Sleep(100 * time.Millisecond)
	if got := ts.Roster()["ranchi"]; got != StateConnected {
		t.Errorf("ranchi is %s, want connected", got)
	}
}

func TestLeaveAndDrop(t *testing.T) {
	ts := startServer(t)
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)

	ranchi := joinRoom(t, ts, "ranchi")
	next(t, host, TypePresence)
	ranchi.Leave()
	if m := next(t, host, TypePresence); m.Event != recording.EventLeft || m.Room != "ranchi" {
		t.Errorf("want left, got %+v", m)
	}

	dumka := joinRoom(t, ts, "dumka")
	next(t, host, TypePresence)
	dumka.Close() // no leave: the connection is just gone
	if m := next(t, host, TypePresence); m.Event != recording.EventDropped || m.Room != "dumka" {
		t.Errorf("want dropped, got %+v", m)
	}
	rooms := ts.Roster()
	if rooms["ranchi"] != StateLeft || rooms["dumka"] != StateDropped {
		t.Errorf("rooms = %v", rooms)
	}
	// A roll call opened now still sees when dumka first came and that it
	// dropped.
	time.Sleep(10 * time.Millisecond)
	again := joinRoom(t, ts, "dumka")
	for _, r := range again.Welcome.Roster {
		if r.Room == "dumka" && (r.Drops != 1 || r.FirstJoined == "" || r.FirstJoined == r.Since) {
			t.Errorf("dumka in the roster: %+v", r)
		}
	}
}

func TestSilentPeerIsDropped(t *testing.T) {
	ts := startServer(t, WithTimers(time.Second, 50*time.Millisecond, 300*time.Millisecond))
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)

	// A client that joins and then never reads answers no pings.
	ws := rawDial(t, ts)
	ws.WriteJSON(Message{Type: TypeJoin, Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"})
	if m := next(t, host, TypePresence); m.Event != recording.EventJoined {
		t.Fatalf("got %+v", m)
	}
	if m := next(t, host, TypePresence); m.Event != recording.EventDropped || m.Room != "ranchi" {
		t.Errorf("want the silent peer dropped, got %+v", m)
	}
}

func TestNonReaderDoesNotStallOthers(t *testing.T) {
	// The non-reader answers no pings either: with a short pong timeout it
	// is dropped by liveness if its queue has not overflowed first.
	ts := startServer(t, WithTimers(10*time.Second, 500*time.Millisecond, 3*time.Second),
		WithLimits(meeting.Limits{MessagesPerSecond: 5000}))
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)
	ranchi := joinRoom(t, ts, "ranchi")
	next(t, host, TypePresence)
	go func() {
		for range ranchi.Messages() {
		}
	}()

	// Dumka joins and then never reads, with a receive buffer so small that
	// the server's writes to it soon block.
	d := websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { setReceiveBuffer(fd, 2048) })
	}}).DialContext}
	ws, _, err := d.Dial(ts.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteJSON(Message{Type: TypeJoin, Meeting: "test", Role: RoleRoom, Room: "dumka", Token: "t-dumka"})
	if m := next(t, host, TypePresence); m.Room != "dumka" || m.Event != recording.EventJoined {
		t.Fatalf("got %+v", m)
	}

	// Far more presence than dumka's queue and socket can hold, at a pace an
	// honest reader keeps up with easily.
	const toggles = 3000
	got := make(chan Message, toggles+10)
	go func() {
		for m := range host.Messages() {
			got <- m
		}
	}()
	for i := range toggles {
		if err := ranchi.Send(Message{Type: TypeMute, Muted: boolPtr(i%2 == 0)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	n, dumkaDropped := 0, false
	timeout := time.After(20 * time.Second)
	for n < toggles || !dumkaDropped {
		select {
		case m := <-got:
			switch {
			case m.Type == TypePresence && m.Room == "ranchi":
				n++
			case m.Type == TypePresence && m.Room == "dumka" && m.Event == recording.EventDropped:
				dumkaDropped = true
			}
		case <-timeout:
			t.Fatalf("host got %d of %d presence messages; dumka dropped: %v", n, toggles, dumkaDropped)
		}
	}
}

func TestHealth(t *testing.T) {
	ts := startServer(t)
	joinRoom(t, ts, "ranchi")
	resp, err := ts.http.Client().Get(ts.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
		Rooms  int    `json:"rooms_connected"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	if resp.StatusCode != 200 || h.Status != "ok" || h.Rooms != 1 {
		t.Errorf("healthz %d %+v", resp.StatusCode, h)
	}
}

func TestOrigin(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	join := Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"}
	if _, err := Dial(ctx, ts.url, join, WithOrigin("https://evil.example")); err == nil {
		t.Error("a foreign origin was admitted")
	}
	c, err := Dial(ctx, ts.url, join, WithOrigin(ts.http.URL))
	if err != nil {
		t.Fatalf("same-host origin refused: %v", err)
	}
	c.Close()
	// The same host over another scheme is another origin: a page on
	// plain http must not drive an https server's websocket, nor the
	// other way round.
	other := "https" + strings.TrimPrefix(ts.http.URL, "http")
	if c, err := Dial(ctx, ts.url, join, WithOrigin(other)); err == nil {
		c.Close()
		t.Errorf("origin %s admitted by the http server at %s", other, ts.http.URL)
	}
}

// TestOriginBehindProxy: behind an https proxy the server sees plain http
// with the proxy's Host; the pages' origin is server.public_url.
func TestOriginBehindProxy(t *testing.T) {
	f := testMeeting(t)
	f.Server.PublicURL = "https://samvad.example.org"
	s := New(f, WithLogger(quietLogger()))
	h := httptest.NewServer(s.Handler())
	defer func() {
		s.Close()
		h.Close()
	}()
	url := "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"
	join := Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"}
	proxied := func(origin string) DialOption {
		return func(_ *websocket.Dialer, hd http.Header) {
			hd.Set("Origin", origin)
			hd.Set("Host", "samvad.example.org")
		}
	}
	c, err := Dial(context.Background(), url, join, proxied("https://samvad.example.org"))
	if err != nil {
		t.Fatalf("the public URL's origin refused: %v", err)
	}
	c.Close()
	for _, o := range []string{"http://samvad.example.org", "https://evil.example", "https://samvad.example.org.evil.example"} {
		if c, err := Dial(context.Background(), url, join, proxied(o)); err == nil {
			c.Close()
			t.Errorf("origin %s admitted", o)
		}
	}
}

func TestAllowedOrigins(t *testing.T) {
	f := testMeeting(t)
	f.Server.AllowedOrigins = []string{"https://samvad.example.org"}
	s := New(f, WithLogger(quietLogger()))
	h := httptest.NewServer(s.Handler())
	defer func() {
		s.Close()
		h.Close()
	}()
	url := "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"
	join := Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"}
	c, err := Dial(context.Background(), url, join, WithOrigin("https://samvad.example.org"))
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	c.Close()
	for _, o := range []string{h.URL, "https://evil.example", "https://samvad.example.org.evil.example"} {
		if c, err := Dial(context.Background(), url, join, WithOrigin(o)); err == nil {
			c.Close()
			t.Errorf("origin %s admitted", o)
		}
	}
	// A client without an Origin (the bot, the simulator) is not a browser.
	c, err = Dial(context.Background(), url, join)
	if err != nil {
		t.Fatalf("no Origin refused: %v", err)
	}
	c.Close()
}

// A recorder hears every room, so its answer outgrows 64 KiB in a big
// meeting: once it has joined, its frames may be larger; a room's may not.
func TestRecorderMayAnswerBig(t *testing.T) {
	ts := startServer(t)
	big := Message{Type: TypeStatus, Status: &RecorderStatus{Folder: strings.Repeat("x", 200<<10)}}

	rec, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleRecorder, Token: "rec"})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	staff, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleStaff, Token: "staff"})
	if err != nil {
		t.Fatal(err)
	}
	defer staff.Close()
	rec.Send(big)
	if m := next(t, staff, TypeStatus); m.Status == nil || len(m.Status.Folder) != 200<<10 {
		t.Errorf("the recorder's 200 KiB frame did not get through")
	}

	room := joinRoom(t, ts, "ranchi")
	room.Send(big)
	if m := next(t, room, TypeError); m.Code != CodeTooLarge {
		t.Errorf("a room's 200 KiB frame: %+v, want too_large", m)
	}
}
