package simulate

import (
	"math/rand/v2"

	"github.com/samvad/samvad/voice"
)

// holdFrames is the most packets jitter holds back at once: 300 ms.
const holdFrames = 15

// holdChance is how often, per packet, jitter starts holding: about once
// every two seconds.
const holdChance = 1.0 / 100

// impairment is one room's network between its microphone and the server:
// it decides which packets are lost and which are held back and sent late.
// It lives in the room's goroutine and allocates nothing per packet.
type impairment struct {
	rng       *rand.Rand
	loss      float64
	maxHold   int // frames; 0: no jitter
	holdUntil int // tick at which held packets go out
	held      [holdFrames]voice.Packet
	nHeld     int
}

func newImpairment(r Room) *impairment {
	return &impairment{
		rng:     rand.New(rand.NewPCG(r.Seed, 0x6a6d6d)),
		loss:    r.Loss,
		maxHold: int(r.Jitter / voice.FrameDuration),
	}
}

// lost decides whether the next packet is lost on the way.
func (im *impairment) lost() bool { return im.loss > 0 && im.rng.Float64() < im.loss }

// hold decides whether the packet of this tick is held back, and holds it.
// A hold starts at random and lasts a random number of frames; the packets
// of a hold keep their order, sequence numbers and timestamps, so the
// receiver sees them arrive late and bunched, as over a congested link.
func (im *impairment) hold(tick int, pkt voice.Packet) bool {
	if im.maxHold == 0 {
		return false
	}
	if im.nHeld == 0 {
		if im.rng.Float64() >= holdChance {
			return false
		}
		im.holdUntil = tick + 1 + im.rng.IntN(im.maxHold)
	}
	if tick >= im.holdUntil || im.nHeld == len(im.held) {
		return false
	}
	im.held[im.nHeld] = pkt
	im.nHeld++
	return true
}

// release returns the held packets once their time has come (or at once
// when force is set), and forgets them.
func (im *impairment) release(tick int, force bool) []voice.Packet {
	if im.nHeld == 0 || (!force && tick < im.holdUntil) {
		return nil
	}
	out := im.held[:im.nHeld]
	im.nHeld = 0
	return out
}
