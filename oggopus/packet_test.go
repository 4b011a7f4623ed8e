package oggopus

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/thesyncim/gopus"
)

// TestPacketSamplesAgreesWithGopus checks the allocation-free duration parser
// against gopus.ParsePacket on real packets of every frame size and on
// multi-frame packets.
func TestPacketSamplesAgreesWithGopus(t *testing.T) {
	pcm := make([]float32, 48000)
	for i := range pcm {
		pcm[i] = 0.4 * float32(math.Sin(2*math.Pi*330*float64(i)/48000))
	}
	var packets [][]byte
	for _, frame := range []int{120, 240, 480, 960, 1920, 2880} {
		app := gopus.ApplicationVoIP
		if frame < 480 {
			app = gopus.ApplicationRestrictedCelt
		}
		ps, err := audiotest.Encode(pcm[:frame*4], audiotest.EncodeConfig{FrameSamples: frame, Application: app})
		if err != nil {
			t.Fatalf("frame %d: %v", frame, err)
		}
		packets = append(packets, ps...)
	}
	packets = append(packets,
		[]byte{0xF9, 1, 2},             // code 1: two 20 ms frames
		[]byte{0xFA, 1, 7, 8},          // code 2: two frames, first 1 byte
		[]byte{0xFB, 0x03, 1, 2, 3},    // code 3: three CBR frames
		[]byte(silence5760),            // code 3: six 20 ms frames
		[]byte{0x0B, 0x02, 0x00, 0x00}, // code 3: two 60 ms SILK frames
	)
	for i, p := range packets {
		info, err := gopus.ParsePacket(p)
		if err != nil {
			t.Fatalf("packet %d (% x): gopus: %v", i, p[:min(len(p), 4)], err)
		}
		got, err := PacketSamples(p)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if want := info.TOC.FrameSize * info.FrameCount; got != want {
			t.Errorf("packet %d (% x): %d samples, gopus says %d", i, p[:min(len(p), 4)], got, want)
		}
	}
}

// TestPacketSamplesFramingAgreesWithGopus: on random packets built to hit
// every framing rule of RFC 6716 section 3.4 (frame lengths in one and two
// bytes, padding, CBR and VBR code 3, frames near 1275 bytes), the
// allocation-free check accepts exactly what gopus.ParsePacket accepts.
func TestPacketSamplesFramingAgreesWithGopus(t *testing.T) {
	rng := rand.New(rand.NewPCG(6716, 34))
	accepted := [4]int{}
	for i := range 50_000 {
		var n int
		switch rng.IntN(4) {
		case 0:
			n = 1 + rng.IntN(8)
		case 1:
			n = 1 + rng.IntN(64)
		case 2:
			n = 1 + rng.IntN(600)
		default:
			n = 1200 + rng.IntN(1400)
		}
		p := make([]byte, n)
		for j := range p {
			switch rng.IntN(6) {
			case 0:
				p[j] = 255
			case 1:
				p[j] = byte(252 + rng.IntN(3))
			case 2:
				p[j] = byte(rng.IntN(8))
			default:
				p[j] = byte(rng.Uint32())
			}
		}
		if n > 1 && p[0]&3 == 3 && rng.IntN(2) == 0 {
			p[1] = p[1]&0xC0 | byte(1+rng.IntN(6)) // a plausible frame count
		}
		info, gerr := gopus.ParsePacket(p)
		got, err := PacketSamples(p)
		if (gerr == nil) != (err == nil) {
			t.Fatalf("packet %d (%d bytes, % x...): gopus %v, PacketSamples %v", i, n, p[:min(n, 8)], gerr, err)
		}
		if err == nil {
			accepted[p[0]&3]++
			if want := info.TOC.FrameSize * info.FrameCount; got != want {
				t.Fatalf("packet %d (% x...): %d samples, gopus says %d", i, p[:min(n, 8)], got, want)
			}
		} else if !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("packet %d: %v does not wrap ErrInvalidPacket", i, err)
		}
	}
	for code, k := range accepted {
		if k < 500 {
			t.Errorf("only %d valid code %d packets generated: the test exercises too little", k, code)
		}
	}
	t.Logf("valid per code: %v", accepted)
}

