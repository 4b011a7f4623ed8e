package stitch

import (
	"testing"
	"time"

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

func burst(atMs int, durMs int, hz float64) audiotest.Burst {
	return audiotest.Burst{At: time.Duration(atMs) * time.Millisecond, Dur: time.Duration(durMs) * time.Millisecond, Freq: hz}
}

type wantBurst struct {
	at time.Duration // from the recording's start
	hz float64
}
