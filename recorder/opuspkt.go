package recorder

import (
	"fmt"

	"github.com/thesyncim/gopus"
)

// maxPacketSamples is the longest duration one Opus packet may carry:
// 120 ms (RFC 6716 section 3.2.5).
const maxPacketSamples = 5760

// packetSamples returns how many 48 kHz samples an Opus packet decodes to,
// from its TOC byte and frame count. It checks only what it reads, enough to
// know the duration; gopus.ParsePacket validates more but allocates a slice of
// frame sizes per packet, which the receive path must not do.
func packetSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	frame := gopus.ParseTOC(p[0]).FrameSize
	count := 0
	switch p[0] & 0x03 {
	case 0:
		count = 1
	case 1:
		if (len(p)-1)%2 != 0 {
			return 0, fmt.Errorf("%w: code 1 with odd length %d", ErrInvalidPacket, len(p))
		}
		count = 2
	case 2:
		if len(p) < 2 {
			return 0, fmt.Errorf("%w: code 2 without frame length", ErrInvalidPacket)
		}
		count = 2
	case 3:
		if len(p) < 2 {
			return 0, fmt.Errorf("%w: code 3 without frame count", ErrInvalidPacket)
		}
		count = int(p[1] & 0x3F)
		if count == 0 {
			return 0, fmt.Errorf("%w: code 3 with zero frames", ErrInvalidPacket)
		}
	}
	if n := frame * count; n <= maxPacketSamples {
		return n, nil
	}
	return 0, fmt.Errorf("%w: %d frames of %d samples exceed 120 ms", ErrInvalidPacket, count, frame)
}

// plcTOC turns a received packet's TOC into the TOC of a one-frame packet
// (code 0) of the same mode, bandwidth and frame size. Written alone, that
// byte is a packet whose only frame is empty; RFC 6716 section 3.2.1 lets a
// decoder treat a zero-length frame as lost, and libopus (so gopus) runs its
// loss concealment for it, continuing the sound smoothly instead of cutting
// to silence.
func plcTOC(toc byte) byte {
	return toc &^ 0x03
}
