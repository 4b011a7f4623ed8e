package capture

import (
	"io"
	"testing"
	"time"

	"github.com/samvad/samvad/oggopus"
)

// pushLoop drives a segment with a realistic stream: 20 ms packets, a Tick
// per packet, and (when messy) a loss every 50 packets, a swapped pair every
// 30, a duplicate every 40 and a DTX gap every 500.
type pushLoop struct {
	seg     *Segment
	packets [][]byte
	i       int
	seq     uint16
	ts      uint32
	now     time.Time
	messy   bool
}

func (l *pushLoop) step() error {
	l.i++
	l.now = l.now.Add(20 * time.Millisecond)
	l.ts += 960
	l.seq++
	pk := l.packets[l.i%len(l.packets)]
	if l.messy {
		switch {
		case l.i%500 == 0: // DTX: 400 ms without packets, the clock runs on
			l.now = l.now.Add(400 * time.Millisecond)
			l.ts += 400 * 48
		case l.i%50 == 0:
			return l.seg.Tick(l.now) // lost
		case l.i%30 == 0: // this one and the next arrive swapped
			if err := l.seg.PushPayload(l.seq+1, l.ts+960, pk, l.now); err != nil {
				return err
			}
			if err := l.seg.PushPayload(l.seq, l.ts, pk, l.now.Add(time.Millisecond)); err != nil {
				return err
			}
			l.i++
			l.seq++
			l.ts += 960
			l.now = l.now.Add(20 * time.Millisecond)
			return l.seg.Tick(l.now)
		case l.i%40 == 0:
			if err := l.seg.PushPayload(l.seq, l.ts, pk, l.now); err != nil {
				return err
			}
		}
	}
	if err := l.seg.PushPayload(l.seq, l.ts, pk, l.now); err != nil {
		return err
	}
	return l.seg.Tick(l.now)
}

func newPushLoop(tb testing.TB, messy bool, cfg Config) *pushLoop {
	src := fourSeconds(tb, false)
	seg, err := NewSegment(io.Discard, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	l := &pushLoop{seg: seg, packets: src.packets, now: time.Unix(1700000000, 0), messy: messy}
	for range 2000 { // reach steady state: ring, buffers, lag tracker warmed up
		if err := l.step(); err != nil {
			tb.Fatal(err)
		}
	}
	return l
}

// TestPushAllocatesNothing pins the zero-allocation receive path, including
// reordering, loss concealment, DTX silence, duplicates, flushing and an
// observer.
func TestPushAllocatesNothing(t *testing.T) {
	var frames int
	for _, messy := range []bool{false, true} {
		l := newPushLoop(t, messy, Config{Sink: sinkFunc(func(oggopus.Frame) { frames++ })})
		if a := testing.AllocsPerRun(3000, func() {
			if err := l.step(); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("messy=%v: %v allocations per packet", messy, a)
		}
		st := l.seg.Stats()
		if messy && (st.FramesConcealed == 0 || st.DuplicatesDropped == 0 || st.SilenceSamples == 0) {
			t.Errorf("messy stream exercised too little: %+v", st)
		}
	}
	if frames == 0 {
		t.Error("observer never called")
	}
}

func BenchmarkSegmentPush(b *testing.B) {
	for _, c := range []struct {
		name  string
		messy bool
	}{{"inorder", false}, {"messy", true}} {
		b.Run(c.name, func(b *testing.B) {
			l := newPushLoop(b, c.messy, Config{Sink: sinkFunc(func(oggopus.Frame) {})})
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := l.step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
