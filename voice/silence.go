package voice

import (
	"sync"
	"time"
)

// silentPacket is one 20 ms Opus frame of digital silence, encoded once per
// process. Every silent utterance and every Player pause shares it.
var silentPacket = sync.OnceValue(func() Packet {
	// The first frames of a fresh encoder carry its start-up state; the
	// last of a few is the steady frame a real silent microphone would send.
	u := mustEncode(make([]float32, 4*FrameSamples), speechProfile)
	return u.Packet(u.Len() - 1)
})

// Silence is a room that is connected but says nothing: d of Opus frames of
// digital silence (rounded up to whole frames), at level 127. It costs one
// packet of memory whatever its length: every frame is the same packet.
func Silence(d time.Duration) Utterance {
	n := framesFor(d)
	if n == 0 {
		return Utterance{}
	}
	return Utterance{packets: []Packet{silentPacket()}, frames: n}
}
