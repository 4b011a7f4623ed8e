package bot_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

const meetingYAML = `
meeting: {id: test, title: Test, starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}
recorder_token: {plain: rec-9f2c41}
staff_token: {plain: staff-4be1d7}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: tok-host-x7}}
  - {id: ranchi, kind: district, name: Ranchi, token: {plain: tok-ranchi-x7}}
  - {id: dumka, kind: district, name: Dumka, token: {plain: tok-dumka-x7}}
  - {id: bokaro, kind: district, name: Bokaro, token: {plain: tok-bokaro-x7}}
  - {id: absent, kind: district, name: Absent, token: {plain: tok-absent-x7}}
`

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startServer serves meetingYAML with a relay on loopback.
func startServer(t *testing.T) *meetingtest.Server {
	t.Helper()
	return meetingtest.StartServer(t, meetingYAML, relay.Config{LoopbackOnly: true})
}

// speaker is a room sending a pre-encoded script on a wall-clock schedule:
// packet k goes out at t0 + k*20ms, so the script's time is wall time.
type speaker struct {
	id      string
	packets [][]byte
	levels  []uint8
	bursts  []audiotest.Burst
	// skip reports packets lost on the way (sequence number advances).
	skip func(k int) bool
	// pauseFrom..pauseTo (in packets): nothing sent and the RTP timestamp
	// frozen, like Chrome's replaceTrack(null).
	pauseFrom, pauseTo int
	// dropAt..rejoinAt (in packets): the connection is lost, then the room
	// joins again.
	dropAt, rejoinAt int
}

func (s *speaker) join(t *testing.T, srv *meetingtest.Server) *participant.Participant {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	no := false
	p, err := participant.Join(ctx, participant.Config{
		URL: srv.URL, Mic: true, Loopback: true, Logger: quiet(),
		Join: signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: s.id, Token: "tok-" + s.id + "-x7", Receive: &no},
	}, participant.Handlers{})
	if err != nil {
		t.Errorf("%s joins: %v", s.id, err)
		return nil
	}
	return p
}

func (s *speaker) run(t *testing.T, srv *meetingtest.Server, p *participant.Participant, t0 time.Time) {
	for k := range s.packets {
		time.Sleep(time.Until(t0.Add(time.Duration(k) * 20 * time.Millisecond)))
		switch {
		case s.dropAt > 0 && k == s.dropAt:
			p.Close()
			p = nil
		case s.dropAt > 0 && k == s.rejoinAt:
			p = s.join(t, srv)
		}
		if p == nil || (k >= s.pauseFrom && k < s.pauseTo) {
			continue
		}
		if s.skip != nil && s.skip(k) {
			p.Mic().Skip(960)
			continue
		}
		p.Mic().Send(s.packets[k], 960, s.levels[k])
	}
	if p != nil {
		p.Leave()
	}
}

// script encodes a room's audio and the RFC 6464 level of each 20 ms frame.
func script(t *testing.T, total time.Duration, bursts []audiotest.Burst) ([][]byte, []uint8) {
	t.Helper()
	pkts, levels, err := encodeScript(total, bursts)
	if err != nil {
		t.Fatal(err)
	}
	return pkts, levels
}

func encodeScript(total time.Duration, bursts []audiotest.Burst) ([][]byte, []uint8, error) {
	pcm := audiotest.Render(total, bursts)
	pkts, err := audiotest.Encode(pcm, audiotest.EncodeConfig{})
	if err != nil {
		return nil, nil, err
	}
	levels := make([]uint8, len(pkts))
	for i := range levels {
		levels[i] = 127
		var sum float64
		for _, v := range pcm[min(i*960, len(pcm)):min((i+1)*960, len(pcm))] {
			sum += float64(v) * float64(v)
		}
		if rms := math.Sqrt(sum / 960); rms > 0 {
			levels[i] = uint8(max(0, min(127, -20*math.Log10(rms))))
		}
	}
	return pkts, levels, nil
}

