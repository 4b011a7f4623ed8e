package audiotest

import (
	"math"
	"time"
)

// Burst is one sine tone burst at a given offset.
type Burst struct {
	At   time.Duration // offset of the first sample from the start of the PCM
	Dur  time.Duration // length of the burst
	Freq float64       // Hz
	Amp  float64       // peak amplitude, 0..1; 0 means 0.5
}

// rampSamples is a 1 ms raised-cosine fade on both ends of a burst. It keeps
// the codec from smearing a click across neighbouring frames, which would
// blur the onset the tests measure, while staying far below their tolerance.
const rampSamples = SampleRate / 1000

// Render returns total worth of PCM with the bursts added in (overlapping
// bursts sum). Bursts reaching past the end are cut.
func Render(total time.Duration, bursts []Burst) []float32 {
	pcm := make([]float32, Samples(total))
	for _, b := range bursts {
		AddBurst(pcm, b)
	}
	return pcm
}

// AddBurst adds one burst into pcm in place.
func AddBurst(pcm []float32, b Burst) {
	amp := b.Amp
	if amp == 0 {
		amp = 0.5
	}
	start, n := Samples(b.At), Samples(b.Dur)
	for i := 0; i < n; i++ {
		j := start + i
		if j < 0 || j >= len(pcm) {
			continue
		}
		g := 1.0
		if i < rampSamples {
			g = 0.5 - 0.5*math.Cos(math.Pi*float64(i)/rampSamples)
		} else if n-1-i < rampSamples {
			g = 0.5 - 0.5*math.Cos(math.Pi*float64(n-1-i)/rampSamples)
		}
		pcm[j] += float32(amp * g * math.Sin(2*math.Pi*b.Freq*float64(i)/SampleRate))
	}
}
