package oggopus

// FrameKind tells where a frame written to a stream came from.
type FrameKind uint8

const (
	// FrameAudio is a received Opus packet, copied unchanged.
	FrameAudio FrameKind = iota + 1
	// FramePLC is a TOC-only packet standing in for a lost one; decoders run
	// packet loss concealment for it.
	FramePLC
	// FrameSilence is a CELT silence packet filling DTX, mute, a pause, a
	// long loss, or a drift correction.
	FrameSilence
)

func (k FrameKind) String() string {
	switch k {
	case FrameAudio:
		return "audio"
	case FramePLC:
		return "plc"
	case FrameSilence:
		return "silence"
	}
	return "unknown"
}

// Frame is one Opus packet placed on a stream's timeline, as a writer
// (the live capture's segment) wrote it.
type Frame struct {
	// Pos is the frame's first sample, in 48 kHz samples from the stream's
	// first played sample.
	Pos int64
	// Packet is the Opus packet. It may alias the writer's buffers, valid
	// only while the frame is handed over; copy it to keep it.
	Packet []byte
	// Samples is the packet's duration in 48 kHz samples.
	Samples int
	Kind    FrameKind
}
