package simulate

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/samvad/samvad/voice"
)

// holdFrames is the most packets jitter holds back at once: 300 ms.
const holdFrames = 15

// holdChance is how often, per packet, jitter starts holding: about once
// every two seconds.
const holdChance = 1.0 / 100

// MaxDelay bounds Room.Delay: a path's jitter, not an outage.
const MaxDelay = 200 * time.Millisecond

// reorderSlack is how much later than its overtaker a reordered packet
// arrives, beyond the path's own delay.
const reorderSlack = 5 * time.Millisecond

// frame is a packet on its way, and whether it opens a probe's burst (the
// capture log says whether that first packet was lost).
type frame struct {
	pkt   voice.Packet
	burst bool
}

// delayed is a packet stamped with its sequence number and timestamp when
// it left the microphone, and due at the server's side at due.
type delayed struct {
	due     time.Time
	seq     uint16
	ts      uint32
	pkt     voice.Packet
	reorder bool
}

// impairment is one room's network between its microphone and the server:
// it decides which packets are lost, which are held back and sent late,
// and how long each one takes on the way. It lives in the room's
// goroutine; the held and delayed packets reuse their buffers.
type impairment struct {
	rng       *rand.Rand
	loss      float64
	maxHold   int // frames; 0: no jitter
	holdUntil int // tick at which held packets go out
	held      [holdFrames]frame
	nHeld     int

	delay    time.Duration // each packet takes 0..delay on the way
	reorder  float64       // fraction that arrive after the next one
	lastDue  time.Time     // a path is a queue: in-order packets keep their order
	inFlight []delayed     // by due time
}

func newImpairment(r Room) *impairment {
	return &impairment{
		rng:     rand.New(rand.NewPCG(r.Seed, 0x6a6d6d)),
		loss:    r.Loss,
		maxHold: int(r.Jitter / voice.FrameDuration),
		delay:   r.Delay,
		reorder: r.Reorder,
	}
}

// lost decides whether the next packet is lost on the way.
func (im *impairment) lost() bool { return im.loss > 0 && im.rng.Float64() < im.loss }

// hold decides whether the packet of this tick is held back, and holds it.
// A hold starts at random and lasts a random number of frames; the packets
// of a hold keep their order, sequence numbers and timestamps, so the
// receiver sees them arrive late and bunched, as over a congested link.
func (im *impairment) hold(tick int, f frame) bool {
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
	im.held[im.nHeld] = f
	im.nHeld++
	return true
}

// release returns the held packets once their time has come (or at once
// when force is set), and forgets them.
func (im *impairment) release(tick int, force bool) []frame {
	if im.nHeld == 0 || (!force && tick < im.holdUntil) {
		return nil
	}
	out := im.held[:im.nHeld]
	im.nHeld = 0
	return out
}

// delays reports whether packets take time on the way.
func (im *impairment) delays() bool { return im.delay > 0 || im.reorder > 0 }

// send puts a stamped packet on the path at now. It takes a random 0 to
// delay, but no less than the packet before it (a path is a queue); one in
// reorder is held another frame and more, so that the next overtakes it.
func (im *impairment) send(now time.Time, seq uint16, ts uint32, pkt voice.Packet) {
	d := delayed{due: now, seq: seq, ts: ts, pkt: pkt}
	if im.delay > 0 {
		d.due = now.Add(time.Duration(im.rng.Int64N(int64(im.delay) + 1)))
	}
	if d.due.Before(im.lastDue) {
		d.due = im.lastDue
	}
	im.lastDue = d.due
	if im.reorder > 0 && im.rng.Float64() < im.reorder {
		d.due = d.due.Add(voice.FrameDuration + im.delay + reorderSlack)
		d.reorder = true
	}
	i, _ := slices.BinarySearchFunc(im.inFlight, d.due, func(x delayed, t time.Time) int {
		if x.due.After(t) {
			return 1
		}
		return -1 // equal dues keep their order
	})
	im.inFlight = slices.Insert(im.inFlight, i, d)
}

// next is when the first packet in flight arrives.
func (im *impairment) next() (time.Time, bool) {
	if len(im.inFlight) == 0 {
		return time.Time{}, false
	}
	return im.inFlight[0].due, true
}

// arrive hands every packet due by now (all, with force) to deliver, in
// order of arrival, and forgets them.
func (im *impairment) arrive(now time.Time, force bool, deliver func(delayed)) {
	n := 0
	for n < len(im.inFlight) && (force || !im.inFlight[n].due.After(now)) {
		deliver(im.inFlight[n])
		n++
	}
	im.inFlight = slices.Delete(im.inFlight, 0, n)
}

// drop forgets the packets in flight: they died with the connection.
func (im *impairment) drop() { im.inFlight = im.inFlight[:0] }
