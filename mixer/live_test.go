package mixer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
)

const ms = time.Millisecond

// meeting is the scenario of the mix tests: five rooms, tone bursts at
// known times and frequencies, two loud bursts at once, one room lagging,
// one silent throughout, one joining late without audio levels, and one
// whose goroutine is stuck for 2.5 s.
func meeting() *scenario {
	b := func(at time.Duration, f, amp float64, d time.Duration) audiotest.Burst {
		return audiotest.Burst{At: at, Dur: d, Freq: f, Amp: amp}
	}
	return &scenario{end: 5500 * ms, rooms: []*simRoom{
		{name: "ranchi", start: 300 * ms, length: 5200 * ms,
			bursts: []audiotest.Burst{b(1000*ms, 440, 0.5, 300*ms), b(3000*ms, 660, 0.8, 400*ms)}},
		{name: "dumka", start: 100 * ms, length: 5400 * ms, lag: 200 * ms,
			bursts: []audiotest.Burst{b(2000*ms, 550, 0.5, 300*ms), b(3000*ms, 880, 0.8, 400*ms)}},
		{name: "bokaro", start: 50 * ms, length: 5450 * ms},
		{name: "godda", start: 3800 * ms, length: 1700 * ms, noLvl: true,
			bursts: []audiotest.Burst{b(4500*ms, 1000, 0.5, 300*ms)}},
		{name: "pakur", start: 200 * ms, length: 5300 * ms, stall: [2]time.Duration{1000 * ms, 3500 * ms},
			bursts: []audiotest.Burst{b(2500*ms, 1500, 0.5, 300*ms)}},
	}}
}

func TestLiveMix(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	sc := meeting()
	var writtenAt3400 time.Duration
	sc.during = func(at time.Duration, m *Mixer) {
		if at == 3400*ms {
			writtenAt3400 = m.Written()
		}
	}
	m := sc.run(t, root, "mix.ogg")

	// The stuck room held the mix back by no more than the latency.
	if lo := 3400*ms - DefaultLatency - 20*ms; writtenAt3400 < lo {
		t.Errorf("while pakur was stuck the mix reached %v at 3.4 s; want at least %v", writtenAt3400, lo)
	}
	if fi, err := os.Stat(filepath.Join(dir, "mix.ogg")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mix.ogg: %v, mode %v; want 0640", err, fi.Mode())
	}
	if _, err := Create(root, "mix.ogg", t0, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("creating over an existing mix: %v; want fs.ErrExist", err)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, "mix.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if !dec.EOS || dec.Stopped != nil {
		t.Errorf("mix: eos %v, stopped %v; want a closed stream read to the end", dec.EOS, dec.Stopped)
	}
	if got, want := len(dec.PCM), audiotest.Samples(sc.end); abs64(int64(got-want)) > 60 {
		t.Errorf("mix plays %d samples; want %d (the recording's length) ±60", got, want)
	}
	checkBursts(t, dec.PCM, []wantBurst{
		{1000 * ms, 440}, {2000 * ms, 550}, {3000 * ms, 0}, {4500 * ms, 1000},
	}, 20*ms)
	checkLoudOverlap(t, dec.PCM)

	st := m.Stats()
	t.Logf("stats %+v", st)
	if st.LateSamples == 0 {
		t.Error("pakur's audio from while it was stuck is not counted late")
	}
	if st.PacketsSkipped == 0 || st.FramesSilent == 0 || st.FramesLimited == 0 {
		t.Errorf("stats %+v: want skipped packets (bokaro), silent frames and limited frames", st)
	}
}

// checkLoudOverlap: the two loud bursts at 3 s (0.8 each, 1.6 summed) are
// both heard, neither clipped away, and nothing exceeds full scale.
func checkLoudOverlap(t *testing.T, pcm []float32) {
	t.Helper()
	if p := peak(pcm); p > 1.0 {
		t.Errorf("mix peaks at %.3f; want at most 1.0", p)
	} else {
		t.Logf("mix peak %.3f", p)
	}
	w := pcm[audiotest.Samples(3050*ms):audiotest.Samples(3350*ms)]
	p660, p880, p440 := audiotest.Goertzel(w, 660), audiotest.Goertzel(w, 880), audiotest.Goertzel(w, 440)
	if p660 < 0.3*p880 || p880 < 0.3*p660 || p440 > 0.01*p660 {
		t.Errorf("loud overlap at 3 s: power 660 Hz %.4f, 880 Hz %.4f, 440 Hz %.4f; want both tones, balanced, and no others", p660, p880, p440)
	}
	if p := peak(w); p < 0.6 {
		t.Errorf("loud overlap peaks at %.3f: limited far more than needed", p)
	}
}

// TestLiveMixSlowStart: a room's first second of packets comes 14 ms late,
// so its segment moves its start back once the punctual packets come
// (capture.FrameSink.SegmentMoved) instead of dropping a frame. The live mix
// follows the move: the room's tone is heard once across it, never doubled
// over what the mix had already placed from the old start, and its later
// burst is where it was said, as in the room's own file.
func TestLiveMixSlowStart(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	sc := &scenario{end: 3000 * ms, rooms: []*simRoom{
		{name: "ranchi", start: 100 * ms, length: 2900 * ms, slow: 14 * ms, bursts: []audiotest.Burst{
			{At: 400 * ms, Dur: 1400 * ms, Freq: 440, Amp: 0.4},
			{At: 2200 * ms, Dur: 300 * ms, Freq: 660, Amp: 0.4},
		}},
	}}
	sc.run(t, root, "mix.ogg")
	st := sc.rooms[0].seg.Stats()
	if st.DriftDropped != 0 || st.StartMovedSamples < ms48(10) {
		t.Fatalf("segment dropped %d for drift, moved its start %v: the scenario no longer moves it",
			st.DriftDropped, time.Duration(st.StartMovedSamples)*time.Second/48000)
	}
	dec, err := audiotest.DecodeOggFile(filepath.Join(dir, "mix.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	if p := peak(dec.PCM[audiotest.Samples(500*ms):audiotest.Samples(1700*ms)]); p > 0.5 {
		t.Errorf("the tone across the move peaks at %.3f, want its 0.4: heard twice where the mix overlapped", p)
	}
	// The tone's onset went into the mix before the move, from the old
	// start; the burst after it is placed from the new one.
	checkBursts(t, dec.PCM, []wantBurst{{400 * ms, 440}, {2200 * ms, 660}}, 15*ms)
	for _, b := range audiotest.DetectBursts(dec.PCM, audiotest.DetectConfig{}) {
		if b.Freq > 600 && (b.At-2200*ms).Abs() > 3*ms {
			t.Errorf("the burst after the move is at %v, want 2.2 s", b.At)
		}
	}
}

func ms48(n int64) int64 { return n * 48 }
