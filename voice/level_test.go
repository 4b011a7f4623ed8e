package voice

import (
	"math"
	"testing"
)

func TestAudioLevel(t *testing.T) {
	frame := func(f func(i int) float64) []float32 {
		pcm := make([]float32, FrameSamples)
		for i := range pcm {
			pcm[i] = float32(f(i))
		}
		return pcm
	}
	square := func(amp float64) []float32 {
		return frame(func(i int) float64 { return amp * float64(1-2*(i/24%2)) })
	}
	sine := frame(func(i int) float64 { return math.Sin(2 * math.Pi * 1000 * float64(i) / SampleRate) })
	for _, c := range []struct {
		name string
		pcm  []float32
		want uint8
	}{
		{"full-scale square", square(1), 0},
		{"full-scale sine", sine, 3},
		{"square at -40 dB", square(0.01), 40},
		{"square at -140 dB", square(1e-7), 127},
		{"digital silence", make([]float32, FrameSamples), 127},
		{"no samples", nil, 127},
		{"clipping", square(2), 0},
	} {
		if got := audioLevel(c.pcm); got != c.want {
			t.Errorf("%s: level %d, want %d", c.name, got, c.want)
		}
	}
}
