package mixer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/samvad/samvad/oggopus"
)

// runLimiter passes in through a fresh limiter frame by frame and returns
// the output realigned with the input (the limiter's delay removed).
func runLimiter(in []float32, ceiling float64) ([]float32, int) {
	l := newLimiter(ceiling)
	frames := (len(in)+limiterDelay)/FrameSamples + 1
	padded := make([]float32, frames*FrameSamples)
	copy(padded, in)
	out := make([]float32, len(padded))
	limited := 0
	for k := range frames {
		f := padded[k*FrameSamples : (k+1)*FrameSamples]
		l.process(f, trailingZeros(f) == FrameSamples, out[k*FrameSamples:])
		if l.limited {
			limited++
		}
	}
	return out[limiterDelay : limiterDelay+len(in)], limited
}

func TestLimiterPassesQuietAudioUntouched(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in := make([]float32, 10*FrameSamples)
	for i := range in {
		in[i] = float32(DefaultCeiling * (2*rng.Float64() - 1))
	}
	out, limited := runLimiter(in, DefaultCeiling)
	for i := range in {
		if out[i] != in[i] {
			t.Fatalf("sample %d: %g in, %g out; want unchanged below the ceiling", i, in[i], out[i])
		}
	}
	if limited != 0 {
		t.Errorf("%d frames counted as limited", limited)
	}
}

// TestLimiterNeverExceedsCeilingAndIsSmooth: sums of loud voices (up to 3x
// full scale) come out at or below the ceiling, the gain moves at most one
// block's ramp per sample (no clicks), and recovers to unity after.
func TestLimiterNeverExceedsCeilingAndIsSmooth(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	in := make([]float32, 3*oggopus.SampleRate)
	for i := range in[:oggopus.SampleRate] { // a second of loud, varying overlap
		env := 0.2 + 2.8*math.Abs(math.Sin(float64(i)/4000))
		in[i] = float32(env * math.Sin(float64(i)*2*math.Pi*300/oggopus.SampleRate) * (0.9 + 0.1*rng.Float64()))
	}
	for i := 2 * oggopus.SampleRate; i < len(in); i++ { // then quiet speech-level audio
		in[i] = float32(0.3 * math.Sin(float64(i)*2*math.Pi*500/oggopus.SampleRate))
	}
	out, limited := runLimiter(in, DefaultCeiling)
	gain := func(i int) (float64, bool) {
		if math.Abs(float64(in[i])) < 0.05 {
			return 0, false
		}
		return float64(out[i] / in[i]), true
	}
	// The gain comes back up no faster than the release: a limiter that
	// let go at once would pump within every period of the voice.
	release := 1 - math.Exp(-1.0/50) // at least a 50 ms release
	for i := 0; i+limiterBlock < len(in); i++ {
		g0, ok0 := gain(i)
		g1, ok1 := gain(i + limiterBlock)
		if ok0 && ok1 && g1-g0 > (1-g0)*release+gainSnap {
			t.Fatalf("sample %d: gain rises from %.3f to %.3f within 1 ms", i, g0, g1)
		}
	}
	prevGain := 1.0
	for i := range in {
		if math.Abs(float64(out[i])) > DefaultCeiling+1e-6 {
			t.Fatalf("sample %d: %g out of %g in; above the ceiling %g", i, out[i], in[i], DefaultCeiling)
		}
		if math.Abs(float64(in[i])) < 0.05 {
			continue // the gain cannot be read from a near-zero sample
		}
		g := float64(out[i] / in[i])
		if math.Abs(g-prevGain) > 1.0/limiterBlock+1e-3 && i > 0 && math.Abs(float64(in[i-1])) >= 0.05 {
			t.Fatalf("sample %d: gain jumps from %.3f to %.3f", i, prevGain, g)
		}
		prevGain = g
	}
	if limited == 0 {
		t.Error("no frame counted as limited")
	}
	for i := 2*oggopus.SampleRate + oggopus.SampleRate/2; i < len(in); i++ { // half a second to recover
		if out[i] != in[i] {
			t.Fatalf("sample %d (%.2f s): %g in, %g out; want unity gain again", i, float64(i)/oggopus.SampleRate, in[i], out[i])
		}
	}
}

func TestLimiterSilence(t *testing.T) {
	in := make([]float32, 5*FrameSamples)
	in[2*FrameSamples+10] = 2 // one loud sample among silence
	out, _ := runLimiter(in, DefaultCeiling)
	for i, v := range out {
		if i != 2*FrameSamples+10 && v != 0 {
			t.Fatalf("sample %d: %g; want exact silence around the peak", i, v)
		}
	}
	if v := out[2*FrameSamples+10]; math.Abs(float64(v)) > DefaultCeiling+1e-6 || v < 0.5 {
		t.Errorf("the peak comes out at %g; want at most the ceiling, and not crushed", v)
	}
}
