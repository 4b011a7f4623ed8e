package voice

import (
	"math"
	"testing"

	"github.com/thesyncim/gopus"
)

// decode plays u through a fresh Opus decoder, as a receiver would, and
// returns its 48 kHz mono PCM.
func decode(t testing.TB, u Utterance) []float32 {
	t.Helper()
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(SampleRate, 1))
	if err != nil {
		t.Fatalf("new decoder: %v", err)
	}
	out := make([]float32, 0, u.Len()*FrameSamples)
	frame := make([]float32, 5760) // the longest Opus frame, 120 ms
	for i := range u.Len() {
		n, err := dec.Decode(u.Packet(i).Opus, frame)
		if err != nil {
			t.Fatalf("decode packet %d: %v", i, err)
		}
		if n != FrameSamples {
			t.Fatalf("packet %d decodes to %d samples, want %d", i, n, FrameSamples)
		}
		out = append(out, frame[:n]...)
	}
	return out
}

// rms is the root mean square of pcm; 0 for none.
func rms(pcm []float32) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, v := range pcm {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(pcm)))
}

// goertzel is the power of pcm at freq Hz, normalized so that a full-scale
// sine of exactly that frequency gives about 0.25 whatever the length.
func goertzel(pcm []float32, freq float64) float64 {
	w := 2 * math.Pi * freq / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range pcm {
		s1, s2 = float64(v)+c*s1-s2, s1
	}
	power := s1*s1 + s2*s2 - c*s1*s2
	n := float64(len(pcm))
	return power / (n * n)
}
