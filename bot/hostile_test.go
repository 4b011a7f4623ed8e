package bot_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/signaling"
)

// TestHostileClientsDoNotDisturbTheMeeting attacks a running server in every
// way a stranger on the Internet can — garbage on the port, floods of
// connections, oversized and malformed frames, guessed tokens, connections
// that never speak — while three honest rooms keep sending. Their
// recordings must have no gap from the attack.
func TestHostileClientsDoNotDisturbTheMeeting(t *testing.T) {
	srv := startServer(t)
	dir := t.TempDir()
	b := bot.New(bot.Config{URL: srv.URL, Meeting: "test", Token: "rec-9f2c41", Dir: dir, File: srv.File, Loopback: true, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	// Three honest rooms send an unbroken tone for the whole test.
	const total = 7 * time.Second
	honest := map[string]float64{"host": 440, "ranchi": 660, "dumka": 880}
	speakers := toneSpeakers(t, total, honest)
	t0 := time.Now().Add(time.Second)
	wait := playAll(t, srv, speakers, t0)

	// The attack, from 1 s to 5 s into the meeting.
	time.Sleep(time.Until(t0.Add(time.Second)))
	host := strings.TrimPrefix(strings.TrimSuffix(srv.URL, "/ws"), "ws://")
	attack(t, srv.URL, host, t0.Add(5*time.Second))

	wait()
	time.Sleep(300 * time.Millisecond)
	folder := stop()
	man := report(t, folder)
	events := recordingtest.EventsSoFar(folder)
	for id := range honest {
		segs, _ := filepath.Glob(filepath.Join(folder, "segments", id, "*.ogg"))
		if len(segs) != 1 {
			t.Errorf("%s has %d segments: the attack broke its connection", id, len(segs))
		}
		for _, e := range events {
			if e.Room == id && (e.Event == "dropped" || e.Event == "replaced") {
				t.Errorf("%s: %s during the attack", id, e.Event)
			}
		}
	}
	// Every 20 ms of the tones is there, from the first packet to the last.
	for id, gaps := range checkUnbroken(t, folder, man, speakers, t0, total) {
		for _, e := range events {
			if e.Room == id && e.Event == "segment_closed" {
				t.Logf("%s: %d silent 20 ms windows; segment stats %s", id, gaps, e.Stats)
			}
		}
	}
}

// attack runs every kind of hostile client until the deadline, reads
// what the server answers each, and checks that every answer is the one
// the protocol gives it: a 400 to garbage, too_large to an oversized
// frame, bad_message to a malformed one, bad_token or locked_out to a
// guessed token; or a refusal because the address holds too many
// connections. A guess that gets in fails the test.
func attack(t *testing.T, url, hostport string, until time.Time) {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(until) {
				f()
				// Hostile but not a CPU benchmark: the test machine's two
				// cores also run the honest rooms, the relay and the bot.
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	var answersMu sync.Mutex
	answers := map[string]map[string]int{} // attack -> answer -> count
	answered := func(kind, answer string) {
		answersMu.Lock()
		defer answersMu.Unlock()
		if answers[kind] == nil {
			answers[kind] = map[string]int{}
		}
		answers[kind][answer]++
	}
	dial := func() *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			return nil
		}
		return ws
	}
	// readErrors reads until the server closes: the codes of its errors,
	// or "closed" when it said nothing first.
	readErrors := func(kind string, ws *websocket.Conn) {
		ws.SetReadDeadline(time.Now().Add(3 * time.Second))
		said := false
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				break
			}
			var m signaling.Message
			if json.Unmarshal(data, &m) != nil || m.Type != signaling.TypeError {
				answered(kind, "not an error: "+string(data))
				continue
			}
			said = true
			answered(kind, m.Code)
		}
		if !said {
			answered(kind, "closed")
		}
	}
	// Garbage on the port, not even HTTP.
	run(func() {
		c, err := net.Dial("tcp", hostport)
		if err == nil {
			c.Write([]byte("\x16\x03\x01\x00\xffGARBAGE\r\n\r\n\x00\x01"))
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			switch {
			case line == "":
				answered("garbage", "closed")
			case strings.HasPrefix(line, "HTTP/1.1 400 "):
				answered("garbage", "400")
			default:
				answered("garbage", line)
			}
			c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	})
	// Oversized, malformed and binary frames, and messages before join.
	run(func() {
		if ws := dial(); ws != nil {
			ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 200<<10)))
			readErrors("oversized", ws)
			ws.Close()
		}
	})
	run(func() {
		if ws := dial(); ws != nil {
			ws.WriteMessage(websocket.TextMessage, []byte(`{"type":`))
			ws.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0})
			ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"answer","sdp":"v=0"}`))
			readErrors("malformed", ws)
			ws.Close()
		}
	})
	// Guessing tokens.
	run(func() {
		c, err := signaling.Dial(context.Background(), url, signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "bokaro", Token: "guess"})
		var je *signaling.JoinError
		switch {
		case err == nil:
			answered("guess", "welcome")
			c.Close()
		case errors.As(err, &je):
			answered("guess", je.Code)
		default:
			answered("guess", "closed")
		}
	})
	// Connections that never say anything, held open.
	var held []*websocket.Conn
	var mu sync.Mutex
	run(func() {
		if ws := dial(); ws != nil {
			mu.Lock()
			held = append(held, ws)
			mu.Unlock()
		}
		time.Sleep(10 * time.Millisecond)
	})
	wg.Wait()
	mu.Lock()
	for _, ws := range held {
		ws.Close()
	}
	mu.Unlock()
	if len(held) == 0 {
		t.Log("no idle connection was even accepted")
	}

	answersMu.Lock()
	defer answersMu.Unlock()
	t.Logf("the server's answers: %v", answers)
	refused := []string{signaling.CodeTooManyConnections, "closed"}
	for kind, want := range map[string][]string{
		"garbage":   {"400"},
		"oversized": {signaling.CodeTooLarge},
		// The first bad frame is answered, the second (within a second)
		// closes; a connection may also be closed with too_many_errors.
		"malformed": {signaling.CodeBadMessage, signaling.CodeNotJoined, signaling.CodeTooManyErrors},
		"guess":     {signaling.CodeBadToken, signaling.CodeLockedOut},
	} {
		if answers[kind][want[0]] == 0 && (kind != "guess" || answers[kind][want[1]] == 0) {
			t.Errorf("%s: never answered %v: %v", kind, want, answers[kind])
		}
		for answer, n := range answers[kind] {
			if !slices.Contains(want, answer) && !slices.Contains(refused, answer) {
				t.Errorf("%s: answered %q %d times, want %v (or a refusal)", kind, answer, n, want)
			}
		}
	}
}
