// Package capturetest records segments for the tests of what reads them
// (stitching, the minutes, the recordings page): real files written by
// capture.Segment from a stream of Opus packets, as the bot writes them.
package capturetest

import (
	"os"
	"testing"
	"time"

	"github.com/samvad/samvad/capture"
)

// packetEvery is how often a test's sender sends: one 20 ms Opus packet
// (960 samples at 48 kHz).
const packetEvery = 20 * time.Millisecond

// Play pushes packets into seg as one connection from start, a packet
// arriving every 20 ms with RTP time to match, and returns the instant the
// last packet ends. Any error fails the test.
func Play(t testing.TB, seg *capture.Segment, start time.Time, packets [][]byte) (end time.Time) {
	t.Helper()
	for i, pk := range packets {
		at := start.Add(time.Duration(i) * packetEvery)
		if err := seg.Tick(at); err != nil {
			t.Fatal(err)
		}
		// Sequence numbers start off zero, as a real sender's do.
		if err := seg.PushPayload(uint16(i+77), uint32(i*960), pk, at); err != nil {
			t.Fatal(err)
		}
	}
	return start.Add(time.Duration(len(packets)) * packetEvery)
}

// WriteSegment records packets (see Play) into root/name. Unless crash is
// set the segment is closed; with crash the process "dies" after the last
// packet: the file holds what the last flush wrote, with no end of stream.
func WriteSegment(t testing.TB, root *os.Root, name string, start time.Time, packets [][]byte, crash bool) {
	t.Helper()
	seg, err := capture.CreateSegment(root, name, capture.Config{})
	if err != nil {
		t.Fatal(err)
	}
	end := Play(t, seg, start, packets)
	var died []byte // the file as a process killed now leaves it
	if crash {
		if err := seg.Tick(end); err != nil {
			t.Fatal(err)
		}
		if died, err = root.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	// Closed either way, so that no file stays open behind the test.
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	if crash {
		if err := root.WriteFile(name, died, 0o640); err != nil {
			t.Fatal(err)
		}
	}
}
