package mixer

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/disktest"
	"github.com/samvad/samvad/stitch"
)

// noiseAt is a deterministic white-noise burst: broadband, so that cross-
// correlation finds its place to the sample where a tone would be ambiguous
// by whole periods.
func noiseAt(at, d time.Duration) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	n := audiotest.Samples(d)
	out := make([]float32, audiotest.Samples(at)+n)
	for i := range n {
		out[audiotest.Samples(at)+i] = float32(0.3 * (2*rng.Float64() - 1))
	}
	return out
}

// alignment returns the lag (in samples, within ±max) at which got best
// matches ref: 0 when got's audio is exactly where ref's is.
func alignment(ref, got []float32, max int) int {
	best, bestLag := -1.0, 0
	for lag := -max; lag <= max; lag++ {
		var c float64
		for i, v := range ref {
			if v == 0 || i+lag < 0 || i+lag >= len(got) {
				continue
			}
			c += float64(v) * float64(got[i+lag])
		}
		if c > best {
			best, bestLag = c, lag
		}
	}
	return bestLag
}

// TestTimelineIsSampleExact: a room whose connection starts at an odd
// instant says something at a known instant; in both the live and the
// rebuilt mix it is at exactly that sample. Burst onsets (±20 ms) cannot
// see a pre-skip or look-ahead that is a millisecond off; this can.
func TestTimelineIsSampleExact(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	const at = 1234500 * time.Microsecond   // 59256 samples
	const start = 333375 * time.Microsecond // 16002 samples
	ref := noiseAt(at, 200*ms)
	sc := &scenario{end: 2 * time.Second, rooms: []*simRoom{{
		name: "ranchi", start: start, length: 2*time.Second - start,
		extra: func(pcm []float32, shift time.Duration) {
			n := noiseAt(at-shift, 200*ms)
			for i := range min(len(n), len(pcm)) {
				pcm[i] += n[i]
			}
		},
	}}}
	sc.run(t, root, "live.ogg")
	if _, err := stitch.Room(root, "rooms/ranchi.ogg", sc.segs["ranchi"], t0, t0.Add(sc.end)); err != nil {
		t.Fatal(err)
	}
	if _, err := MixFiles(root, "files.ogg", []Room{{Path: "rooms/ranchi.ogg"}}, sc.end, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"live.ogg", "files.ogg", "rooms/ranchi.ogg"} {
		dec, err := audiotest.DecodeOggFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if lag := alignment(ref, dec.PCM, 200); lag != 0 {
			t.Errorf("%s: the burst is %d samples off its place on the timeline", name, lag)
		}
	}
}

// TestLiveMixSurvivesCrash kills the process (no Close) in mid-meeting: the
// file on disk decodes cleanly up to the last flush, with what was said.
func TestLiveMixSurvivesCrash(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	sc := meeting()
	sc.stop = 3 * time.Second
	m := sc.run(t, root, "mix.ogg")
	defer m.file.Close()
	path := filepath.Join(dir, "mix.ogg")

	// kill -9 between flushes: at most a flush interval is lost.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	written := m.Written()
	got := audiotest.Duration(len(dec.PCM))
	if dec.Stopped != nil || dec.EOS {
		t.Errorf("crashed file: stopped %v, eos %v; want a clean cut at a page boundary", dec.Stopped, dec.EOS)
	}
	if got > written || got < written-DefaultFlushInterval-20*ms {
		t.Errorf("crashed file plays %v of %v mixed; more than a flush interval lost", got, written)
	}

	// kill -9 right after a flush: everything mixed is there, and the mix
	// was no further behind the wall clock than the latency.
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	dec, err = audiotest.DecodeOggFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// All but the last frame, which waits to go on the end-of-stream page.
	if got, want := audiotest.Duration(len(dec.PCM)), written-20*ms; got != want || got < sc.stop-DefaultLatency-40*ms {
		t.Errorf("flushed crashed file plays %v; want %v (all mixed but the frame held back), and at least %v", got, want, sc.stop-DefaultLatency-40*ms)
	}
	checkBursts(t, dec.PCM, []wantBurst{{1000 * ms, 440}, {2000 * ms, 550}}, 20*ms)
	if ok, err := Check(root, "mix.ogg", sc.stop); ok || err != nil {
		t.Errorf("Check of the crashed mix: %v, %v; want incomplete", ok, err)
	}
	for _, r := range sc.rooms {
		if r.seg != nil {
			r.seg.Close(t0.Add(sc.stop))
		}
	}
}
