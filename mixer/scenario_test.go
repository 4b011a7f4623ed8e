package mixer

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/stitch"
)

// t0 is the recording's start in every scenario.
var t0 = time.Date(2023, 11, 21, 14, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))

// simRoom is one room of a scenario: when its connection's first packet
// arrives, what it says (bursts at offsets on the recording's timeline),
// and how its goroutine misbehaves.
type simRoom struct {
	name   string
	start  time.Duration          // first packet's arrival, from t0
	length time.Duration          // how long it sends
	bursts []audiotest.Burst      // At is on the recording's timeline
	lag    time.Duration          // its frames reach the mixer this late
	noLvl  bool                   // sends no audio level: the mixer must decode it all
	stall  [2]time.Duration       // its goroutine is stuck from stall[0] to stall[1]
	slow   time.Duration          // its first second of packets arrives this much late
	levels func(int, float64) int // optional override of a packet's level
	// extra, if set, adds more to the room's PCM; shift is what to subtract
	// from a timeline offset to get the PCM index that decodes there.
	extra func(pcm []float32, shift time.Duration)

	packets [][]byte
	level   []int
	seg     *capture.Segment
	in      *Input
	ref     int // index of its segment in scenario.segs
	next    int
}

// prepare encodes what the room says. A burst at timeline offset A is
// rendered lookahead earlier in the room's PCM, because the sender's encoder
// delays it by that much: it then decodes at exactly A.
func (r *simRoom) prepare(t *testing.T, lookahead int) {
	t.Helper()
	var bs []audiotest.Burst
	for _, b := range r.bursts {
		b.At -= r.start + audiotest.Duration(lookahead)
		bs = append(bs, b)
	}
	pcm := audiotest.Render(r.length, bs)
	if r.extra != nil {
		r.extra(pcm, r.start+audiotest.Duration(lookahead))
	}
	pk, err := audiotest.Encode(pcm, audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r.packets = pk
	for i := range pk {
		lo := min(i*FrameSamples, len(pcm))
		hi := min(lo+FrameSamples, len(pcm))
		lvl := levelOf(pcm[lo:hi])
		if r.levels != nil {
			lvl = r.levels(i, float64(lvl))
		}
		r.level = append(r.level, lvl)
	}
}

// levelOf is a frame's RFC 6464 level: -dBov, a full-scale sine being 0.
func levelOf(pcm []float32) int {
	var s float64
	for _, v := range pcm {
		s += float64(v) * float64(v)
	}
	rms := math.Sqrt(s / float64(max(1, len(pcm))))
	if rms < 1e-7 {
		return 127
	}
	return int(min(127, max(0, math.Round(-20*math.Log10(rms*math.Sqrt2)))))
}

func (r *simRoom) arrival(i int) time.Time {
	at := t0.Add(r.start + time.Duration(i)*20*time.Millisecond)
	if i < 50 {
		at = at.Add(r.slow)
	}
	return at
}

// stalled reports whether the room's goroutine is stuck at simulated time at.
func (r *simRoom) stalled(at time.Duration) bool {
	return r.stall[1] > 0 && at >= r.stall[0] && at < r.stall[1]
}

// scenario runs rooms against a live mixer on a simulated clock, in 20 ms
// steps, as the bot would: each room's goroutine pushes its packets (with
// their arrival times) to its own capture.Segment, whose Sink is the
// room's Input, and ticks it; a ticker ticks the mixer. Segments are written
// as files under root so that the same meeting can be stitched and mixed
// offline. stop, if not zero, ends the run there without closing anything
// (a crash); the mixer is then returned open.
type scenario struct {
	rooms []*simRoom
	end   time.Duration
	opts  Options
	stop  time.Duration
	// during is called after every mixer tick with the simulated time.
	during func(at time.Duration, m *Mixer)
	// segs collects each room's segments for stitching.
	segs map[string][]stitch.SegmentRef
}

func (sc *scenario) run(t *testing.T, root *os.Root, mixName string) *Mixer {
	t.Helper()
	la, err := audiotest.EncoderLookahead(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sc.rooms {
		r.prepare(t, la)
	}
	m, err := Create(root, mixName, t0, sc.opts)
	if err != nil {
		t.Fatal(err)
	}
	sc.segs = map[string][]stitch.SegmentRef{}
	const step = 20 * time.Millisecond
	last := sc.end
	if sc.stop > 0 {
		last = sc.stop
	}
	for at := step; at <= last; at += step {
		for _, r := range sc.rooms {
			sc.feed(t, root, m, r, at)
		}
		if err := m.Tick(t0.Add(at)); err != nil {
			t.Fatal(err)
		}
		if sc.during != nil {
			sc.during(at, m)
		}
	}
	if sc.stop > 0 {
		for _, r := range sc.rooms {
			if r.seg != nil {
				r.seg.Flush()
			}
		}
		return m
	}
	end := t0.Add(sc.end)
	for _, r := range sc.rooms {
		if r.seg == nil {
			continue
		}
		if err := r.seg.Close(end); err != nil {
			t.Fatal(err)
		}
		r.in.Close()
		sc.segs[r.name][r.ref].Start = r.seg.Start()
	}
	if err := m.Close(end); err != nil {
		t.Fatal(err)
	}
	return m
}

// feed does what room r's goroutine has done by simulated time at.
func (sc *scenario) feed(t *testing.T, root *os.Root, m *Mixer, r *simRoom, at time.Duration) {
	t.Helper()
	if r.stalled(at) {
		return
	}
	now := t0.Add(at - r.lag) // the room's goroutine runs this far behind
	for r.next < len(r.packets) && !r.arrival(r.next).After(now) {
		arr := r.arrival(r.next)
		if r.seg == nil {
			name := capture.SegmentName(r.name, 1)
			in, err := m.Follow(arr.Add(-capture.MaxHold))
			if err != nil {
				t.Fatal(err)
			}
			seg, err := capture.CreateSegment(root, name, capture.Config{Sink: in})
			if err != nil {
				t.Fatal(err)
			}
			r.seg, r.in = seg, in
			r.ref = len(sc.segs[r.name])
			sc.segs[r.name] = append(sc.segs[r.name], stitch.SegmentRef{Path: name})
		}
		if !r.noLvl {
			r.in.Level(arr, r.level[r.next])
		}
		i := r.next
		if err := r.seg.PushPayload(uint16(i), uint32(i*FrameSamples), r.packets[i], arr); err != nil {
			t.Fatal(err)
		}
		r.next++
	}
	if r.seg != nil {
		if err := r.seg.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
}

// wantBurst is a burst expected in a mix.
type wantBurst struct {
	at   time.Duration
	freq float64 // 0: any
}

// checkBursts finds exactly the wanted bursts in pcm, each within tol of
// its time and 2% of its frequency.
func checkBursts(t *testing.T, pcm []float32, want []wantBurst, tol time.Duration) {
	t.Helper()
	got := audiotest.DetectBursts(pcm, audiotest.DetectConfig{})
	if len(got) != len(want) {
		t.Errorf("found %d bursts, want %d: %+v", len(got), len(want), got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			d := g.At - w.at
			if d.Abs() <= tol && (w.freq == 0 || math.Abs(g.Freq-w.freq) <= 0.02*w.freq) {
				found = true
				t.Logf("burst %v %.0f Hz found at %v (%+v) %.0f Hz", w.at, w.freq, g.At, d, g.Freq)
			}
		}
		if !found {
			t.Errorf("no burst at %v (±%v) of %.0f Hz; found %+v", w.at, tol, w.freq, got)
		}
	}
}

func peak(pcm []float32) float64 {
	var p float64
	for _, v := range pcm {
		p = max(p, math.Abs(float64(v)))
	}
	return p
}

type osRoot = os.Root

func openRootAt(dir string) (*os.Root, error) { return os.OpenRoot(dir) }
