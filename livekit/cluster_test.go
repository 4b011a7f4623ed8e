package livekit_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/livekittest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/minutes"
	"github.com/samvad/samvad/recording"
)

// clusterRoom is a room of a meeting on the cluster: it joins through a
// node of its own and, when its connection ends, joins again through the
// next one, as a browser given several nodes would. It speaks a burst of
// its own frequency every second, on the wall clock.
type clusterRoom struct {
	id    string
	f     *meeting.File
	urls  []string // the first is the node it joins through
	freq  float64
	phase time.Duration
}

// run speaks from t0 for total, joining again whenever its connection
// ends, and returns when it bursts started (the script's own account).
func (r *clusterRoom) run(t *testing.T, t0 time.Time, total time.Duration) []time.Time {
	m, err := livekit.NewMinter(r.f)
	if err != nil {
		t.Error(err)
		return nil
	}
	name := r.id
	if room, ok := r.f.Room(r.id); ok {
		name = room.Name
	}
	var bursts []audiotest.Burst
	for at := r.phase + time.Second; at < total-500*time.Millisecond; at += time.Second {
		bursts = append(bursts, audiotest.Burst{At: at, Dur: 250 * time.Millisecond, Freq: r.freq, Amp: 0.5})
	}
	pcm := audiotest.Render(total, bursts)
	pkts, err := audiotest.Encode(pcm, audiotest.EncodeConfig{})
	if err != nil {
		t.Error(err)
		return nil
	}
	var room *livekit.Room
	next := 0
	join := func() {
		token, _ := m.RoomToken(r.id, name)
		url := r.urls[next%len(r.urls)]
		next++
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		room, err = livekit.JoinRoom(ctx, livekit.RoomConfig{URL: url, Token: token, Room: r.id, Logger: quiet()})
		if err != nil {
			room = nil
		}
	}
	join()
	var sent []time.Time
	retry := time.Time{}
	for k := range pkts {
		at := t0.Add(time.Duration(k) * 20 * time.Millisecond)
		time.Sleep(time.Until(at))
		if room != nil {
			select {
			case <-room.Done():
				room.Close()
				room = nil
			default:
			}
		}
		if room == nil && time.Now().After(retry) {
			join()
			retry = time.Now().Add(500 * time.Millisecond)
			continue
		}
		if room == nil {
			continue
		}
		for _, b := range bursts {
			if b.At == time.Duration(k)*20*time.Millisecond {
				sent = append(sent, at)
			}
		}
		room.Mic().Send(pkts[k], 960, 60)
	}
	if room != nil {
		room.Leave()
	}
	return sent
}

