package voice

import (
	"bytes"
	"testing"
	"time"
)

func TestSynthIsDeterministic(t *testing.T) {
	a, b := Synth(7, 2*time.Second), Synth(7, 2*time.Second)
	if !sameUtterance(a, b) {
		t.Fatal("Synth(7) differs between two calls")
	}
	if sameUtterance(a, Synth(8, 2*time.Second)) {
		t.Fatal("Synth(7) and Synth(8) are the same")
	}
}

func TestSynthSoundsLikeSpeech(t *testing.T) {
	const d = 6 * time.Second
	u := Synth(42, d)
	if u.Len() != 300 || u.Duration() != d {
		t.Fatalf("Synth(42, %v): %d packets, %v", d, u.Len(), u.Duration())
	}
	pcm := decode(t, u)
	if v := rms(pcm); v < 0.02 {
		t.Errorf("RMS %.4f: synthesized voice is (nearly) silent", v)
	}

	// Pauses: 100 ms windows far below the speech. A speaking detector
	// needs them to see turns, and a listener to hear phrases.
	const window = SampleRate / 10
	var quiet, loud int
	for i := 0; i+window <= len(pcm); i += window {
		switch v := rms(pcm[i : i+window]); {
		case v < 0.003:
			quiet++
		case v > 0.03:
			loud++
		}
	}
	total := len(pcm) / window
	if quiet < total/10 {
		t.Errorf("%d of %d windows quiet: want pauses", quiet, total)
	}
	if loud < total/3 {
		t.Errorf("%d of %d windows loud: want mostly speech", loud, total)
	}

	// The levels agree: some packets loud, some at the pause's level.
	var speaking, silent int
	for i := range u.Len() {
		switch l := u.Packet(i).Level; {
		case l < 30:
			speaking++
		case l > 60:
			silent++
		}
	}
	if speaking == 0 || silent == 0 {
		t.Errorf("levels: %d packets louder than -30 dBov, %d quieter than -60: want both", speaking, silent)
	}
}

func TestSynthSize(t *testing.T) {
	u := Synth(1, 4*time.Second)
	var n int
	for i := range u.Len() {
		n += len(u.Packet(i).Opus)
	}
	// A speech bitrate: about 14 kbit/s, so hundreds of rooms stay light.
	if kbps := float64(n) * 8 / 4 / 1000; kbps < 6 || kbps > 20 {
		t.Errorf("%.1f kbit/s, want a speech bitrate", kbps)
	}
}

func TestSynthShort(t *testing.T) {
	if u := Synth(1, 0); u.Len() != 0 {
		t.Errorf("Synth(1, 0) has %d packets", u.Len())
	}
	if u := Synth(1, time.Millisecond); u.Len() != 1 {
		t.Errorf("Synth(1, 1ms) has %d packets, want 1 (rounded up)", u.Len())
	}
}

func sameUtterance(a, b Utterance) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := range a.Len() {
		pa, pb := a.Packet(i), b.Packet(i)
		if pa.Level != pb.Level || !bytes.Equal(pa.Opus, pb.Opus) {
			return false
		}
	}
	return true
}
