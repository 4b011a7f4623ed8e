package mixer

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/oggopus"
	"github.com/samvad/samvad/voice"
)

// TestConcurrentRooms feeds 25 rooms from 25 goroutines, each running at
// its own pace (up to 200 ms behind the clock, as reorder holds make them),
// while another goroutine ticks the mixer: nothing is lost, the mix keeps
// pace, and (under -race) nothing races.
func TestConcurrentRooms(t *testing.T) {
	const rooms, steps = 25, 150 // 3 s
	var buf logtest.Buffer
	m, err := New(&buf, t0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tone := voice.Tone(700, 200*ms)
	quiet := voice.Silence(20 * ms).Packet(0)

	steps0 := make([]chan int, rooms)
	done := make([]atomic.Int64, rooms) // steps each room has delivered
	var wg sync.WaitGroup
	for r := range rooms {
		steps0[r] = make(chan int, steps)
		in, err := m.Open(t0)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { // the room's track goroutine
			defer wg.Done()
			next := 0
			for upTo := range steps0[r] {
				for ; next < upTo; next++ {
					p := quiet
					if r == 3 && next >= 50 && next < 50+tone.Len() { // room 3 speaks at 1 s
						p = tone.Packet(next - 50)
					}
					in.Level(t0.Add(time.Duration(next)*20*ms), int(p.Level))
					in.Frame(oggopus.Frame{Pos: int64(next) * FrameSamples, Packet: p.Opus, Samples: FrameSamples, Kind: oggopus.FrameAudio})
				}
				done[r].Store(int64(next))
				if r%5 == 0 {
					time.Sleep(time.Millisecond) // some rooms lag behind
				}
			}
			in.Close()
		}()
	}
	for s := 1; s <= steps; s++ { // the ticker
		for r := range rooms {
			steps0[r] <- s
		}
		for r := range rooms { // the clock runs no more than 200 ms ahead of any room
			for done[r].Load() < int64(s-10) {
				time.Sleep(100 * time.Microsecond)
			}
		}
		if err := m.Tick(t0.Add(time.Duration(s) * 20 * ms)); err != nil {
			t.Fatal(err)
		}
		_ = m.Stats()
	}
	for r := range rooms {
		close(steps0[r])
	}
	wg.Wait()
	if err := m.Close(t0.Add(steps * 20 * ms)); err != nil {
		t.Fatal(err)
	}
	st := m.Stats()
	if got := st.PacketsDecoded + st.PacketsSkipped; got != rooms*steps {
		t.Errorf("decoded %d + skipped %d packets; want all %d", st.PacketsDecoded, st.PacketsSkipped, rooms*steps)
	}
	if st.LateSamples != 0 {
		t.Errorf("%d samples late; every room was within the latency", st.LateSamples)
	}
	dec, err := audiotest.DecodeOgg(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(dec.PCM) != steps*FrameSamples {
		t.Errorf("mix plays %d samples; want %d", len(dec.PCM), steps*FrameSamples)
	}
	checkBursts(t, dec.PCM, []wantBurst{{1000*ms + 6500*time.Microsecond, 700}}, 5*ms)
}

// TestLiveMixAllocatesNothing: once every room has spoken, feeding frames
// and ticking allocate nothing, so a long meeting puts no load on the GC.
func TestLiveMixAllocatesNothing(t *testing.T) {
	m, err := New(&bytes.Buffer{}, t0, Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	talk := voice.Synth(1, 2*time.Second)
	quiet := voice.Silence(20 * ms).Packet(0)
	ins := make([]*Input, 5)
	for r := range ins {
		if ins[r], err = m.Open(t0); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	step := func() {
		arr := t0.Add(time.Duration(i) * 20 * ms)
		for r, in := range ins {
			p := quiet
			if r < 2 {
				p = talk.Packet(i % talk.Len())
			}
			in.Level(arr, int(p.Level))
			in.Frame(oggopus.Frame{Pos: int64(i) * FrameSamples, Packet: p.Opus, Samples: FrameSamples, Kind: oggopus.FrameAudio})
		}
		if err := m.Tick(arr); err != nil {
			t.Fatal(err)
		}
		i++
	}
	for range 100 {
		step() // warm up: rings, decoder and encoder state
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("%.1f allocations per 20 ms of meeting; want none", n)
	}
}
