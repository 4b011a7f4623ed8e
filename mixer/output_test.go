package mixer

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
)

// encodeMix runs pcm (the mix, on the timeline) through an output and
// decodes the file.
func encodeMix(t *testing.T, pcm []float32, alwaysEncode bool) (*audiotest.Decoded, Stats) {
	t.Helper()
	var buf bytes.Buffer
	var st Stats
	o, err := newOutput(&buf, 1<<20, Options{}.withDefaults(DefaultLiveComplexity, DefaultCeiling), &st)
	if err != nil {
		t.Fatal(err)
	}
	o.alwaysEncode = alwaysEncode
	n := len(pcm) / FrameSamples
	for k := range n {
		f := pcm[k*FrameSamples : (k+1)*FrameSamples]
		if err := o.frame(f, trailingZeros(f) == FrameSamples); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.finish(pcm[n*FrameSamples:]); err != nil {
		t.Fatal(err)
	}
	if err := o.flush(); err != nil {
		t.Fatal(err)
	}
	dec, err := audiotest.DecodeOgg(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if dec.PreSkip != o.preSkip || !dec.EOS {
		t.Fatalf("pre-skip %d (want %d), eos %v", dec.PreSkip, o.preSkip, dec.EOS)
	}
	return dec, st
}

// TestOutputLength: whatever the mix's length, the file plays for it,
// to 2.5 ms steps (±60 samples), and its last samples are in it.
func TestOutputLength(t *testing.T) {
	for _, n := range []int{0, 1, 59, 61, 500, 959, 960, 961, 1919, 1920, 48123} {
		pcm := make([]float32, n)
		if n > 200 { // a tone up to the very end
			audiotest.AddBurst(pcm, audiotest.Burst{At: 0, Dur: audiotest.Duration(n), Freq: 500, Amp: 0.5})
		}
		dec, _ := encodeMix(t, pcm, false)
		if d := len(dec.PCM) - n; d < -60 || d > 60 {
			t.Errorf("%d samples mixed: file plays %d", n, len(dec.PCM))
		}
		if n > 1000 {
			tail := dec.PCM[min(n, len(dec.PCM))-200 : min(n, len(dec.PCM))]
			if rms := audiotest.RMS(tail, len(tail))[0]; rms < 0.25 {
				t.Errorf("%d samples mixed: the last 200 play at RMS %.3f; want the tone (0.35)", n, rms)
			}
		}
	}
}

// TestSilenceShortcut: writing silence packets instead of encoding digital
// silence changes nothing a listener hears, onsets after long silences
// included, and skips the encoder for most of a mostly silent mix.
func TestSilenceShortcut(t *testing.T) {
	const total = 4 * time.Second
	var bursts []audiotest.Burst
	for i, at := range []time.Duration{300 * ms, 1000 * ms, 1630 * ms, 2890 * ms} {
		bursts = append(bursts, audiotest.Burst{At: at, Dur: 250 * ms, Freq: 300 + 170*float64(i), Amp: 0.6})
	}
	pcm := audiotest.Render(total, bursts)
	fast, st := encodeMix(t, pcm, false)
	full, _ := encodeMix(t, pcm, true)
	if st.FramesSilent*2 < st.FramesWritten {
		t.Errorf("stats %+v: want most frames written as silence", st)
	}
	// The two decodes agree closely, around every onset too.
	var sig, diff float64
	for i := range min(len(fast.PCM), len(full.PCM)) {
		sig += float64(full.PCM[i]) * float64(full.PCM[i])
		d := float64(fast.PCM[i] - full.PCM[i])
		diff += d * d
	}
	snr := 10 * math.Log10(sig/diff)
	t.Logf("shortcut vs always encoding: %.1f dB; stats %+v", snr, st)
	if snr < 30 {
		t.Errorf("the shortcut's decode differs from always encoding: %.1f dB SNR; want over 30", snr)
	}
	checkBursts(t, fast.PCM, []wantBurst{{300 * ms, 300}, {1000 * ms, 470}, {1630 * ms, 640}, {2890 * ms, 810}}, 3*ms)
	// Between bursts the file is exactly silent.
	for _, w := range [][2]time.Duration{{600 * ms, 950 * ms}, {2000 * ms, 2850 * ms}, {3200 * ms, total}} {
		if p := peak(fast.PCM[audiotest.Samples(w[0]):min(len(fast.PCM), audiotest.Samples(w[1]))]); p > 1e-6 {
			t.Errorf("%v to %v: peak %g; want digital silence", w[0], w[1], p)
		}
	}
}
