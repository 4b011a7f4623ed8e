package voice

import (
	"testing"
	"time"
)

func TestSilenceDecodesToSilence(t *testing.T) {
	u := Silence(time.Second)
	if u.Len() != 50 {
		t.Fatalf("Silence(1s) has %d packets, want 50", u.Len())
	}
	pcm := decode(t, u)
	var peak float32
	for _, v := range pcm {
		peak = max(peak, v, -v)
	}
	if peak > 1e-4 {
		t.Errorf("silence decodes with peak %g, want (near) zero", peak)
	}
	for i := range u.Len() {
		if l := u.Packet(i).Level; l != 127 {
			t.Fatalf("packet %d level %d, want 127 (digital silence)", i, l)
		}
	}
}

// TestSilenceIsCheap: a connected-but-silent room may be silent for the
// whole meeting, so an hour must not cost an hour of packets.
func TestSilenceIsCheap(t *testing.T) {
	allocs := testing.AllocsPerRun(10, func() { _ = Silence(time.Hour) })
	if allocs > 1 {
		t.Errorf("Silence(1h) makes %v allocations", allocs)
	}
	u := Silence(time.Hour)
	if u.Len() != 180000 || u.Duration() != time.Hour {
		t.Errorf("Silence(1h): %d packets, %v", u.Len(), u.Duration())
	}
	if &u.Packet(0).Opus[0] != &u.Packet(179999).Opus[0] {
		t.Error("silent packets are not shared")
	}
	if Silence(0).Len() != 0 || Silence(-time.Second).Len() != 0 {
		t.Error("Silence of no time is not empty")
	}
}
