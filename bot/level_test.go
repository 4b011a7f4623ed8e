package bot

import (
	"testing"
	"time"

	"github.com/samvad/samvad/activity"
	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/voice"
)

// TestLevelMeter: a sender without the audio-level extension (a LiveKit
// room, as LiveKit forwards it) is measured by decoding: digital silence
// that went through the codec is digital silence, speech is speech.
func TestLevelMeter(t *testing.T) {
	var m levelMeter
	silent := voice.Silence(voice.FrameDuration).Packet(0)
	for range 5 {
		if l := m.level(silent.Opus); l != activity.SilentLevel {
			t.Fatalf("an encoded frame of zeros measures %d, want %d (digital silence)", l, activity.SilentLevel)
		}
	}
	pkts, err := audiotest.Encode(audiotest.Render(200*time.Millisecond, []audiotest.Burst{{At: 0, Dur: 200 * time.Millisecond, Freq: 440, Amp: 0.5}}), audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	loudest := activity.SilentLevel
	for i, p := range pkts[3:] {
		l := m.level(p)
		if l < 0 {
			t.Fatalf("packet %d of a tone measures %d: not decoded", i+3, l)
		}
		loudest = min(loudest, l)
	}
	if loudest > 20 {
		t.Errorf("a tone at half scale measures %d, want about 6 (-6 dBov)", loudest)
	}
	if l := m.level(nil); l != -1 {
		t.Errorf("an empty payload measures %d, want -1 (unknown)", l)
	}
}

// BenchmarkLevelMeter measures a room's speech (a recorded clip), packet by
// packet, as the bot does for every LiveKit room.
func BenchmarkLevelMeter(b *testing.B) {
	u, ok := voice.Clip(voice.Rooms()[0])
	if !ok {
		b.Fatal("no clip")
	}
	var m levelMeter
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if m.level(u.Packet(i%u.Len()).Opus) < 0 {
			b.Fatal("not decoded")
		}
	}
}
