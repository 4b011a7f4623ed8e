package stitch

import (
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/capture"
	"github.com/samvad/samvad/internal/audiotest"
)

// tolerance is how far a burst may be found from its place.
const tolerance = 20 * time.Millisecond

// source is a sender's audio: tone bursts encoded by gopus into 20 ms
// packets, as a browser would send them.
type source struct{ packets [][]byte }

func newSource(t testing.TB, total time.Duration, bursts []audiotest.Burst) source {
	t.Helper()
	pkts, err := audiotest.Encode(audiotest.Render(total, bursts), audiotest.EncodeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return source{packets: pkts}
}

// writeSegment records src with the live capture as one connection
// starting at start, packets arriving every 20 ms, into root/name. Unless
// crash is set it is closed; with crash the process "dies" after the last
// packet: the file holds what the last flush wrote.
func writeSegment(t testing.TB, root *os.Root, name string, start time.Time, src source, crash bool) {
	t.Helper()
	seg, err := capture.CreateSegment(root, name, capture.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i, pk := range src.packets {
		at := start.Add(time.Duration(i) * 20 * time.Millisecond)
		if err := seg.Tick(at); err != nil {
			t.Fatal(err)
		}
		if err := seg.PushPayload(uint16(i+77), uint32(i*960), pk, at); err != nil {
			t.Fatal(err)
		}
	}
	end := start.Add(time.Duration(len(src.packets)) * 20 * time.Millisecond)
	var died []byte // the file as a process killed now leaves it
	if crash {
		if err := seg.Tick(end); err != nil {
			t.Fatal(err)
		}
		if died, err = root.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	if crash {
		if err := root.WriteFile(name, died, 0o640); err != nil {
			t.Fatal(err)
		}
	}
}

func burst(atMs int, durMs int, hz float64) audiotest.Burst {
	return audiotest.Burst{At: time.Duration(atMs) * time.Millisecond, Dur: time.Duration(durMs) * time.Millisecond, Freq: hz}
}

type wantBurst struct {
	at time.Duration // from the recording's start
	hz float64
}