func TestPacketSamplesRejects(t *testing.T) {
	for name, p := range map[string][]byte{
		"empty":              {},
		"code 1 odd":         {0xF9, 1},
		"code 2 short":       {0xFA},
		"code 3 short":       {0xFB},
		"code 3 zero":        {0xFB, 0x00},
		"code 3 over 120ms":  {0xFB, 0x07, 0, 0, 0, 0, 0, 0, 0},
		"60ms x 3":           {0x1B, 0x03, 0, 0, 0},
		"code 0 over 1275":   append([]byte{0xF8}, make([]byte, 1276)...),
		"code 2 too long":    {0xFA, 5, 1, 2},
		"code 2 cut length":  {0xFA, 252},
		"code 3 CBR uneven":  {0xFB, 0x02, 1, 2, 3},
		"code 3 padding":     {0xFB, 0x41, 9, 1},
		"code 3 VBR lengths": {0xFB, 0x83, 1, 5, 0, 0},
	} {
		if _, err := PacketSamples(p); !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("%s: err %v, want ErrInvalidPacket", name, err)
		}
	}
}

// TestSilencePacketsDecodeToZeros is the check the silence table rests on:
// each packet lasts what it claims and decodes to exact zeros, and gopus'
// encoder produces the same 20 ms packet for digital silence.
func TestSilencePacketsDecodeToZeros(t *testing.T) {
	set := NewSilence()
	for _, want := range []int{120, 240, 480, 960, 5760} {
		pkt, n := set.Next(int64(want))
		if n != want {
			t.Fatalf("Next(%d) gave %d samples", want, n)
		}
		if got, err := PacketSamples(pkt); err != nil || got != n {
			t.Fatalf("silence %d: PacketSamples %d, %v", n, got, err)
		}
		dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(48000, 1))
		if err != nil {
			t.Fatal(err)
		}
		pcm := make([]float32, 5760)
		for rep := 0; rep < 3; rep++ {
			k, err := dec.Decode(pkt, pcm)
			if err != nil || k != n {
				t.Fatalf("silence %d: decoded %d, %v", n, k, err)
			}
			for i, v := range pcm[:k] {
				if v != 0 {
					t.Fatalf("silence %d: sample %d = %g", n, i, v)
				}
			}
		}
	}
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: 48000, Channels: 1, Application: gopus.ApplicationVoIP})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, err := enc.Encode(make([]float32, 960), buf)
	if err != nil || string(buf[:n]) != silence960 {
		t.Errorf("encoder gives % x for 20 ms of zeros, want % x", buf[:n], silence960)
	}
}

// TestPLCPacketConceals checks that a TOC-only packet decodes to one frame of
// the previous packet's duration, continuing the sound (concealment) rather
// than failing or going silent at once.
func TestPLCPacketConceals(t *testing.T) {
	pcm := make([]float32, 9600)
	for i := range pcm {
		pcm[i] = 0.5 * float32(math.Sin(2*math.Pi*440*float64(i)/48000))
	}
	packets, err := audiotest.Encode(pcm, audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(48000, 1))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 5760)
	for _, p := range packets {
		if _, err := dec.Decode(p, out); err != nil {
			t.Fatal(err)
		}
	}
	plc := []byte{ConcealmentTOC(packets[len(packets)-1][0])}
	k, err := dec.Decode(plc, out)
	if err != nil || k != 960 {
		t.Fatalf("PLC packet decoded %d samples, %v", k, err)
	}
	if rms := audiotest.RMS(out[:k], k)[0]; rms < 0.05 {
		t.Errorf("concealed frame RMS %g: expected the tone to continue", rms)
	}
}