func TestRecordsAlignedToWallClock(t *testing.T) {
	srv := startServer(t)
	dir := t.TempDir()
	var rollLines strings.Builder
	var rollMu sync.Mutex
	b := bot.New(bot.Config{
		URL: srv.URL, Meeting: "test", Token: "rec-9f2c41", Dir: dir, File: srv.File,
		Loopback: true, Logger: quiet(), SilenceAfter: 2 * time.Second,
		RollCall: writerFunc(func(p []byte) { rollMu.Lock(); rollLines.Write(p); rollMu.Unlock() }),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		folder string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		f, err := b.Run(ctx)
		done <- result{f, err}
	}()
	select {
	case <-b.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("bot not ready")
	}

	const total = 9 * time.Second
	burst := func(at time.Duration, hz float64) audiotest.Burst {
		return audiotest.Burst{At: at, Dur: 300 * time.Millisecond, Freq: hz, Amp: 0.5}
	}
	speakers := []*speaker{
		{id: "host", bursts: []audiotest.Burst{burst(1000*time.Millisecond, 440), burst(4000*time.Millisecond, 440), burst(7000*time.Millisecond, 440)}},
		// 5% loss: every 20th packet, never a burst's first.
		{id: "ranchi", bursts: []audiotest.Burst{burst(1500*time.Millisecond, 660), burst(4500*time.Millisecond, 660), burst(7500*time.Millisecond, 660)},
			skip: func(k int) bool { return k%20 == 7 }},
		// Pauses 4 s with frozen timestamps, from 2.5 s to 6.5 s.
		{id: "dumka", bursts: []audiotest.Burst{burst(2000*time.Millisecond, 880), burst(7000*time.Millisecond, 880)},
			pauseFrom: 125, pauseTo: 325},
		// Loses its connection at 3 s and joins again at 4 s.
		{id: "bokaro", bursts: []audiotest.Burst{burst(1200*time.Millisecond, 1100), burst(6000*time.Millisecond, 1100)},
			dropAt: 150, rejoinAt: 200},
	}
	parts := make([]*participant.Participant, len(speakers))
	for i, s := range speakers {
		s.packets, s.levels = script(t, total, s.bursts)
		if parts[i] = s.join(t, srv); parts[i] == nil {
			t.FailNow()
		}
	}
	time.Sleep(time.Second) // media connected everywhere
	t0 := time.Now().Add(100 * time.Millisecond)
	var wg sync.WaitGroup
	for i, s := range speakers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(t, srv, parts[i], t0)
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	cancel()
	var res result
	select {
	case res = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("bot did not stop")
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	if _, err := minutes.Build(res.folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	man, err := recording.ReadManifest(res.folder)
	if err != nil {
		t.Fatal(err)
	}
	recStart := man.StartedAt()
	t.Logf("t0 at %v, ended at %v", t0.Sub(recStart), man.EndedAt().Sub(recStart))

	for _, s := range speakers {
		dec, err := audiotest.DecodeOggFile(filepath.Join(res.folder, "rooms", s.id+".ogg"))
		if err != nil {
			t.Fatalf("%s: %v", s.id, err)
		}
		if dec.Stopped != nil {
			t.Errorf("%s: stitched file damaged: %v", s.id, dec.Stopped)
		}
		want := man.EndedAt().Sub(recStart)
		if got := audiotest.Duration(len(dec.PCM)); got < want-5*time.Millisecond || got > want+5*time.Millisecond {
			t.Errorf("%s: plays %v, the recording lasted %v", s.id, got, want)
		}
		onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
		t.Logf("%s: onsets %v (t0 at %v)", s.id, onsets, t0.Sub(recStart))
		for _, bu := range s.bursts {
			if bu.At >= time.Duration(s.pauseFrom)*20*time.Millisecond && bu.At < time.Duration(s.pauseTo)*20*time.Millisecond {
				continue
			}
			wantAt := t0.Add(bu.At).Sub(recStart)
			found := false
			for _, o := range onsets {
				if d := o.At - wantAt; d > -20*time.Millisecond && d < 20*time.Millisecond {
					found = true
					if o.Freq < bu.Freq-30 || o.Freq > bu.Freq+30 {
						t.Errorf("%s: burst at %v is %.0f Hz, want %.0f", s.id, o.At, o.Freq, bu.Freq)
					}
				}
			}
			if !found {
				t.Errorf("%s: no burst within ±20 ms of %v; found %v", s.id, wantAt, onsets)
			}
		}
		if len(onsets) != len(s.bursts) {
			t.Errorf("%s: %d bursts in the file, sent %d: %v", s.id, len(onsets), len(s.bursts), onsets)
		}
	}

	// mix.ogg has every room's bursts at their times, live and rebuilt.
	checkMix := func(what string) {
		t.Helper()
		dec, err := audiotest.DecodeOggFile(filepath.Join(res.folder, "mix.ogg"))
		if err != nil {
			t.Fatalf("%s mix: %v", what, err)
		}
		if want := man.EndedAt().Sub(recStart); audiotest.Duration(len(dec.PCM)) < want-5*time.Millisecond ||
			audiotest.Duration(len(dec.PCM)) > want+5*time.Millisecond {
			t.Errorf("%s mix plays %v, the recording lasted %v", what, audiotest.Duration(len(dec.PCM)), want)
		}
		onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
		// A burst that starts while another room's sounds (or just after)
		// has no onset of its own in a mix.
		overlapped := func(at time.Duration) bool {
			for _, s := range speakers {
				for _, o := range s.bursts {
					if o.At < at && o.At+o.Dur+80*time.Millisecond > at {
						return true
					}
				}
			}
			return false
		}
		for _, s := range speakers {
			for _, bu := range s.bursts {
				if bu.At >= time.Duration(s.pauseFrom)*20*time.Millisecond && bu.At < time.Duration(s.pauseTo)*20*time.Millisecond ||
					overlapped(bu.At) {
					continue
				}
				want := t0.Add(bu.At).Sub(recStart)
				found := false
				for _, o := range onsets {
					if d := o.At - want; d > -20*time.Millisecond && d < 20*time.Millisecond {
						found = true
					}
				}
				if !found {
					t.Errorf("%s mix: no burst of %s within ±20 ms of %v; found %v", what, s.id, want, onsets)
				}
			}
		}
		peak := float32(0)
		for _, v := range dec.PCM {
			peak = max(peak, v, -v)
		}
		if peak >= 1 {
			t.Errorf("%s mix clips (peak %.3f)", what, peak)
		}
	}
	checkMix("live")
	if err := os.Remove(filepath.Join(res.folder, "mix.ogg")); err != nil {
		t.Fatal(err)
	}
	if _, err := minutes.Build(res.folder, minutes.Options{}); err != nil {
		t.Fatal(err)
	}
	checkMix("rebuilt")

	// The event log does not say where on this machine the folder is.
	if data, _ := os.ReadFile(filepath.Join(res.folder, "events.jsonl")); bytes.Contains(data, []byte(filepath.Dir(res.folder))) {
		t.Errorf("events.jsonl holds the folder's absolute path %s", filepath.Dir(res.folder))
	}
	// No secret reaches the folder: not the log, the manifest, the report.
	filepath.WalkDir(res.folder, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		for _, secret := range []string{"rec-9f2c41", "staff-4be1d7", "tok-host-x7", "tok-ranchi-x7", "tok-dumka-x7", "tok-bokaro-x7", "tok-absent-x7"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the token %q", path, secret)
			}
		}
		return nil
	})

	// The event log tells each room's story.
	ef, err := os.Open(filepath.Join(res.folder, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	events, skipped, err := recording.ReadEvents(ef)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("events: %v, skipped %v", err, skipped)
	}
	story := meetingtest.StoryOf(events)
	expect := func(room string, seq ...string) { t.Helper(); story.Expect(t, room, seq...) }
	expect("bot", "recording_started", "recording_stopped")
	expect("host", "joined", "segment_opened", "audio_started", "speaking_started", "speaking_stopped",
		"speaking_started", "speaking_stopped", "speaking_started", "speaking_stopped", "left", "segment_closed")
	// Each of the host's turns starts with its burst.
	turn := 0
	for _, e := range events {
		if e.Room == "host" && e.Event == "speaking_started" {
			if turn >= len(speakers[0].bursts) {
				t.Errorf("host has more turns than bursts: %v", e.At)
				break
			}
			want := t0.Add(speakers[0].bursts[turn].At)
			if d := e.At.Sub(want); d < -50*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("host's turn %d starts %v after its burst", turn, d)
			}
			turn++
		}
	}
	expect("ranchi", "joined", "audio_started", "left")
	expect("dumka", "joined", "audio_started", "audio_stopped", "audio_started", "left")

	expect("bokaro", "joined", "segment_opened", "dropped", "segment_closed", "joined", "segment_opened", "left", "segment_closed")
	if len(story["absent"]) != 0 {
		t.Errorf("a room that never joined has events: %v", story["absent"])
	}
	for _, e := range events {
		if e.Event == "segment_closed" && e.Room == "ranchi" && !strings.Contains(string(e.Stats), `"frames_concealed":`) {
			t.Errorf("ranchi's segment stats %s", e.Stats)
		}
	}
	rollMu.Lock()
	lines := rollLines.String()
	rollMu.Unlock()
	for _, want := range []string{"Bokaro dropped", "Bokaro rejoined", "Dumka connected but", "Host speaking"} {
		if !strings.Contains(lines, want) {
			t.Errorf("roll call lacks %q:\n%s", want, lines)
		}
	}
}

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }
