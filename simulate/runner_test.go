package simulate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startServer is the real signalling server and relay, on loopback.
func startServer(t *testing.T) (*meeting.File, string) {
	t.Helper()
	s := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{LoopbackOnly: true})
	return s.File, s.URL
}

// arrival is one packet a listener got.
type arrival struct {
	at    time.Time
	track string
	seq   uint16
	ts    uint32
	level int
}

// listener is a recorder that notes every packet of every room.
type listener struct {
	mu   sync.Mutex
	pkts map[string][]arrival
}

func listen(t *testing.T, url string) *listener {
	l := &listener{pkts: map[string][]arrival{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := participant.Join(ctx, participant.Config{
		URL: url, Loopback: true, Logger: quiet(),
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRecorder, Token: "rec"},
	}, participant.Handlers{OnTrack: func(room string, tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		var levelID uint8
		for _, e := range recv.GetParameters().HeaderExtensions {
			if e.URI == media.AudioLevelURI {
				levelID = uint8(e.ID)
			}
		}
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			level := -1
			if ext := pkt.GetExtension(levelID); len(ext) > 0 {
				level = int(ext[0] & 0x7f)
			}
			l.add(room, tr.ID(), pkt, level)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return l
}

func (l *listener) add(room, track string, pkt *rtp.Packet, level int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pkts[room] = append(l.pkts[room], arrival{at: time.Now(), track: track, seq: pkt.SequenceNumber, ts: pkt.Timestamp, level: level})
}

func (l *listener) get(room string) []arrival {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]arrival(nil), l.pkts[room]...)
}

// TestRunnerPlaysAgainstARealServer plays a short script with every
// impairment and checks, packet by packet, what a recorder receives.
func TestRunnerPlaysAgainstARealServer(t *testing.T) {
	f, url := startServer(t)
	l := listen(t, url)
	const D = 5 * time.Second
	s, err := Build(f, Options{
		Duration: D, Loss: 0.05, Jitter: 200 * time.Millisecond,
		Absent: []string{"palamu"}, Silent: "bokaro", Pause: "ranchi", PauseFor: 1500 * time.Millisecond,
		Drop: "dumka", DropFor: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var steps []string
	r, err := Start(context.Background(), s, Config{URL: url, Loopback: true, Logger: quiet(), OnStep: func(st Step) {
		mu.Lock()
		steps = append(steps, st.Room+" "+st.What)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the last packets through the relay
	t.Logf("steps:\n%s", strings.Join(steps, "\n"))

	byRoom := map[string]RoomStats{}
	for _, st := range stats {
		byRoom[st.Room] = st
		t.Logf("%+v", st)
	}
	frames := int(D / (20 * time.Millisecond))
	var held int64
	for _, id := range []string{"host", "ranchi", "dumka", "bokaro"} {
		st, got := byRoom[id], l.get(id)
		if st.Late > st.Sent/2 {
			// A busy machine delays some ticks (and slows joins, whose
			// frames are skipped); this many means the runner does not
			// keep time.
			t.Errorf("%s: %d of %d packets late", id, st.Late, st.Sent)
		}
		// Every packet the relay forwarded was sent, and most sent arrive
		// (a few go before the microphone is negotiated).
		if int64(len(got)) > st.Sent || int64(len(got)) < st.Sent*8/10 {
			t.Errorf("%s: sent %d, the recorder got %d", id, st.Sent, len(got))
		}
		want := int64(frames)
		switch id {
		case "ranchi":
			want -= 75 // paused 1.5 s
		case "dumka":
			want -= 50 // away 1 s
		}
		if st.Sent+st.Lost < want*6/10 || st.Sent+st.Lost > want {
			t.Errorf("%s: sent %d and lost %d of about %d frames", id, st.Sent, st.Lost, want)
		}
		if st.Lost == 0 {
			t.Errorf("%s: lost none at 5%% loss", id)
		}
		held += st.Held
		// RTP timestamps advance by 960 per sequence number, whatever the
		// loss and jitter, within one connection.
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a.track != b.track {
				continue
			}
			dseq := int(uint16(b.seq - a.seq))
			if dseq == 0 || dseq > 1000 {
				t.Errorf("%s: packet %d out of order: seq %d after %d", id, i, b.seq, a.seq)
				continue
			}
			if id != "ranchi" && b.ts-a.ts != uint32(960*dseq) {
				t.Errorf("%s: seq +%d, timestamp +%d", id, dseq, b.ts-a.ts)
			}
		}
		// Only the silent room sends only digital silence (127); a
		// voice's clip may hold a moment of it between words.
		silent := 0
		for _, a := range got {
			if a.level == 127 {
				silent++
			}
		}
		if id == "bokaro" && silent != len(got) || id != "bokaro" && silent > len(got)/2 {
			t.Errorf("%s: %d of %d packets at level 127 (digital silence)", id, silent, len(got))
		}
		t.Logf("%s: %d of %d packets at level 127", id, silent, len(got))
	}
	if held == 0 {
		t.Errorf("jitter held no packet back")
	}
	if got := l.get("palamu"); len(got) > 0 || byRoom["palamu"].Joins > 0 {
		t.Errorf("absent palamu joined or sent %d packets", len(got))
	}
	// dumka: two connections, a second-long hole between them.
	tracks := map[string]bool{}
	for _, a := range l.get("dumka") {
		tracks[a.track] = true
	}
	if len(tracks) != 2 || byRoom["dumka"].Joins != 2 || byRoom["dumka"].Drops != 1 {
		t.Errorf("dumka: %d tracks, %+v; want two connections", len(tracks), byRoom["dumka"])
	}
	// ranchi: a hole of 1.5 s with no packets, the timestamp frozen across it.
	got := l.get("ranchi")
	var gap time.Duration
	var gapTS uint32
	for i := 1; i < len(got); i++ {
		if d := got[i].at.Sub(got[i-1].at); d > gap {
			gap, gapTS = d, got[i].ts-got[i-1].ts
		}
	}
	if gap < 1400*time.Millisecond || gap > 2500*time.Millisecond || gapTS > 960*20 {
		t.Errorf("ranchi's pause: longest hole %v with the timestamp moving %d", gap, gapTS)
	}
}

// A room the server refuses gives up and says why; the others play on.
func TestRunnerReportsARefusedRoom(t *testing.T) {
	f, url := startServer(t)
	// Long enough for the host to join and play on a loaded machine.
	s, err := Build(f, Options{Duration: 5 * time.Second, Rooms: []string{"host", "ranchi"}})
	if err != nil {
		t.Fatal(err)
	}
	s.Rooms[1].Token = "wrong"
	stats, err := Run(context.Background(), s, Config{URL: url, Loopback: true, Logger: quiet()})
	var je *signaling.JoinError
	if !errors.As(err, &je) || je.Code != signaling.CodeBadToken || !strings.Contains(err.Error(), "ranchi") {
		t.Fatalf("err %v", err)
	}
	if stats[0].Sent == 0 {
		t.Errorf("the host did not play on: %+v", stats[0])
	}
}

// Stop ends every room early, and leaves no goroutine behind (TestMain).
func TestRunnerStops(t *testing.T) {
	f, url := startServer(t)
	s, err := Build(f, Options{Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(context.Background(), s, Config{URL: url, Loopback: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	r.Stop()
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("rooms still playing 5 s after Stop")
	}
	if _, err := r.Wait(); err != nil {
		t.Fatal(err)
	}
}

// leaveClock is a room's real connection that notes when it left.
type leaveClock struct {
	*participant.Participant
	mu   *sync.Mutex
	left map[string]time.Time
	room string
}

func (c leaveClock) Leave() error {
	c.mu.Lock()
	c.left[c.room] = time.Now()
	c.mu.Unlock()
	return c.Participant.Leave()
}

// LeaveSpread: the rooms connected at the end leave one after another, in
// the script's order, over the spread (LiveKit loses leaves that arrive
// together).
func TestRunnerSpreadsTheLastLeaves(t *testing.T) {
	f, url := startServer(t)
	s, err := Build(f, Options{Duration: 2 * time.Second, Rooms: []string{"host", "ranchi", "dumka"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	left := map[string]time.Time{}
	join := func(ctx context.Context, room Room, _ func(*webrtc.TrackRemote)) (Conn, error) {
		p, err := participant.Join(ctx, participant.Config{
			URL: url, Mic: true, Loopback: true, Logger: quiet(),
			Join: signaling.Message{Meeting: s.Meeting, Role: signaling.RoleRoom, Room: room.ID, Token: room.Token},
		}, participant.Handlers{})
		if err != nil {
			return nil, err
		}
		return leaveClock{Participant: p, mu: &mu, left: left, room: room.ID}, nil
	}
	const spread = 900 * time.Millisecond
	if _, err := Run(context.Background(), s, Config{URL: url, Loopback: true, Logger: quiet(), Join: join, LeaveSpread: spread}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var playing []string
	for _, r := range s.Rooms {
		if !r.Absent {
			playing = append(playing, r.ID)
		}
	}
	if len(playing) != 3 {
		t.Fatalf("rooms playing: %v", playing)
	}
	for i, id := range playing {
		if _, ok := left[id]; !ok {
			t.Fatalf("%s never left: %v", id, left)
		}
		if i == 0 {
			continue
		}
		// A third of the spread apart, give or take a loaded machine.
		want := spread / 3
		if gap := left[id].Sub(left[playing[i-1]]); gap < want-100*time.Millisecond || gap > want+200*time.Millisecond {
			t.Errorf("%s left %v after %s, want about %v", id, gap, playing[i-1], want)
		}
	}
}
