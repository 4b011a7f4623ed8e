package mixer

import (
	"math"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/oggopus"
	"github.com/thesyncim/gopus"
)

// TestTrackSkipsWithoutHarm: a room that talks in bursts with silence
// between, gated by its levels. The track decodes only the bursts (and a
// little hangover), yet what it yields matches decoding every packet, onsets
// after long skips included: the stale decoder state is harmless.
func TestTrackSkipsWithoutHarm(t *testing.T) {
	var bursts []audiotest.Burst
	for i, at := range []time.Duration{200 * ms, 1100 * ms, 2400 * ms, 2700 * ms} {
		bursts = append(bursts, audiotest.Burst{At: at, Dur: 200 * ms, Freq: 350 + 200*float64(i), Amp: 0.5})
	}
	pcm := audiotest.Render(3500*ms, bursts)
	for _, cfg := range []struct {
		name string
		enc  audiotest.EncodeConfig
	}{
		{"voip", audiotest.EncodeConfig{}},                                             // silence as 30-byte hybrid packets, as Chrome sends
		{"celt", audiotest.EncodeConfig{Application: gopus.ApplicationRestrictedCelt}}, // silence as {TOC,FF,FE}
	} {
		t.Run(cfg.name, func(t *testing.T) {
			pk, err := audiotest.Encode(pcm, cfg.enc)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(oggopus.SampleRate, 1))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := newTrack()
			if err != nil {
				t.Fatal(err)
			}
			var want, got []float32
			var st Stats
			hang := 5 // frames of hangover, as Level gives
			loudUntil := -1
			buf := make([]float32, oggopus.MaxPacketSamples)
			for i, p := range pk {
				n, err := ref.Decode(p, buf)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, buf[:n]...)
				if levelOf(pcm[i*FrameSamples:min(len(pcm), (i+1)*FrameSamples)]) <= DefaultGateLevel {
					loudUntil = i + hang
				}
				out := tr.decode(p, FrameSamples, i <= loudUntil, &st)
				if out == nil {
					out = make([]float32, FrameSamples)
				}
				got = append(got, out...)
			}
			var sig, diff float64
			for i := range want {
				sig += float64(want[i]) * float64(want[i])
				d := float64(got[i] - want[i])
				diff += d * d
			}
			snr := 10 * math.Log10(sig/diff)
			t.Logf("decoded %d of %d packets; %.1f dB from decoding all", st.PacketsDecoded, len(pk), snr)
			if st.PacketsDecoded*2 > int64(len(pk)) {
				t.Errorf("decoded %d of %d packets; want under half", st.PacketsDecoded, len(pk))
			}
			if snr < 30 {
				t.Errorf("skipping changed the audio: %.1f dB from decoding all; want over 30", snr)
			}
			la, err := audiotest.EncoderLookahead(cfg.enc.Application)
			if err != nil {
				t.Fatal(err)
			}
			var wb []wantBurst
			for _, b := range bursts {
				wb = append(wb, wantBurst{b.At + audiotest.Duration(la), b.Freq})
			}
			checkBursts(t, got, wb, 3*ms)
		})
	}
}
