package simulate

import (
	"time"

	"github.com/samvad/samvad/voice"
)

// Burst is one tone burst of a probing room, as its sender captured it:
// what a measurement compares with where a recording put it.
type Burst struct {
	Room string
	// N counts the room's bursts, from 0.
	N    int
	Freq float64
	// Captured is the wall-clock instant the burst's first packet was due
	// to leave the microphone, before the path's loss and delay: the
	// instant its first sample was captured, as a recorder placing audio
	// on its arrival over a path without delay would have it. The decoded tone
	// starts the Opus encoder's lookahead (6.5 ms) after it.
	Captured time.Time
	// SinceJoin is how long the room's connection had been up then: a
	// room's first seconds are where a recorder's anchor is least sure.
	SinceJoin time.Duration
	// FirstLost: the burst's first packet was lost on the way, so its
	// recording may start a frame later.
	FirstLost bool
}

// probeSlot is the time from one room's burst to the next room's: a
// burst and a gap wide enough that an onset detector tells them apart in
// the mix, even with both a few tens of milliseconds off.
const probeSlot = 280 * time.Millisecond

// probeLead is how long after its join a room's first burst comes at the
// earliest: a join takes a moment before the microphone is negotiated,
// and a measurement wants the room's first seconds.
const probeLead = time.Second

// probe gives the joining rooms (indexes into rooms) one slot each in
// turn, over and over, and has them join at the same pace, so that each
// room's first burst comes a moment after it joins and no two rooms' bursts
// overlap in the mix. A room that joins late still bursts in its own slot.
func probe(rooms []Room, joining []int) {
	every := time.Duration(len(joining)) * probeSlot
	for n, i := range joining {
		r := &rooms[i]
		slot := probeLead + time.Duration(n)*probeSlot
		if !r.Late {
			r.Join = slot - probeLead
		}
		first := slot
		for first < r.Join+probeLead {
			first += every
		}
		r.Probe = &Probe{Freq: float64(300 + 40*(n%50)), First: first, Every: max(every, 2*probeLen)}
	}
}

// probeFrame is the packet a probing room sends at tick: its tone during a
// burst, the quiet room tone between bursts.
func (rr *roomRun) probeFrame(tick int) frame {
	p := rr.room.Probe
	first, every := tickOf(p.First), max(tickOf(p.Every), 1)
	if tick >= first {
		if i := (tick - first) % every; i < rr.probeTone.Len() {
			if i == 0 {
				// Captured on the tick's deadline, the microphone's clock,
				// which the packet's RTP time follows: a tick the
				// simulator itself ran late is a delay on the way.
				at := rr.r.start.Add(time.Duration(tick) * voice.FrameDuration)
				rr.burst = Burst{Room: rr.room.ID, N: rr.bursts, Freq: p.Freq, Captured: at, SinceJoin: at.Sub(rr.connectedAt)}
				rr.bursts++
			}
			return frame{pkt: rr.probeTone.Packet(i), burst: i == 0}
		}
	}
	return frame{pkt: rr.tone.Packet(tick % rr.tone.Len())}
}

// captured reports the burst whose first packet is going out, lost or not.
func (rr *roomRun) captured(lost bool) {
	b := rr.burst
	b.FirstLost = lost
	rr.r.captured(b)
}

// captured tells Config.OnBurst, one burst at a time.
func (r *Runner) captured(b Burst) {
	if r.cfg.OnBurst == nil {
		return
	}
	r.stepMu.Lock()
	defer r.stepMu.Unlock()
	r.cfg.OnBurst(b)
}

// ProbeTone is the burst a probing room of freq Hz sends: a measurement
// decodes it to learn where in its first packet the tone begins.
func ProbeTone(freq float64) voice.Utterance { return voice.Tone(freq, probeLen) }
