package audiotest

import (
	"math"
	"time"
)

// RMS returns the root mean square of each consecutive window of pcm; a short
// last window is included.
func RMS(pcm []float32, window int) []float64 {
	if window <= 0 {
		return nil
	}
	out := make([]float64, 0, (len(pcm)+window-1)/window)
	for i := 0; i < len(pcm); i += window {
		end := min(i+window, len(pcm))
		var sum float64
		for _, v := range pcm[i:end] {
			sum += float64(v) * float64(v)
		}
		out = append(out, math.Sqrt(sum/float64(end-i)))
	}
	return out
}

// Goertzel returns the power of pcm at freq (Hz), normalised by length so
// different window sizes compare.
func Goertzel(pcm []float32, freq float64) float64 {
	w := 2 * math.Pi * freq / SampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range pcm {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	return p / float64(len(pcm)*len(pcm))
}

// DominantFreq returns the frequency between lo and hi (in steps of step Hz)
// with the most energy in pcm: a coarse DFT, enough to tell test tones apart.
func DominantFreq(pcm []float32, lo, hi, step float64) float64 {
	best, bestP := lo, -1.0
	for f := lo; f <= hi; f += step {
		if p := Goertzel(pcm, f); p > bestP {
			best, bestP = f, p
		}
	}
	return best
}

// Onset is a burst found in PCM.
type Onset struct {
	At   time.Duration // start of the first window above the threshold
	Freq float64       // dominant frequency shortly after the onset
	Len  time.Duration // time until the level fell below the threshold again
}

// DetectConfig tunes DetectBursts. The zero value gives defaults suited to
// bursts rendered at amplitude 0.3 or more.
type DetectConfig struct {
	Window    time.Duration // RMS window; default 2.5 ms
	Threshold float64       // RMS level counting as "on"; default 0.05
	MinGap    time.Duration // quiet time needed before a new onset counts; default 60 ms
	LoHz      float64       // frequency search range; default 100..4000 Hz
	HiHz      float64
	StepHz    float64 // default 5 Hz
}

func (c DetectConfig) withDefaults() DetectConfig {
	if c.Window == 0 {
		c.Window = 2500 * time.Microsecond
	}
	if c.Threshold == 0 {
		c.Threshold = 0.05
	}
	if c.MinGap == 0 {
		c.MinGap = 60 * time.Millisecond
	}
	if c.LoHz == 0 {
		c.LoHz = 100
	}
	if c.HiHz == 0 {
		c.HiHz = 4000
	}
	if c.StepHz == 0 {
		c.StepHz = 5
	}
	return c
}

// DetectBursts finds tone bursts in pcm: an onset is a window whose RMS
// reaches the threshold after at least MinGap below it. Requiring a quiet gap
// keeps a dropout inside a burst (a concealed or dropped frame) from being
// reported as a new burst.
func DetectBursts(pcm []float32, cfg DetectConfig) []Onset {
	cfg = cfg.withDefaults()
	win := Samples(cfg.Window)
	levels := RMS(pcm, win)
	gapWins := (Samples(cfg.MinGap) + win - 1) / win
	var out []Onset
	quiet := gapWins // the start of the PCM counts as quiet
	cur := -1        // index into out of the burst in progress
	lastOn := 0
	for i, l := range levels {
		if l < cfg.Threshold {
			quiet++
			continue
		}
		if quiet >= gapWins {
			out = append(out, Onset{At: Duration(i * win)})
			cur = len(out) - 1
		}
		quiet = 0
		lastOn = i
		if cur >= 0 {
			out[cur].Len = Duration((lastOn+1)*win) - out[cur].At
		}
	}
	// Measure the frequency a little after the onset, where the codec has
	// settled, over at most 40 ms of the burst.
	for i := range out {
		from := Samples(out[i].At) + SampleRate/100
		to := min(from+SampleRate/25, Samples(out[i].At+out[i].Len), len(pcm))
		if to-from < SampleRate/200 {
			from, to = Samples(out[i].At), min(Samples(out[i].At+out[i].Len), len(pcm))
		}
		if to > from {
			out[i].Freq = DominantFreq(pcm[from:to], cfg.LoHz, cfg.HiHz, cfg.StepHz)
		}
	}
	return out
}

// Nearest is the onset closest to at and how far from at it starts (onset
// minus at); ok is false when none starts within tol of at.
func Nearest(onsets []Onset, at, tol time.Duration) (o Onset, off time.Duration, ok bool) {
	for _, c := range onsets {
		if d := c.At - at; d.Abs() <= tol && (!ok || d.Abs() < off.Abs()) {
			o, off, ok = c, d, true
		}
	}
	return o, off, ok
}
