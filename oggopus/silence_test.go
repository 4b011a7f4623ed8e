package oggopus

import (
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/thesyncim/gopus"
)

// TestPacketClassification: IsSilence knows the silence of every writer
// (the live capture's fillers, an encoder's, an SFU's blank frames) from
// anything else, and PacketSamples reads their durations.
func TestPacketClassification(t *testing.T) {
	const ms = time.Millisecond
	tone, err := audiotest.Encode(audiotest.Render(100*ms, []audiotest.Burst{{Dur: 100 * ms, Freq: 440}}), audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	celtSilence, err := audiotest.Encode(make([]float32, 960), audiotest.EncodeConfig{Application: gopus.ApplicationRestrictedCelt})
	if err != nil {
		t.Fatal(err)
	}
	voipSilence, err := audiotest.Encode(make([]float32, 3*960), audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		p       []byte
		silence bool
		samples int // 0: not a valid packet
	}{
		{"recorder 2.5 ms", []byte{0xe0, 0xff, 0xfe}, true, 120},
		{"recorder 5 ms", []byte{0xe8, 0xff, 0xfe}, true, 240},
		{"recorder 10 ms", []byte{0xf0, 0xff, 0xfe}, true, 480},
		{"recorder 20 ms", []byte{0xf8, 0xff, 0xfe}, true, 960},
		{"recorder 120 ms", []byte{0xfb, 0x06, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe}, true, 5760},
		{"two frames", []byte{0xf9, 0xff, 0xfe, 0xff, 0xfe}, true, 1920},
		{"livekit blank frame", append([]byte{0xf8, 0xff, 0xfe}, make([]byte, 77)...), true, 960},
		{"two padded frames", []byte{0xf9, 0xff, 0xfe, 0, 0xff, 0xfe, 0}, true, 1920},
		{"ff fe second", []byte{0xf8, 0x00, 0xff, 0xfe}, false, 960},
		{"celt encoder", celtSilence[0], true, 960},
		{"voip encoder's silence", voipSilence[2], false, 960},
		{"tone", tone[2], false, 960},
		{"concealment marker", []byte{0xf8}, false, 960},
		{"silk with ff fe", []byte{0x08, 0xff, 0xfe}, false, 960},
		{"code 3 vbr", []byte{0xfb, 0x82, 0x02, 0xff, 0xfe, 0xff, 0xfe}, false, 1920},
		{"code 3 short", []byte{0xfb, 0x06, 0xff, 0xfe}, false, 0},
	} {
		if got := IsSilence(c.p); got != c.silence {
			t.Errorf("%s (% x): silence %v, want %v", c.name, c.p, got, c.silence)
		}
		if n, err := PacketSamples(c.p); n != c.samples || (err == nil) != (c.samples > 0) {
			t.Errorf("%s: %d samples, %v; want %d", c.name, n, err, c.samples)
		}
		if c.silence {
			dec, _ := gopus.NewDecoder(gopus.DefaultDecoderConfig(SampleRate, 1))
			pcm := make([]float32, MaxPacketSamples)
			n, err := dec.Decode(c.p, pcm)
			if err != nil || !allZero(pcm[:n]) {
				t.Errorf("%s: decodes to %d samples, not all zero (%v); want zeros", c.name, n, err)
			}
		}
	}
	for _, bad := range [][]byte{nil, {0xfb}, {0xfb, 0x00}, {0xfb, 0x3f}} {
		if _, err := PacketSamples(bad); err == nil {
			t.Errorf("% x: no error for an invalid packet", bad)
		}
	}
}

func allZero(pcm []float32) bool {
	for _, v := range pcm {
		if v != 0 {
			return false
		}
	}
	return true
}
