package capture

// unwrapper extends a wrapping RTP counter (16-bit sequence numbers, 32-bit
// timestamps) to int64 relative to the highest value seen so far, so
// wrap-around keeps counting up and a reordered packet from just before the
// wrap lands just below. A value is taken as the nearer of ahead of or
// behind the highest: only differences within half the counter's range are
// resolved. Timestamps may legitimately stand still or jump (paused tracks,
// DTX); the timeline sorts that out.
type unwrapper[T uint16 | uint32] struct {
	highest int64
	started bool
}

func (u *unwrapper[T]) unwrap(v T) int64 {
	if !u.started {
		u.started, u.highest = true, int64(v)
		return u.highest
	}
	span := int64(^T(0)) + 1     // 2^16 or 2^32
	d := int64(v - T(u.highest)) // how far ahead, going round: 0 to span-1
	if d >= span/2 {
		d -= span // more than half way round: behind
	}
	x := u.highest + d
	u.highest = max(u.highest, x)
	return x
}
