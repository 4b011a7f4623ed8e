package signaling

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

func joinErr(t *testing.T, ts *testServer, join Message) *JoinError {
	t.Helper()
	c, err := Dial(context.Background(), ts.url, join)
	if err == nil {
		c.Close()
		return nil
	}
	var je *JoinError
	if !errors.As(err, &je) {
		t.Fatalf("join failed without a protocol error: %v", err)
	}
	return je
}

// stillFine checks that a connected room is undisturbed: its mute reaches
// the host as presence.
func stillFine(t *testing.T, host, room *Client) {
	t.Helper()
	room.Send(Message{Type: TypeMute, Muted: boolPtr(true)})
	if m := next(t, host, TypePresence); m.Event != recording.EventMuted {
		t.Fatalf("got %+v, want the room's mute", m)
	}
	room.Send(Message{Type: TypeMute, Muted: boolPtr(false)})
	next(t, host, TypePresence)
}

func TestConnectionsPerIP(t *testing.T) {
	ts := startServer(t, WithLimits(meeting.Limits{ConnectionsPerIP: 3}))
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)
	ranchi := joinRoom(t, ts, "ranchi")
	next(t, host, TypePresence)
	third := rawDial(t, ts)
	// Its error for a message before join proves the server counts it:
	// the handshake alone can finish before the server has.
	third.WriteMessage(websocket.TextMessage, []byte(`{"type":"leave"}`))
	if m, err := readMsg(t, third); err != nil || m.Code != CodeNotJoined {
		t.Fatalf("third connection got %+v %v, want not_joined", m, err)
	}
	ws := rawDial(t, ts)
	m, err := readMsg(t, ws)
	if err != nil || m.Code != CodeTooManyConnections {
		t.Fatalf("fourth connection got %+v %v, want too_many_connections", m, err)
	}
	expectClosed(t, ws)
	stillFine(t, host, ranchi)
}

func TestRateLimit(t *testing.T) {
	ts := startServer(t, WithLimits(meeting.Limits{MessagesPerSecond: 20}))
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)
	ranchi := joinRoom(t, ts, "ranchi")
	next(t, host, TypePresence)
	flood := rawDial(t, ts)
	flood.WriteJSON(Message{Type: TypeJoin, Meeting: "test", Role: RoleRoom, Room: "dumka", Token: "t-dumka"})
	for i := range 500 {
		if flood.WriteJSON(Message{Type: TypeMute, Muted: boolPtr(i%2 == 0)}) != nil {
			break
		}
	}
	codes := map[string]bool{}
	for {
		m, err := readMsg(t, flood)
		if err != nil {
			break
		}
		codes[m.Code] = true
	}
	if !codes[CodeRateLimited] {
		t.Errorf("the flooder got codes %v, want rate_limited before its close", codes)
	}
	// The flood and its drop reach the host as presence, nothing more.
	for {
		m := next(t, host, TypePresence)
		if m.Room == "dumka" && m.Event == recording.EventDropped {
			break
		}
	}
	stillFine(t, host, ranchi)
}

func TestFailedJoinsLockOut(t *testing.T) {
	ts := startServer(t, WithLimits(meeting.Limits{FailedJoinsPerIP: 5, Lockout: meeting.Duration(time.Minute)}))
	host := joinRoom(t, ts, "host")
	next(t, host, TypePresence)
	bad := Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "guess"}
	for i := 1; i <= 4; i++ {
		start := time.Now()
		je := joinErr(t, ts, bad)
		if je == nil || je.Code != CodeBadToken {
			t.Fatalf("failure %d: %v, want bad_token", i, je)
		}
		if i == 4 && time.Since(start) < 900*time.Millisecond {
			t.Errorf("the fourth failed join was answered in %v: want it held back a second", time.Since(start))
		}
	}
	if je := joinErr(t, ts, bad); je == nil || je.Code != CodeLockedOut {
		t.Fatalf("fifth failure: %v, want locked_out", je)
	}
	// Locked out: a wrong token is refused as locked_out, a second late.
	start := time.Now()
	if je := joinErr(t, ts, bad); je == nil || je.Code != CodeLockedOut {
		t.Fatalf("wrong token while locked out: %v, want locked_out", je)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("a guess from a locked-out address was answered in %v: want a second", d)
	}
	// The right token gets in, a second late: ten bad guesses from a
	// shared address must not lock out the rooms behind it.
	start = time.Now()
	ranchi, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "t-ranchi"})
	if err != nil {
		t.Fatalf("right token while locked out: %v, want admitted", err)
	}
	defer ranchi.Close()
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("a join from a locked-out address was answered in %v: want a second", d)
	}
	if m := next(t, host, TypePresence); m.Event != recording.EventJoined || m.Room != "ranchi" {
		t.Errorf("host got %+v, want ranchi joined", m)
	}
	// The room already in the meeting is not disturbed.
	host.Send(Message{Type: TypeMute, Muted: boolPtr(true)})
	if m := next(t, host, TypePresence); m.Event != recording.EventMuted {
		t.Errorf("host got %+v", m)
	}
}

func TestMaxStaffAndRecorders(t *testing.T) {
	ts := startServer(t, WithLimits(meeting.Limits{MaxStaff: 1, MaxRecorders: 1}))
	staff, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleStaff, Token: "staff"})
	if err != nil {
		t.Fatal(err)
	}
	defer staff.Close()
	if je := joinErr(t, ts, Message{Meeting: "test", Role: RoleStaff, Token: "staff"}); je == nil || je.Code != CodeTooManyClients {
		t.Errorf("second staff page: %v, want too_many_clients", je)
	}
	rec, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleRecorder, Token: "rec"})
	if err != nil {
		t.Fatal(err)
	}
	if je := joinErr(t, ts, Message{Meeting: "test", Role: RoleRecorder, Token: "rec"}); je == nil || je.Code != CodeTooManyClients {
		t.Errorf("second recorder: %v, want too_many_clients", je)
	}
	rec.Close()
	// A place freed is a place taken again.
	time.Sleep(100 * time.Millisecond)
	rec2, err := Dial(context.Background(), ts.url, Message{Meeting: "test", Role: RoleRecorder, Token: "rec"})
	if err != nil {
		t.Fatalf("recorder after the first left: %v", err)
	}
	rec2.Close()
}
