package voice

import "time"

// Player is one simulated room's microphone: it plays an utterance, then a
// pause of silence, then the utterance again, forever. A sender calls Next
// once per 20 ms tick; Next only indexes precomputed packets, so hundreds
// of rooms cost no encoding at all. A Player is not safe for concurrent
// use; the utterance it plays may be shared.
type Player struct {
	u      Utterance
	silent Packet
	cycle  int // frames of utterance plus pause
	pos    int // next frame within the cycle
}

// NewPlayer plays u, then pause (rounded up to whole frames) of silence,
// and again. An empty u with no pause plays silence.
func NewPlayer(u Utterance, pause time.Duration) *Player {
	p := &Player{u: u, silent: silentPacket(), cycle: u.Len() + framesFor(pause)}
	if p.cycle == 0 {
		p.cycle = 1 // all pause: one silent frame, again and again
	}
	return p
}

// Next is the packet for the next 20 ms of the room's microphone.
func (p *Player) Next() Packet {
	i := p.pos
	p.pos++
	if p.pos == p.cycle {
		p.pos = 0
	}
	if i < p.u.Len() {
		return p.u.Packet(i)
	}
	return p.silent
}

// Speaking reports whether the packet that Next returns next belongs to the
// utterance rather than to the pause after it.
func (p *Player) Speaking() bool { return p.pos < p.u.Len() }
