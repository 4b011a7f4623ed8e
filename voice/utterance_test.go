package voice

import (
	"testing"
	"time"
)

func TestEncodePadsTheLastFrame(t *testing.T) {
	u, err := Encode(make([]float32, FrameSamples+1))
	if err != nil {
		t.Fatal(err)
	}
	if u.Len() != 2 || u.Duration() != 40*time.Millisecond {
		t.Errorf("%d samples encode to %d packets (%v), want 2", FrameSamples+1, u.Len(), u.Duration())
	}
	if u, err := Encode(nil); err != nil || u.Len() != 0 {
		t.Errorf("Encode(nil) = %d packets, %v; want empty", u.Len(), err)
	}
}

func TestPacketOutOfRangePanics(t *testing.T) {
	u := Silence(40 * time.Millisecond)
	for _, i := range []int{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Packet(%d) of a 2-packet utterance did not panic", i)
				}
			}()
			u.Packet(i)
		}()
	}
}

// TestUtterancesAreShared: many rooms play one utterance at once, so
// concurrent readers must be safe (run with -race).
func TestUtterancesAreShared(t *testing.T) {
	u, _ := Clip("host")
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			p := NewPlayer(u, time.Second)
			for range 500 {
				p.Next()
			}
		}()
	}
	for range 4 {
		<-done
	}
}
