package oggopus

import (
	"fmt"

	"github.com/thesyncim/gopus"
)

// MaxPacketSamples is the longest duration one Opus packet may carry:
// 120 ms (RFC 6716 section 3.2.5).
const MaxPacketSamples = 5760

// MaxFrameBytes is the largest Opus frame (RFC 6716 section 3.2.1).
const MaxFrameBytes = 1275

// PacketSamples returns how many 48 kHz samples an Opus packet decodes to,
// from its TOC byte and frame count, after checking the packet's framing
// against requirements R1 to R7 of RFC 6716 section 3.4: frame lengths that
// fit the packet and no frame over 1275 bytes, a code 3 frame count from 1 to
// 120 ms, padding that fits. What the frames hold cannot be checked without
// decoding them. gopus.ParsePacket checks the same but allocates a slice of
// frame sizes per packet, which the receive path must not do.
func PacketSamples(p []byte) (int, error) {
	n := len(p)
	if n == 0 {
		return 0, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	frame := gopus.ParseTOC(p[0]).FrameSize
	count := 0
	switch p[0] & 0x03 {
	case 0:
		if n-1 > MaxFrameBytes {
			return 0, fmt.Errorf("%w: code 0 frame of %d bytes", ErrInvalidPacket, n-1)
		}
		count = 1
	case 1:
		if (n-1)%2 != 0 {
			return 0, fmt.Errorf("%w: code 1 with odd length %d", ErrInvalidPacket, n)
		}
		if (n-1)/2 > MaxFrameBytes {
			return 0, fmt.Errorf("%w: code 1 frames of %d bytes", ErrInvalidPacket, (n-1)/2)
		}
		count = 2
	case 2:
		first, k := frameLength(p[1:])
		if k == 0 {
			return 0, fmt.Errorf("%w: code 2 without frame length", ErrInvalidPacket)
		}
		if second := n - 1 - k - first; second < 0 || second > MaxFrameBytes {
			return 0, fmt.Errorf("%w: code 2 frames of %d and %d bytes in %d", ErrInvalidPacket, first, second, n)
		}
		count = 2
	case 3:
		if n < 2 {
			return 0, fmt.Errorf("%w: code 3 without frame count", ErrInvalidPacket)
		}
		count = int(p[1] & 0x3F)
		if count == 0 {
			return 0, fmt.Errorf("%w: code 3 with zero frames", ErrInvalidPacket)
		}
		if frame*count > MaxPacketSamples {
			break // reported below
		}
		if err := checkCode3(p, count); err != nil {
			return 0, err
		}
	}
	if s := frame * count; s <= MaxPacketSamples {
		return s, nil
	}
	return 0, fmt.Errorf("%w: %d frames of %d samples exceed 120 ms", ErrInvalidPacket, count, frame)
}

// checkCode3 checks the padding and frame lengths of a code 3 packet of
// count frames (RFC 6716 section 3.2.5, requirements R6 and R7).
func checkCode3(p []byte, count int) error {
	n, i, padding := len(p), 2, 0
	if p[1]&0x40 != 0 {
		for {
			if i >= n {
				return fmt.Errorf("%w: code 3 padding length cut short", ErrInvalidPacket)
			}
			b := int(p[i])
			i++
			if b < 255 {
				padding += b
				break
			}
			padding += 254
		}
	}
	data := n - i - padding // frame lengths and frames
	if data < 0 {
		return fmt.Errorf("%w: code 3 padding of %d bytes in %d", ErrInvalidPacket, padding, n)
	}
	if p[1]&0x80 == 0 { // constant bitrate: frames of equal length
		if data%count != 0 || data/count > MaxFrameBytes {
			return fmt.Errorf("%w: code 3 CBR, %d bytes for %d frames", ErrInvalidPacket, data, count)
		}
		return nil
	}
	for range count - 1 { // variable bitrate: every length but the last is coded
		l, k := frameLength(p[i : i+data])
		if k == 0 {
			return fmt.Errorf("%w: code 3 VBR frame lengths cut short", ErrInvalidPacket)
		}
		i += k
		data -= k + l
		if data < 0 {
			return fmt.Errorf("%w: code 3 VBR frames longer than the packet", ErrInvalidPacket)
		}
	}
	if data > MaxFrameBytes {
		return fmt.Errorf("%w: code 3 VBR last frame of %d bytes", ErrInvalidPacket, data)
	}
	return nil
}

// frameLength reads a frame length coded in one or two bytes (RFC 6716
// section 3.2.1); k is the number of bytes it took, 0 if b is too short.
func frameLength(b []byte) (length, k int) {
	switch {
	case len(b) >= 1 && b[0] < 252:
		return int(b[0]), 1
	case len(b) >= 2:
		return 4*int(b[1]) + int(b[0]), 2
	}
	return 0, 0
}

// ConcealmentTOC turns a received packet's TOC into the TOC of a one-frame
// packet (code 0) of the same mode, bandwidth and frame size. Written
// alone, that byte is a packet whose only frame is empty; RFC 6716 section
// 3.2.1 lets a decoder treat a zero-length frame as lost, and libopus (so
// gopus) runs its loss concealment for it, continuing the sound smoothly
// instead of cutting to silence.
func ConcealmentTOC(toc byte) byte {
	return toc &^ 0x03
}

// IsConcealment reports whether p is such a TOC-only packet, standing in
// for a lost one.
func IsConcealment(p []byte) bool { return len(p) == 1 }
