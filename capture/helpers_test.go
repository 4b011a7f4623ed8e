package capture

import (
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
)

// writeSegment records src as one connection starting at start, packets
// arriving every 20 ms, into root/name. Unless crash is set it is closed;
// with crash the process "dies" after the last packet: the file holds what
// the last flush wrote.
func writeSegment(t testing.TB, root *os.Root, name string, start time.Time, src source, crash bool) {
	t.Helper()
	seg, err := CreateSegment(root, name, Config{})
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
	if crash {
		if err := seg.Tick(end); err != nil {
			t.Fatal(err)
		}
		seg.file.Close() // the kernel closes it for the dead process
		return
	}
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
}

func burst(atMs int, durMs int, hz float64) audiotest.Burst {
	return audiotest.Burst{At: time.Duration(atMs) * time.Millisecond, Dur: time.Duration(durMs) * time.Millisecond, Freq: hz}
}

type wantBurst struct {
	at time.Duration // from the recording's start
	hz float64
}
