package mixer

import (
	"errors"

	"github.com/thesyncim/gopus"
)

// errBadPacket means a packet's duration cannot be read from its TOC.
var errBadPacket = errors.New("mixer: invalid Opus packet")

// maxPacketSamples is the longest one Opus packet may last: 120 ms.
const maxPacketSamples = 5760

// packetSamples returns how many 48 kHz samples an Opus packet decodes to,
// from its TOC byte and frame count (RFC 6716 section 3.1), without
// allocating as gopus.ParsePacket would.
func packetSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errBadPacket
	}
	count := 1
	switch p[0] & 3 {
	case 1, 2:
		count = 2
	case 3:
		if len(p) < 2 {
			return 0, errBadPacket
		}
		count = int(p[1] & 0x3f)
	}
	n := gopus.ParseTOC(p[0]).FrameSize * count
	if n <= 0 || n > maxPacketSamples {
		return 0, errBadPacket
	}
	return n, nil
}

// isConcealment reports whether p is a TOC-only packet: its one frame is
// empty, which decoders treat as lost and conceal (RFC 6716 section 3.2.1).
// The recorder writes these for lost packets.
func isConcealment(p []byte) bool { return len(p) == 1 }

// silencePacket returns a one-frame CELT fullband silence packet lasting n
// samples (120, 240, 480 or 960), written into buf.
func silencePacket(buf []byte, n int) []byte {
	toc := byte(0xf8) // config 31: CELT FB 20 ms
	switch n {
	case 120:
		toc = 0xe0
	case 240:
		toc = 0xe8
	case 480:
		toc = 0xf0
	}
	return append(buf[:0], toc, 0xff, 0xfe)
}
