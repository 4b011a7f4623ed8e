package bot_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thesyncim/gopus"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/relay"
)

// TestAlignmentAtMeetingSize records the real meeting's size, 25 rooms,
// each over a path with 3% loss, up to 30 ms of jitter and 1% reordering,
// and measures from outside where every tone burst landed in the room's
// file and in mix.ogg against the instant its sender captured it. Every
// burst must be within ±20 ms, the median within ±5 ms, from each room's
// first seconds on (issue 17). The bot takes the rooms' packets off its
// socket below pion's pipeline (package rtpdirect), stamped there and handed
// over every 20 ms; its log must say so.
func TestAlignmentAtMeetingSize(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30 s meeting of 25 rooms")
	}
	const rooms = 25
	ids := []string{"host"}
	for i := 1; i < rooms; i++ {
		ids = append(ids, fmt.Sprintf("d%02d", i))
	}
	var yaml strings.Builder
	yaml.WriteString("meeting: {id: test, title: Test, starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}\n" +
		"recorder_token: {plain: rec-9f2c41}\nstaff_token: {plain: staff-4be1d7}\nrooms:\n")
	for i, id := range ids {
		kind := "district"
		if i == 0 {
			kind = "host"
		}
		fmt.Fprintf(&yaml, "  - {id: %s, kind: %s, name: Room %s, token: {plain: tok-%s-x7}}\n", id, kind, id, id)
	}
	srv := meetingtest.StartServer(t, yaml.String(), relay.Config{LoopbackOnly: true})
	var logs logtest.Buffer
	b := bot.New(bot.Config{URL: srv.URL, Meeting: "test", Token: "rec-9f2c41", Dir: t.TempDir(), File: srv.File, Loopback: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	stop := meetingtest.RunBot(t, b)
	<-b.Ready()

	// Four 150 ms bursts a room, 280 ms apart across the rooms, so that no
	// two overlap in the mix either; the first ones in each room's first
	// seconds.
	const perRoom = 4
	total := time.Second + time.Duration(perRoom*rooms)*280*time.Millisecond + time.Second
	speakers := make([]*speaker, rooms)
	for r, id := range ids {
		s := &speaker{id: id}
		for k := range perRoom {
			s.bursts = append(s.bursts, audiotest.Burst{At: time.Second + time.Duration(k*rooms+r)*280*time.Millisecond,
				Dur: 150 * time.Millisecond, Freq: float64(300 + 40*r), Amp: 0.5})
		}
		s.packets, s.levels = script(t, total, s.bursts)
		speakers[r] = s
	}
	var wg sync.WaitGroup
	parts := make([]func(time.Time), rooms)
	for r, s := range speakers {
		p := s.join(t, srv)
		if p == nil {
			t.FailNow()
		}
		parts[r] = func(t0 time.Time) { s.impaired(p.Mic(), t0, uint64(r)) }
	}
	time.Sleep(time.Second) // media connected everywhere
	t0 := time.Now().Add(100 * time.Millisecond)
	for _, run := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(t0)
		}()
	}
	wg.Wait()
	time.Sleep(500 * time.Millisecond)
	folder := stop()
	checkDirect(t, logs.String())
	man := report(t, folder)
	look, err := audiotest.EncoderLookahead(gopus.ApplicationVoIP)
	if err != nil {
		t.Fatal(err)
	}
	capture := func(bu audiotest.Burst) time.Duration {
		return t0.Add(bu.At).Sub(man.StartedAt()) + audiotest.Duration(look)
	}

	var fileErrs, mixErrs []time.Duration
	for _, s := range speakers {
		dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "rooms", s.id+".ogg"))
		if err != nil {
			t.Fatalf("%s: %v", s.id, err)
		}
		onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
		for k, bu := range s.bursts {
			_, d, ok := audiotest.Nearest(onsets, capture(bu), 100*time.Millisecond)
			if !ok {
				t.Errorf("%s: burst %d (%v) not found in its file: %v", s.id, k, capture(bu), onsets)
				continue
			}
			fileErrs = append(fileErrs, d)
			if d < -20*time.Millisecond || d > 20*time.Millisecond {
				t.Errorf("%s: burst %d is %v off in its file", s.id, k, d)
			}
		}
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(folder, "mix.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	onsets := audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{})
	for _, s := range speakers {
		for k, bu := range s.bursts {
			_, d, ok := audiotest.Nearest(onsets, capture(bu), 100*time.Millisecond)
			if !ok {
				t.Errorf("%s: burst %d (%v) not found in the mix", s.id, k, capture(bu))
				continue
			}
			mixErrs = append(mixErrs, d)
			if d < -20*time.Millisecond || d > 20*time.Millisecond {
				t.Errorf("%s: burst %d is %v off in the mix", s.id, k, d)
			}
		}
	}
	for _, m := range []struct {
		what string
		errs []time.Duration
	}{{"room files", fileErrs}, {"mix", mixErrs}} {
		med, p99, worst := audiotest.Spread(m.errs)
		t.Logf("%s: %d bursts, onset error median %v, p99 %v, worst %v", m.what, len(m.errs), med, p99, worst)
		if med < -5*time.Millisecond || med > 5*time.Millisecond {
			t.Errorf("%s: median onset error %v, want within ±5 ms", m.what, med)
		}
	}
}

// impaired sends the speaker's script over a bad path: packet k is
// captured at t0+20k ms and arrives up to 30 ms later (1% another 25 ms
// later, overtaken by the next), and 3% are lost, never a burst's first.
func (s *speaker) impaired(mic interface {
	Stamp(int) (uint16, uint32)
	SendStamped(uint16, uint32, []byte, uint8) error
}, t0 time.Time, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 17))
	type send struct {
		at      time.Time
		k       int
		seq     uint16
		ts      uint32
		dropped bool
	}
	var plan []send
	for k := range s.packets {
		seq, ts := mic.Stamp(960)
		delay := time.Duration(rng.IntN(31)) * time.Millisecond
		if rng.IntN(100) == 0 {
			delay += 25 * time.Millisecond
		}
		first := slices.ContainsFunc(s.bursts, func(b audiotest.Burst) bool { return b.At == time.Duration(k)*20*time.Millisecond })
		plan = append(plan, send{at: t0.Add(time.Duration(k)*20*time.Millisecond + delay), k: k, seq: seq, ts: ts,
			dropped: !first && rng.IntN(100) < 3})
	}
	slices.SortStableFunc(plan, func(a, b send) int { return a.at.Compare(b.at) })
	for _, p := range plan {
		if p.dropped {
			continue
		}
		time.Sleep(time.Until(p.at))
		mic.SendStamped(p.seq, p.ts, s.packets[p.k], s.levels[p.k])
	}
}

// checkDirect reads the bot's account of its receive path: most packets
// must have come below pion's pipeline. Those before each track's claim,
// and the duplicates the impaired paths make, come up pion's path.
func checkDirect(t *testing.T, log string) {
	t.Helper()
	m := regexp.MustCompile(`msg="recorder's receive path".* below_pion=(\d+) up_pion=(\d+)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("the bot did not say how its packets came:\n%s", log)
	}
	below, _ := strconv.Atoi(m[1])
	up, _ := strconv.Atoi(m[2])
	t.Logf("packets below pion's pipeline %d, up it %d", below, up)
	if below == 0 || up > below/50 {
		t.Errorf("%d packets came below pion's pipeline and %d up it: the direct path is not taking them", below, up)
	}
}
