package voice

import (
	"fmt"
	"math"
	"time"
)

const (
	// toneAmplitude is the sine's peak, -6 dBFS: loud enough to find with
	// a threshold, far from clipping after a mix.
	toneAmplitude = 0.5
	// toneRamp fades the burst in and out so that its edges do not splash
	// energy over the spectrum and blur the frequency a test looks for.
	toneRamp = 5 * time.Millisecond
	// lookahead is the Opus encoder's delay at 48 kHz (2.5 ms + 4 ms): the
	// decoder plays a frame's input this late.
	lookahead = 312
)

// Tone is a sine burst of freq Hz lasting d (rounded up to whole frames),
// for tests that must find audio at a known time and frequency in a
// recording. After decoding, the tone starts 6.5 ms into the first packet
// (the encoder's lookahead) and ends with the last one; its edges are 5 ms
// fades. It is encoded at full band so that any audible frequency survives.
// It panics unless 0 < freq < 24000, the band Opus carries.
func Tone(freq float64, d time.Duration) Utterance {
	if !(freq > 0 && freq < SampleRate/2) {
		panic(fmt.Sprintf("voice: tone frequency %v Hz outside (0, %d)", freq, SampleRate/2))
	}
	total := framesFor(d) * FrameSamples
	n := max(total-lookahead, 0) // the tone ends where the last packet does, once decoded
	pcm := make([]float32, total)
	ramp := int(toneRamp.Seconds() * SampleRate)
	for i := range n {
		gain := toneAmplitude
		if edge := min(i, n-1-i); edge < ramp {
			gain *= 0.5 - 0.5*math.Cos(math.Pi*float64(edge)/float64(ramp))
		}
		pcm[i] = float32(gain * math.Sin(2*math.Pi*freq*float64(i)/SampleRate))
	}
	return mustEncode(pcm, toneProfile)
}
