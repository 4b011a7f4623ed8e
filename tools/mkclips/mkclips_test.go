package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os/exec"
	"testing"
	"time"

	"github.com/samvad/samvad/voice"
	"github.com/thesyncim/gopus/container/ogg"
)

func TestRoomTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rooms() {
		if seen[r.id] {
			t.Errorf("room %q twice", r.id)
		}
		seen[r.id] = true
		if r.text == "" {
			t.Errorf("room %q says nothing", r.id)
		}
	}
	if len(seen) != 26 {
		t.Errorf("%d rooms, want host, central and 24 districts", len(seen))
	}
}

func TestParseWAV(t *testing.T) {
	samples := []int16{0, 16384, -32768, 32767}
	good := wavFile(22050, samples, false)
	pcm, rate, err := parseWAV(good)
	if err != nil || rate != 22050 || len(pcm) != 4 || pcm[1] != 0.5 || pcm[2] != -1 {
		t.Fatalf("parseWAV = %v, %d, %v", pcm, rate, err)
	}
	// espeak-ng on a pipe writes 0xFFFFFFFF as the data length.
	if pcm, _, err := parseWAV(wavFile(22050, samples, true)); err != nil || len(pcm) != 4 {
		t.Errorf("streamed WAV: %d samples, %v", len(pcm), err)
	}
	stereo := bytes.Clone(good)
	binary.LittleEndian.PutUint16(stereo[22:], 2)
	for name, b := range map[string][]byte{"empty": nil, "not RIFF": []byte("hello world, not a wav"), "stereo": stereo, "no data": good[:36]} {
		if _, _, err := parseWAV(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func wavFile(rate int, samples []int16, streamed bool) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*len(samples)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le([]uint16{1, 1})
	le([]uint32{uint32(rate), uint32(2 * rate)})
	le([]uint16{2, 16})
	b.WriteString("data")
	if streamed {
		le(uint32(0xFFFFFFFF))
	} else {
		le(uint32(2 * len(samples)))
	}
	le(samples)
	return b.Bytes()
}

// TestResampleKeepsPitch: a 1 kHz sine at espeak-ng's 22050 Hz is still
// 1 kHz, at the same level, at 48 kHz.
func TestResampleKeepsPitch(t *testing.T) {
	in := make([]float32, 22050/2)
	for i := range in {
		in[i] = float32(0.5 * math.Sin(2*math.Pi*1000*float64(i)/22050))
	}
	out := resample(in, 22050, 48000)
	if len(out) != 24000 {
		t.Fatalf("%d samples out, want 24000", len(out))
	}
	for i := 1000; i < 23000; i++ { // away from the edges
		want := 0.5 * math.Sin(2*math.Pi*1000*float64(i)/48000)
		if d := math.Abs(float64(out[i]) - want); d > 0.01 {
			t.Fatalf("sample %d: %.4f, want %.4f", i, out[i], want)
		}
	}
}

func TestTrim(t *testing.T) {
	pcm := make([]float32, 1000)
	pcm[400], pcm[600] = 0.5, -0.5
	got := trim(pcm, 100) // 8 samples of padding at 100 Hz
	if len(got) != 600-400+1+2*8 || got[8] != 0.5 {
		t.Errorf("trim kept %d samples", len(got))
	}
	if trim(make([]float32, 10), 100) != nil {
		t.Error("trim of silence is not empty")
	}
}

// TestWriteOgg: the file reads back with gopus's Ogg reader, packet for
// packet, and the same input gives the same bytes.
func TestWriteOgg(t *testing.T) {
	u := voice.Synth(1, 3*time.Second)
	var a, b bytes.Buffer
	if err := writeOgg(&a, "ranchi", "रांची", u); err != nil {
		t.Fatal(err)
	}
	if err := writeOgg(&b, "ranchi", "रांची", u); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of the same clip differ")
	}
	r, err := ogg.NewReader(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r.Tags.Comments["TITLE"] != "रांची" || r.PreSkip() != 312 || r.Channels() != 1 {
		t.Errorf("headers: %+v %+v", r.Header, r.Tags)
	}
	var i int
	for ; ; i++ {
		p, _, err := r.ReadPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, u.Packet(i).Opus) {
			t.Fatalf("packet %d differs", i)
		}
	}
	if i != u.Len() {
		t.Errorf("read %d packets, wrote %d", i, u.Len())
	}
	if r.GranulePos() != uint64(u.Len()*voice.FrameSamples) {
		t.Errorf("final granule %d, want %d", r.GranulePos(), u.Len()*voice.FrameSamples)
	}
}

// TestSpeak runs espeak-ng where it is installed; it is needed only to
// remake the clips, so elsewhere the test is skipped.
func TestSpeak(t *testing.T) {
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Skip("espeak-ng not installed")
	}
	pcm, rate, err := speak(espeak, "hi", "रांची जिला समिति उपस्थित है")
	if err != nil {
		t.Fatal(err)
	}
	if d := float64(len(pcm)) / float64(rate); d < 1 || d > 4 {
		t.Errorf("espeak-ng spoke for %.2f s", d)
	}
}
