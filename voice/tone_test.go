package voice

import (
	"testing"
	"time"

	"github.com/thesyncim/gopus"
)

func TestToneFrequency(t *testing.T) {
	for _, freq := range []float64{300, 1000, 3150, 12000} {
		pcm := decode(t, Tone(freq, 500*time.Millisecond))
		body := pcm[SampleRate/20 : len(pcm)-SampleRate/20] // away from the fades
		at := goertzel(body, freq)
		if at < 0.01 {
			t.Errorf("%v Hz tone: power %.4f at %v Hz, want a loud sine", freq, at, freq)
		}
		for _, other := range []float64{freq * 0.8, freq * 1.25, freq * 2} {
			if p := goertzel(body, other); p > at/100 {
				t.Errorf("%v Hz tone: power %.5f at %v Hz, want 20 dB below %.4f", freq, p, other, at)
			}
		}
	}
}

// TestToneTiming: a test finds the tone where the doc says it is, starting
// one encoder lookahead into the first packet and lasting to the end.
func TestToneTiming(t *testing.T) {
	u := Tone(1000, 400*time.Millisecond)
	if u.Len() != 20 {
		t.Fatalf("Tone(400ms) has %d packets, want 20", u.Len())
	}
	pcm := decode(t, u)
	const ms = SampleRate / 1000
	if v := rms(pcm[:5*ms]); v > 0.01 {
		t.Errorf("RMS %.3f in the first 5 ms, before the tone should start", v)
	}
	if v := rms(pcm[15*ms : 385*ms]); v < 0.3 {
		t.Errorf("RMS %.3f within the tone, want about 0.35", v)
	}
}

func TestLookaheadMatchesEncoder(t *testing.T) {
	for _, app := range []gopus.Application{gopus.ApplicationVoIP, gopus.ApplicationAudio} {
		enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: SampleRate, Channels: 1, Application: app})
		if err != nil {
			t.Fatal(err)
		}
		if enc.Lookahead() != lookahead {
			t.Errorf("application %v: encoder lookahead %d, package assumes %d", app, enc.Lookahead(), lookahead)
		}
	}
}

func TestToneRejectsInaudibleFrequencies(t *testing.T) {
	for _, freq := range []float64{0, -5, 24000, 30000} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Tone(%v) did not panic", freq)
				}
			}()
			Tone(freq, time.Second)
		}()
	}
}
