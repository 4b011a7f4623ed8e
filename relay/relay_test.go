package relay_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/thesyncim/gopus"
	"go.uber.org/goleak"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Each room speaks its own tone, so a listener can check attribution by
// frequency as well as by msid.
var tones = map[string]float64{"host": 440, "ranchi": 660, "dumka": 880, "bokaro": 1100}

// startMeeting serves meetingtest.MeetingYAML with a relay on loopback.
func startMeeting(t *testing.T) *meetingtest.Server {
	return meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{LoopbackOnly: true})
}

// heard is what one room received from each other room.
type heard struct {
	mu      sync.Mutex
	packets map[string][][]byte
	ended   map[string]bool
}

func (h *heard) count(room string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.packets[room])
}

func (h *heard) hasEnded(room string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ended[room]
}

type room struct {
	id    string
	p     *participant.Participant
	heard *heard
	// stopMic ends the room's tone: no more packets.
	stopMic func()
}

func joinRoom(t *testing.T, ms *meetingtest.Server, id string) *room {
	t.Helper()
	r := &room{id: id, heard: &heard{packets: map[string][][]byte{}, ended: map[string]bool{}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := participant.Join(ctx, participant.Config{
		URL:      ms.URL,
		Join:     signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: id, Token: "t-" + id},
		Mic:      true,
		Loopback: true,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, participant.Handlers{OnTrack: func(from string, tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				r.heard.mu.Lock()
				r.heard.ended[from] = true
				r.heard.mu.Unlock()
				return
			}
			r.heard.mu.Lock()
			r.heard.packets[from] = append(r.heard.packets[from], append([]byte(nil), pkt.Payload...))
			r.heard.ended[from] = false
			r.heard.mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatalf("join %s: %v", id, err)
	}
	r.p = p
	r.stopMic = meetingtest.SendTone(p, tones[id])
	t.Cleanup(r.close)
	return r
}

func (r *room) close() {
	r.stopMic()
	r.p.Close()
}

func (r *room) leave() {
	r.stopMic()
	r.p.Leave()
}

// waitLimit is how long a test waits for rooms to hear each other.
const waitLimit = 15 * time.Second

// checkTone decodes what listener heard from speaker and checks that it is
// the speaker's tone.
func checkTone(t *testing.T, listener *room, speaker string) {
	t.Helper()
	listener.heard.mu.Lock()
	pkts := append([][]byte(nil), listener.heard.packets[speaker]...)
	listener.heard.mu.Unlock()
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(48000, 1))
	if err != nil {
		t.Fatal(err)
	}
	var pcm []float32
	buf := make([]float32, 5760)
	for _, p := range pkts {
		n, err := dec.Decode(p, buf)
		if err != nil {
			t.Fatalf("%s heard an undecodable packet from %s: %v", listener.id, speaker, err)
		}
		pcm = append(pcm, buf[:n]...)
	}
	got := audiotest.DominantFreq(pcm, 200, 2000, 10)
	if want := tones[speaker]; got < want-20 || got > want+20 {
		t.Errorf("%s heard %.0f Hz from %s, want %.0f Hz", listener.id, got, speaker, want)
	}
}

func TestRoomsHearEachOther(t *testing.T) {
	ms := startMeeting(t)
	rooms := map[string]*room{}
	for _, id := range []string{"host", "ranchi", "dumka"} {
		rooms[id] = joinRoom(t, ms, id)
	}
	const enough = 25 // half a second of audio
	for _, l := range rooms {
		for _, s := range rooms {
			if l != s {
				meetingtest.WaitUntil(t, l.id+" hears "+s.id, waitLimit, func() bool { return l.heard.count(s.id) >= enough })
			}
		}
		if n := l.heard.count(l.id); n != 0 {
			t.Errorf("%s heard itself (%d packets)", l.id, n)
		}
	}
	for _, l := range rooms {
		for _, s := range rooms {
			if l != s {
				checkTone(t, l, s.id)
			}
		}
	}

	// A fourth room joining later is heard by all, and hears all.
	bokaro := joinRoom(t, ms, "bokaro")
	for _, l := range rooms {
		meetingtest.WaitUntil(t, l.id+" hears bokaro", waitLimit, func() bool { return l.heard.count("bokaro") >= enough })
		checkTone(t, l, "bokaro")
		meetingtest.WaitUntil(t, "bokaro hears "+l.id, waitLimit, func() bool { return bokaro.heard.count(l.id) >= enough })
	}
	rooms["bokaro"] = bokaro

	// A room that leaves is removed from the others' PeerConnections: their
	// track from it ends.
	rooms["dumka"].leave()
	for _, id := range []string{"host", "ranchi", "bokaro"} {
		l := rooms[id]
		meetingtest.WaitUntil(t, id+"'s track from dumka ends", waitLimit, func() bool { return l.heard.hasEnded("dumka") })
	}
	// ... and a room that rejoins is heard again, on a new track.
	before := rooms["host"].heard.count("dumka")
	dumka := joinRoom(t, ms, "dumka")
	meetingtest.WaitUntil(t, "host hears dumka again", waitLimit, func() bool { return rooms["host"].heard.count("dumka") > before+enough })
	meetingtest.WaitUntil(t, "dumka hears host again", waitLimit, func() bool { return dumka.heard.count("host") >= enough })
}

func TestRecorderHearsEveryRoomAndRoomsCanOptOut(t *testing.T) {
	ms := startMeeting(t)
	host := joinRoom(t, ms, "host")

	// A room that asks not to receive costs the relay no forwarding.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	deaf := &heard{packets: map[string][][]byte{}, ended: map[string]bool{}}
	no := false
	quiet, err := participant.Join(ctx, participant.Config{
		URL: ms.URL, Loopback: true, Mic: true,
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "ranchi", Token: "t-ranchi", Receive: &no},
	}, participant.Handlers{OnTrack: func(from string, tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		deaf.mu.Lock()
		deaf.packets[from] = append(deaf.packets[from], nil)
		deaf.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer quiet.Close()

	rec := &heard{packets: map[string][][]byte{}, ended: map[string]bool{}}
	var tracks []signaling.Message
	var tmu sync.Mutex
	recorder, err := participant.Join(ctx, participant.Config{
		URL: ms.URL, Loopback: true,
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRecorder, Token: "rec"},
	}, participant.Handlers{
		OnTrack: func(from string, tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			for {
				pkt, _, err := tr.ReadRTP()
				if err != nil {
					return
				}
				rec.mu.Lock()
				rec.packets[from] = append(rec.packets[from], pkt.Payload)
				rec.mu.Unlock()
			}
		},
		OnMessage: func(m signaling.Message) {
			if m.Type == signaling.TypeTrack {
				tmu.Lock()
				tracks = append(tracks, m)
				tmu.Unlock()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer recorder.Close()

	meetingtest.WaitUntil(t, "the recorder hears the host", waitLimit, func() bool { return rec.count("host") > 10 })
	tmu.Lock()
	if len(tracks) == 0 || tracks[0].Room != "host" || tracks[0].Stream != "host" || tracks[0].Session != host.p.Welcome().Session {
		t.Errorf("track messages %+v: want one for the host's session with stream id host", tracks)
	}
	tmu.Unlock()
	time.Sleep(300 * time.Millisecond)
	deaf.mu.Lock()
	if len(deaf.packets) != 0 {
		t.Errorf("a room that asked not to receive got tracks from %v", deaf.packets)
	}
	deaf.mu.Unlock()
	if !errors.Is(context.Cause(ctx), nil) && ctx.Err() != nil {
		t.Fatal(ctx.Err())
	}
}

func TestStaffSeesActivity(t *testing.T) {
	ms := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{LoopbackOnly: true, SilentAfter: time.Second})
	staff, err := signaling.Dial(context.Background(), ms.URL, signaling.Message{Meeting: "test", Role: signaling.RoleStaff, Token: "staff"})
	if err != nil {
		t.Fatal(err)
	}
	defer staff.Close()
	host := joinRoom(t, ms, "host") // speaks its tone at once
	var got []string
	deadline := time.After(15 * time.Second)
	stopped := false
	for len(got) < 3 {
		select {
		case m := <-staff.Messages():
			if m.Type != signaling.TypeActivity || m.Room != "host" {
				continue
			}
			state := "quiet"
			switch {
			case *m.Speaking:
				state = "speaking"
			case *m.Silent:
				state = "silent"
			}
			got = append(got, state)
			if state == "speaking" && !stopped {
				stopped = true
				host.stopMic() // the microphone stops: no more packets
			}
		case <-deadline:
			t.Fatalf("activity so far %v: want speaking, quiet, silent", got)
		}
	}
	if got[0] != "speaking" || got[1] != "quiet" || got[2] != "silent" {
		t.Errorf("activity %v: want speaking, quiet, silent", got)
	}
}
