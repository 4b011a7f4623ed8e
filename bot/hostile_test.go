package bot_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
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
	b := bot.New(bot.Config{URL: srv.url, Meeting: "test", Token: "rec-9f2c41", Dir: dir, File: srv.file, Loopback: true, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	// Three honest rooms send an unbroken tone for the whole test.
	const total = 7 * time.Second
	honest := map[string]float64{"host": 440, "ranchi": 660, "dumka": 880}
	var speakers []*speaker
	for id, hz := range honest {
		s := &speaker{id: id, bursts: []audiotest.Burst{{At: 0, Dur: total, Freq: hz, Amp: 0.4}}}
		s.packets, s.levels = script(t, total, s.bursts)
		speakers = append(speakers, s)
	}
	t0 := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for _, s := range speakers {
		p := s.join(t, srv)
		if p == nil {
			t.FailNow()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(t, srv, p, t0)
		}()
	}

	// The attack, from 1 s to 5 s into the meeting.
	time.Sleep(time.Until(t0.Add(time.Second)))
	host := strings.TrimPrefix(strings.TrimSuffix(srv.url, "/ws"), "ws://")
	attack(t, srv.url, host, t0.Add(5*time.Second))

	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	folder := stop()
	if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	events := readEvents(t, folder)
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
		// Every 20 ms of the tone is there, from the first packet to the last.
		dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", id+".ogg"))
		if err != nil {
			t.Fatal(err)
		}
		man, err := recording.ReadManifest(folder)
		if err != nil {
			t.Fatal(err)
		}
		from := audiotest.Samples(t0.Sub(man.StartedAt()) + 100*time.Millisecond)
		to := audiotest.Samples(t0.Add(total).Sub(man.StartedAt()) - 100*time.Millisecond)
		if from < 0 || to > len(dec.PCM) {
			t.Fatalf("%s: tone span %d..%d outside the file's %d samples", id, from, to, len(dec.PCM))
		}
		gaps := 0
		for i, rms := range audiotest.RMS(dec.PCM[from:to], 960) {
			if rms < 0.05 {
				if gaps == 0 {
					t.Errorf("%s: gap at %v into the tone (RMS %.3f)", id, audiotest.Duration(i*960), rms)
				}
				gaps++
			}
		}
		if gaps > 0 {
			for _, e := range events {
				if e.Room == id && e.Event == "segment_closed" {
					t.Logf("%s: %d silent 20 ms windows; segment stats %s", id, gaps, e.Stats)
				}
			}
		}
	}
}

// attack runs every kind of hostile client until the deadline.
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
	dial := func() *websocket.Conn {
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			return nil
		}
		return ws
	}
	// Garbage on the port, not even HTTP.
	run(func() {
		c, err := net.Dial("tcp", hostport)
		if err == nil {
			c.Write([]byte("\x16\x03\x01\x00\xffGARBAGE\r\n\r\n\x00\x01"))
			c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	})
	// Oversized, malformed and binary frames, and messages before join.
	run(func() {
		if ws := dial(); ws != nil {
			ws.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 200<<10)))
			ws.Close()
		}
	})
	run(func() {
		if ws := dial(); ws != nil {
			ws.WriteMessage(websocket.TextMessage, []byte(`{"type":`))
			ws.WriteMessage(websocket.BinaryMessage, []byte{0xff, 0})
			ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"answer","sdp":"v=0"}`))
			ws.Close()
		}
	})
	// Guessing tokens.
	run(func() {
		c, err := signaling.Dial(context.Background(), url, signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "bokaro", Token: "guess"})
		if err == nil {
			c.Close()
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
}
