package capture

import "time"

// slotBytes is the largest payload a slot holds. RTP over UDP on any real
// path is below the Ethernet MTU, and one Opus frame is at most 1275 bytes.
const slotBytes = 1500

// reorderSlots is the ring size: 2.56 s of 20 ms packets and 320 ms of the
// shortest (2.5 ms) ones, both above any sensible hold time. A power of two
// so the slot of a sequence number is a mask away.
const reorderSlots = 128

// lateWindow is how far behind the next expected sequence number a packet
// still counts as merely late; further back, the sender must have restarted
// its numbering.
const lateWindow = 8 * reorderSlots

type slotState uint8

const (
	slotEmpty slotState = iota
	slotHeld
	slotReleased // kept so a late copy is recognised as a duplicate
)

// slot is one preallocated packet buffer of the reorder ring; payloads are
// copied in so the caller may reuse its read buffer, and nothing is
// allocated per packet.
type slot struct {
	useq    int64 // unwrapped sequence number
	uts     int64 // unwrapped RTP timestamp
	arrival time.Time
	samples int
	n       int // payload length; 0 marks a padding placeholder
	state   slotState
	data    [slotBytes]byte
}

func (s *slot) payload() []byte { return s.data[:s.n] }

type insertResult uint8

const (
	inserted insertResult = iota
	duplicate
	late
	tooFar // more than the ring ahead of the next expected packet, or far behind
)

// reorder buffers packets by unwrapped sequence number and releases them in
// order: at once when they are next in sequence, otherwise when the oldest
// held packet has waited hold (the missing ones are then given up as lost).
type reorder struct {
	slots   []slot
	hold    time.Duration
	next    int64 // next sequence number to release
	started bool
	held    int
}

func newReorder(hold time.Duration) reorder {
	return reorder{slots: make([]slot, reorderSlots), hold: hold}
}

func (r *reorder) slotFor(useq int64) *slot {
	return &r.slots[uint64(useq)&(reorderSlots-1)]
}

// insert stores a packet unless it is a duplicate, already given up on
// (late), or too far ahead for the ring (the caller then drains and resets).
// An empty payload is stored as a placeholder: padding-only packets take a
// sequence number, and without it their number would look like a loss.
func (r *reorder) insert(useq, uts int64, payload []byte, samples int, arrival time.Time) insertResult {
	if !r.started {
		r.started, r.next = true, useq
	}
	s := r.slotFor(useq)
	if useq < r.next-lateWindow {
		return tooFar // far behind: the sender restarted its numbering
	}
	if useq < r.next {
		if s.useq == useq && s.state != slotEmpty {
			return duplicate
		}
		return late
	}
	if useq-r.next >= reorderSlots {
		return tooFar
	}
	if s.state == slotHeld && s.useq == useq {
		return duplicate
	}
	s.useq, s.uts, s.arrival, s.samples, s.state = useq, uts, arrival, samples, slotHeld
	s.n = copy(s.data[:], payload)
	r.held++
	return inserted
}

// head is the next packet to release if it is held, left in place.
func (r *reorder) head() *slot {
	if r.held == 0 {
		return nil
	}
	s := r.slotFor(r.next)
	if s.state != slotHeld || s.useq != r.next {
		return nil
	}
	return s
}

// follower is the first held audio packet within a few sequence numbers
// after useq (padding placeholders skipped), or nil.
func (r *reorder) follower(useq int64) *slot {
	for i := int64(1); i <= 4; i++ {
		s := r.slotFor(useq + i)
		if s.state == slotHeld && s.useq == useq+i && s.n > 0 {
			return s
		}
	}
	return nil
}

// lowestAudio is the held audio packet (not a padding placeholder) with the
// lowest sequence number, or nil.
func (r *reorder) lowestAudio() *slot {
	for i := int64(0); i < reorderSlots && r.held > 0; i++ {
		if s := r.slotFor(r.next + i); s.state == slotHeld && s.useq == r.next+i && s.n > 0 {
			return s
		}
	}
	return nil
}

// eachHeld calls fn for every held slot.
func (r *reorder) eachHeld(fn func(*slot)) {
	for i := int64(0); i < reorderSlots && r.held > 0; i++ {
		if s := r.slotFor(r.next + i); s.state == slotHeld && s.useq == r.next+i {
			fn(s)
		}
	}
}

// pop releases the next packet if it is held; the slot stays valid until the
// ring wraps onto it, i.e. well after the caller is done with it.
func (r *reorder) pop() *slot {
	s := r.head()
	if s == nil {
		return nil
	}
	s.state = slotReleased
	r.next++
	r.held--
	return s
}

// skipIfExpired gives up on the missing packets before the lowest held one
// when some held packet has waited at least hold by now, or unconditionally
// when force is set (draining). It reports whether it skipped.
func (r *reorder) skipIfExpired(now time.Time, force bool) bool {
	if r.held == 0 {
		return false
	}
	lowest := int64(-1)
	expired := force
	for i := int64(0); i < reorderSlots; i++ {
		s := r.slotFor(r.next + i)
		if s.state != slotHeld || s.useq != r.next+i {
			continue
		}
		if lowest < 0 {
			lowest = s.useq
		}
		if !expired && now.Sub(s.arrival) >= r.hold {
			expired = true
		}
	}
	if !expired || lowest < 0 || lowest == r.next {
		return false
	}
	r.next = lowest
	return true
}

// restart forgets the expected sequence number so the next insert starts a
// new run; held packets must have been drained first.
func (r *reorder) restart() {
	r.started = false
}
