package relay_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
	"github.com/samvad/samvad/voice"
)

// talker is a room whose microphone sends speech when told to and digital
// silence otherwise, as a browser with a live microphone does.
type talker struct {
	id    string
	p     *participant.Participant
	heard *heard
	talk  atomic.Bool
	stop  chan struct{}
	wg    sync.WaitGroup
}

func joinTalker(t *testing.T, url, id string) *talker {
	t.Helper()
	tk := &talker{id: id, heard: &heard{packets: map[string][][]byte{}, ended: map[string]bool{}}, stop: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := participant.Join(ctx, participant.Config{
		URL: url, Mic: true, Loopback: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: id, Token: "t-" + id},
	}, participant.Handlers{OnTrack: func(from string, tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			tk.heard.mu.Lock()
			tk.heard.packets[from] = append(tk.heard.packets[from], nil)
			tk.heard.mu.Unlock()
			_ = pkt
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	tk.p = p
	speech, silence := voice.Tone(tones[id], time.Second), voice.Silence(time.Second)
	tk.wg.Add(1)
	go func() {
		defer tk.wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-tick.C:
				u := silence
				if tk.talk.Load() {
					u = speech
				}
				pk := u.Packet(i % u.Len())
				p.Mic().Send(pk.Opus, voice.FrameSamples, pk.Level)
			case <-tk.stop:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(tk.stop)
		tk.wg.Wait()
		p.Close()
	})
	return tk
}

// growing reports whether l is receiving packets from room right now.
func (tk *talker) growing(room string) bool {
	before := tk.heard.count(room)
	time.Sleep(300 * time.Millisecond)
	return tk.heard.count(room) > before+5
}

func TestForwardOnlyTheLoudest(t *testing.T) {
	url := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{LoopbackOnly: true, ForwardLoudest: 1}).URL
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	host := joinTalker(t, url, "host")
	ranchi := joinTalker(t, url, "ranchi")
	dumka := joinTalker(t, url, "dumka")
	bokaro := joinTalker(t, url, "bokaro")

	rec := &heard{packets: map[string][][]byte{}, ended: map[string]bool{}}
	recorder, err := participant.Join(context.Background(), participant.Config{
		URL: url, Loopback: true, Logger: log,
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRecorder, Token: "rec"},
	}, participant.Handlers{OnTrack: func(from string, tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			rec.mu.Lock()
			rec.packets[from] = append(rec.packets[from], nil)
			rec.mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer recorder.Close()

	// The host is always heard, speaking or not; quiet districts are not
	// forwarded at all, but the recorder gets every room.
	meetingtest.WaitUntil(t, "the recorder hears quiet bokaro", waitLimit, func() bool { return rec.count("bokaro") > 25 })
	meetingtest.WaitUntil(t, "dumka hears the host", waitLimit, func() bool { return dumka.heard.count("host") > 25 })
	time.Sleep(500 * time.Millisecond)
	if n := dumka.heard.count("ranchi") + dumka.heard.count("bokaro"); n != 0 {
		t.Errorf("dumka got %d packets from quiet districts", n)
	}

	// Ranchi speaks: everyone hears it.
	ranchi.talk.Store(true)
	meetingtest.WaitUntil(t, "dumka hears ranchi speaking", waitLimit, func() bool { return dumka.heard.count("ranchi") > 25 })
	meetingtest.WaitUntil(t, "the host hears ranchi speaking", waitLimit, func() bool { return host.heard.count("ranchi") > 25 })
	if dumka.heard.count("bokaro") != 0 {
		t.Error("dumka hears quiet bokaro")
	}

	// Ranchi falls quiet and Bokaro speaks: with one place, Bokaro takes it.
	ranchi.talk.Store(false)
	bokaro.talk.Store(true)
	meetingtest.WaitUntil(t, "dumka hears bokaro speaking", waitLimit, func() bool { return dumka.heard.count("bokaro") > 25 })
	time.Sleep(time.Second) // ranchi's last packets drain
	if dumka.growing("ranchi") {
		t.Error("dumka still receives ranchi after bokaro took the place")
	}
	if !dumka.growing("bokaro") || !dumka.growing("host") {
		t.Error("dumka stopped hearing bokaro or the host")
	}
	// A room never hears itself.
	if bokaro.heard.count("bokaro") != 0 {
		t.Error("bokaro hears itself")
	}
}
