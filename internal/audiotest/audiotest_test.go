package audiotest

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

func TestRMS(t *testing.T) {
	pcm := []float32{1, -1, 1, -1, 0.5, 0.5, 0}
	got := RMS(pcm, 2)
	want := []float64{1, 1, 0.5, 0}
	if len(got) != len(want) {
		t.Fatalf("got %d windows, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Errorf("window %d: got %v want %v", i, got[i], want[i])
		}
	}
}

func TestSamplesDuration(t *testing.T) {
	if got := Samples(20 * time.Millisecond); got != 960 {
		t.Errorf("Samples(20ms) = %d", got)
	}
	if got := Duration(120); got != 2500*time.Microsecond {
		t.Errorf("Duration(120) = %v", got)
	}
}

var testBursts = []Burst{
	{At: 100 * time.Millisecond, Dur: 200 * time.Millisecond, Freq: 440},
	{At: 500 * time.Millisecond, Dur: 150 * time.Millisecond, Freq: 880, Amp: 0.3},
	{At: 1234 * time.Millisecond, Dur: 300 * time.Millisecond, Freq: 1320},
}

func checkBursts(t *testing.T, got []Onset, want []Burst, shift, tol time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("found %d bursts %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if d := got[i].At - (w.At + shift); d < -tol || d > tol {
			t.Errorf("burst %d at %v, want %v±%v", i, got[i].At, w.At+shift, tol)
		}
		if math.Abs(got[i].Freq-w.Freq) > 10 {
			t.Errorf("burst %d freq %v, want %v", i, got[i].Freq, w.Freq)
		}
	}
}

func TestDetectBurstsRawPCM(t *testing.T) {
	pcm := Render(2*time.Second, testBursts)
	checkBursts(t, DetectBursts(pcm, DetectConfig{}), testBursts, 0, 2500*time.Microsecond)
}

func TestDetectBurstsIgnoresShortDropout(t *testing.T) {
	pcm := Render(time.Second, []Burst{{At: 100 * time.Millisecond, Dur: 400 * time.Millisecond, Freq: 600}})
	clear(pcm[Samples(300*time.Millisecond):Samples(320*time.Millisecond)])
	if got := DetectBursts(pcm, DetectConfig{}); len(got) != 1 {
		t.Fatalf("a 20 ms dropout split the burst: %+v", got)
	}
}

// writeOgg packs packets into an Ogg Opus stream with gopus' own writer.
func writeOgg(t *testing.T, packets [][]byte, frame int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := ogg.NewWriter(&buf, SampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packets {
		if err := w.WritePacket(p, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	pcm := Render(2*time.Second, testBursts)
	for _, frame := range []int{480, 960, 2880} {
		packets, err := Encode(pcm, EncodeConfig{FrameSamples: frame})
		if err != nil {
			t.Fatal(err)
		}
		if want := (len(pcm) + frame - 1) / frame; len(packets) != want {
			t.Fatalf("frame %d: %d packets, want %d", frame, len(packets), want)
		}
		dec, err := DecodeOgg(writeOgg(t, packets, frame))
		if err != nil {
			t.Fatal(err)
		}
		if !dec.EOS || dec.Stopped != nil || dec.PreSkip != 312 {
			t.Fatalf("frame %d: EOS %v stopped %v preskip %d", frame, dec.EOS, dec.Stopped, dec.PreSkip)
		}
		// The writer's pre-skip (312) equals the VoIP encoder's lookahead, so
		// bursts come out where they went in.
		if want := len(packets)*frame - 312; len(dec.PCM) != want {
			t.Errorf("frame %d: %d samples, want %d", frame, len(dec.PCM), want)
		}
		checkBursts(t, DetectBursts(dec.PCM, DetectConfig{}), testBursts, 0, 5*time.Millisecond)
	}
}

func TestEncodeDTXReturnsNilDuringSilence(t *testing.T) {
	pcm := Render(2*time.Second, []Burst{{At: 0, Dur: 500 * time.Millisecond, Freq: 300}})
	packets, err := Encode(pcm, EncodeConfig{DTX: true})
	if err != nil {
		t.Fatal(err)
	}
	var sent, skipped int
	for _, p := range packets {
		if p == nil {
			skipped++
		} else {
			sent++
		}
	}
	if skipped < 40 || sent < 25 {
		t.Fatalf("DTX: %d sent, %d not sent; want most of the 1.5 s of silence not sent", sent, skipped)
	}
}

func TestDecodeTruncatedTail(t *testing.T) {
	pcm := Render(time.Second, []Burst{{At: 200 * time.Millisecond, Dur: 100 * time.Millisecond, Freq: 500}})
	packets, err := Encode(pcm, EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	data := writeOgg(t, packets, 960)
	full, err := DecodeOgg(data)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := DecodeOgg(data[:len(data)*2/3])
	if err != nil {
		t.Fatal(err)
	}
	if cut.Stopped == nil || !errors.Is(cut.Stopped, ogg.ErrInvalidPage) || cut.EOS {
		t.Fatalf("truncated stream: stopped=%v eos=%v", cut.Stopped, cut.EOS)
	}
	if cut.Packets == 0 || cut.Packets >= full.Packets {
		t.Fatalf("truncated stream decoded %d of %d packets", cut.Packets, full.Packets)
	}
	if len(cut.PCM) != cut.Packets*960-312 {
		t.Errorf("truncated: %d samples for %d packets", len(cut.PCM), cut.Packets)
	}
	if _, err := DecodeOgg([]byte("not an ogg file at all, no pages here")); !errors.Is(err, ErrNoOpusHead) {
		t.Errorf("garbage: err %v, want ErrNoOpusHead", err)
	}
}

func TestEncoderLookahead(t *testing.T) {
	for app, want := range map[gopus.Application]int{gopus.ApplicationVoIP: 312, gopus.ApplicationRestrictedCelt: 120} {
		got, err := EncoderLookahead(app)
		if err != nil || got != want {
			t.Errorf("app %v: lookahead %d, %v; want %d", app, got, err, want)
		}
	}
}

func TestNearest(t *testing.T) {
	ms := time.Millisecond
	onsets := []Onset{{At: 100 * ms}, {At: 190 * ms}, {At: 400 * ms}}
	for _, c := range []struct {
		at, tol time.Duration
		ok      bool
		want    time.Duration
	}{
		{180 * ms, 20 * ms, true, 190 * ms},
		{140 * ms, 50 * ms, true, 100 * ms},
		{300 * ms, 20 * ms, false, 0},
		{420 * ms, 20 * ms, true, 400 * ms},
	} {
		o, off, ok := Nearest(onsets, c.at, c.tol)
		if ok != c.ok || (ok && (o.At != c.want || off != c.want-c.at)) {
			t.Errorf("Nearest(%v, ±%v) = %v, %v, %v; want %v", c.at, c.tol, o.At, off, ok, c.want)
		}
	}
}
