package capture

// seqUnwrapper extends 16-bit RTP sequence numbers to int64 relative to the
// highest seen so far, so wrap-around at 65535 keeps counting up and a
// reordered packet from just before the wrap lands just below.
type seqUnwrapper struct {
	highest int64
	started bool
}

func (u *seqUnwrapper) unwrap(v uint16) int64 {
	if !u.started {
		u.started, u.highest = true, int64(v)
		return u.highest
	}
	x := u.highest + int64(int16(v-uint16(u.highest)))
	u.highest = max(u.highest, x)
	return x
}

// tsUnwrapper extends 32-bit RTP timestamps the same way. Timestamps may
// legitimately stand still or jump (paused tracks, DTX), which the timeline
// sorts out; only differences within ±2^31 are resolved.
type tsUnwrapper struct {
	highest int64
	started bool
}

func (u *tsUnwrapper) unwrap(v uint32) int64 {
	if !u.started {
		u.started, u.highest = true, int64(v)
		return u.highest
	}
	x := u.highest + int64(int32(v-uint32(u.highest)))
	u.highest = max(u.highest, x)
	return x
}
