package capture

import (
	"time"

	"github.com/samvad/samvad/internal/audiotest"
)

func burst(atMs int, durMs int, hz float64) audiotest.Burst {
	return audiotest.Burst{At: time.Duration(atMs) * time.Millisecond, Dur: time.Duration(durMs) * time.Millisecond, Freq: hz}
}

type wantBurst struct {
	at time.Duration // from the recording's start
	hz float64
}
