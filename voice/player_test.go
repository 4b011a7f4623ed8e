package voice

import (
	"bytes"
	"testing"
	"time"
)

func TestPlayerLoopsWithPauses(t *testing.T) {
	u := Synth(3, 100*time.Millisecond) // 5 packets
	p := NewPlayer(u, 60*time.Millisecond)
	silent := Silence(FrameDuration).Packet(0)
	for round := range 3 {
		for i := range 8 {
			speaking := p.Speaking()
			got := p.Next()
			want, wantSpeaking := silent, false
			if i < u.Len() {
				want, wantSpeaking = u.Packet(i), true
			}
			if speaking != wantSpeaking || got.Level != want.Level || !bytes.Equal(got.Opus, want.Opus) {
				t.Fatalf("round %d frame %d: got packet (level %d, speaking %v), want level %d, speaking %v",
					round, i, got.Level, speaking, want.Level, wantSpeaking)
			}
		}
	}
}

func TestPlayerOfNothingIsSilent(t *testing.T) {
	p := NewPlayer(Utterance{}, 0)
	for range 3 {
		if p.Speaking() || p.Next().Level != 127 {
			t.Fatal("a player of nothing does not play silence")
		}
	}
}

func TestPlayerNextDoesNotAllocate(t *testing.T) {
	p := NewPlayer(Synth(1, 200*time.Millisecond), time.Second)
	if n := testing.AllocsPerRun(1000, func() { _ = p.Next() }); n != 0 {
		t.Errorf("Next allocates %v times per packet", n)
	}
}

// BenchmarkPlayerNext is the per-packet cost of a simulated room: it must
// be next to nothing, since hundreds of rooms call it every 20 ms.
func BenchmarkPlayerNext(b *testing.B) {
	u, _ := Clip("ranchi")
	p := NewPlayer(u, 2*time.Second)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n += len(p.Next().Opus)
	}
	_ = n
}

// BenchmarkSynth is the one-off cost of a synthesized voice, per second
// of audio: what a simulator pays per distinct seed.
func BenchmarkSynth(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Synth(1, time.Second)
	}
}