// TestTwoNodeClusterSurvivesANodeKill: two livekit-server nodes share one
// Redis and hold two meetings at once, each with its recorder and rooms
// that join through either node. Then the node hosting the first meeting
// is killed (kill -9): its rooms and its bot join again through the other
// node, LiveKit puts the room there, and the recording goes on in the
// same folder, the outage a gap in the audio and in events.jsonl. Every
// burst sent while the meeting was whole is in its file at its time.
func TestTwoNodeClusterSurvivesANodeKill(t *testing.T) {
	if testing.Short() {
		t.Skip("a 45 s cluster run")
	}
	redis := livekittest.StartRedis(t)
	regions := []string{"rega", "regb"}
	a := livekittest.Start(t, livekittest.Options{Name: "node-a", Redis: redis, Region: "rega", Regions: regions})
	b := livekittest.Start(t, livekittest.Options{Name: "node-b", Redis: redis, Region: "regb", Regions: regions})
	nodes := map[string]*livekittest.Server{a.NodeID: a, b.NodeID: b}

	type meet struct {
		id    string
		f     *meeting.File
		urls  []string
		bot   *bot.Bot
		stop  func() string
		rooms []*clusterRoom
		sent  map[string][]time.Time
	}
	meets := []*meet{{id: "meet-one", urls: []string{a.URL, b.URL}}, {id: "meet-two", urls: []string{b.URL, a.URL}}}
	for _, m := range meets {
		m.f = meetingFile(t, m.id, m.urls[0])
		src, err := livekit.NewSource(livekit.SourceConfig{File: m.f, URLs: m.urls, Logger: logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		m.bot = bot.New(bot.Config{Source: src, Dir: t.TempDir(), File: m.f, Logger: logger(t)})
		m.stop = meetingtest.RunBot(t, m.bot)
		select {
		case <-m.bot.Ready():
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: bot not ready", m.id)
		}
		// The rooms come in through either node.
		for i, id := range []string{"host", "ranchi", "dumka"} {
			urls := []string{m.urls[i%2], m.urls[(i+1)%2]}
			m.rooms = append(m.rooms, &clusterRoom{id: id, f: m.f, urls: urls, freq: 440 + 110*float64(i), phase: time.Duration(i) * 300 * time.Millisecond})
		}
		m.sent = map[string][]time.Time{}
	}
	for _, m := range meets {
		host, err := livekittest.RoomNode(redis, m.id)
		if err != nil || nodes[host] == nil {
			t.Fatalf("%s is hosted by %q (%v)", m.id, host, err)
		}
		t.Logf("%s hosted by %s", m.id, nodes[host].Name)
	}

	const total = 40 * time.Second
	// Halfway between two bursts: a burst is wholly before the kill or
	// wholly after it. (At 8 s the kill raced the burst sent then, which
	// then counted as before it and was cut off by it.)
	const killAfter = 8500 * time.Millisecond
	// The rooms join at once and speak from t0: time for every room to be
	// joined and heard by its recorder first.
	t0 := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, m := range meets {
		for _, r := range m.rooms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent := r.run(t, t0, total)
				mu.Lock()
				m.sent[r.id] = sent
				mu.Unlock()
			}()
		}
	}
	time.Sleep(time.Until(t0.Add(killAfter)))
	host, err := livekittest.RoomNode(redis, "meet-one")
	if err != nil || nodes[host] == nil {
		t.Fatalf("meet-one is hosted by %q (%v)", host, err)
	}
	victim := nodes[host]
	killed := time.Now()
	victim.Kill()
	t.Logf("killed %s (hosting meet-one) at %v", victim.Name, killed.Sub(t0).Round(time.Millisecond))
	wg.Wait()
	time.Sleep(time.Second)

	for _, m := range meets {
		folder := m.stop()
		if _, err := minutes.Build(folder, minutes.Options{}); err != nil {
			t.Fatalf("%s: %v", m.id, err)
		}
		if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(folder), "*")); len(entries) != 1 {
			t.Errorf("%s: %d recording folders, want one: %v", m.id, len(entries), entries)
		}
		man, err := recording.ReadManifest(folder)
		if err != nil {
			t.Fatal(err)
		}
		start := man.StartedAt()
		back := time.Duration(0)
		for _, r := range m.rooms {
			dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", r.id+".ogg"))
			if err != nil {
				t.Fatalf("%s %s: %v", m.id, r.id, err)
			}
			onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
			found := func(at time.Time) bool {
				want := at.Sub(start)
				for _, o := range onsets {
					if d := o.At - want; d > -20*time.Millisecond && d < 20*time.Millisecond && o.Freq > r.freq-30 && o.Freq < r.freq+30 {
						return true
					}
				}
				return false
			}
			var before, after, missing int
			var firstAfter time.Time
			for _, at := range m.sent[r.id] {
				switch ok := found(at); {
				case at.Before(killed):
					before++
					if !ok {
						t.Errorf("%s %s: the burst sent at %v, before the kill, is not in the file within ±20 ms", m.id, r.id, at.Sub(t0))
					}
				case ok:
					after++
					if firstAfter.IsZero() {
						firstAfter = at
					}
				default:
					missing++
				}
			}
			if firstAfter.IsZero() {
				t.Errorf("%s %s: nothing recorded after the kill (%d bursts sent)", m.id, r.id, missing)
				continue
			}
			gap := firstAfter.Sub(killed)
			back = max(back, gap)
			t.Logf("%s %s: %d bursts before the kill, %d after it recorded, %d lost; back %v after the kill",
				m.id, r.id, before, after, missing, gap.Round(100*time.Millisecond))
			// Once back, every later burst is recorded.
			for _, at := range m.sent[r.id] {
				if at.After(firstAfter.Add(2*time.Second)) && !found(at) {
					t.Errorf("%s %s: the burst sent at %v, after the room was back, is not in the file", m.id, r.id, at.Sub(t0))
				}
			}
		}
		t.Logf("%s: every room back within %v of the kill", m.id, back.Round(100*time.Millisecond))
		if m.id == "meet-one" {
			var down, up bool
			for _, e := range recordingtest.Events(t, folder) {
				switch {
				case e.Event == recording.EventBotDisconnected && e.At.After(killed.Add(-time.Second)):
					down = true
				case e.Event == recording.EventBotReconnected && down:
					up = true
				}
			}
			if !down || !up {
				t.Errorf("%s: events.jsonl lacks the recorder's outage and return (disconnected %v, back %v)", m.id, down, up)
			}
		}
	}
}
