package oggopus

// Silence packets are CELT-only, fullband, mono, one frame each, whose frame
// is the two bytes 0xFF 0xFE: the range coder then decodes the silence flag
// first, so the CELT decoder outputs zeros without reading anything else.
// This is also exactly what gopus' (and libopus') encoder produces for digital
// silence, and a test decodes each to all-zero PCM with gopus. TOC configs 28
// to 31 are the 2.5, 5, 10 and 20 ms CELT fullband frame sizes. The 120 ms
// packet is code 3 (RFC 6716 section 3.2.5): frame count byte 6, constant
// bitrate, six such 20 ms frames, so long gaps cost one Ogg page per 120 ms.
const (
	silence120  = "\xe0\xff\xfe"
	silence240  = "\xe8\xff\xfe"
	silence480  = "\xf0\xff\xfe"
	silence960  = "\xf8\xff\xfe"
	silence5760 = "\xfb\x06\xff\xfe\xff\xfe\xff\xfe\xff\xfe\xff\xfe\xff\xfe"
)

// The sizes of the silence packets, for budgeting what a gap costs on disk.
const (
	SilenceFrameBytes = len(silence960)  // each one-frame packet, 2.5 to 20 ms
	SilenceLongBytes  = len(silence5760) // the 120 ms packet
)

// IsSilence reports whether p is a CELT packet all of whose frames are the
// two bytes 0xFF 0xFE: the range decoder then reads the silence flag first
// and the decoder outputs zeros. Segments fill gaps with exactly these (one
// frame, or six in a 120 ms code-3 packet), a CELT encoder emits them for
// digital silence, and SFUs send them as blank frames. Dropping one loses no
// sound, and its level is known without decoding it.
func IsSilence(p []byte) bool {
	if len(p) < 3 || p[0]>>3 < 16 { // configs 16-31 are CELT-only
		return false
	}
	body, count := p[1:], 1
	switch p[0] & 3 {
	case 0:
	case 1:
		count = 2
	case 3:
		if p[1]&0xc0 != 0 { // VBR or padded: not what a silence filler writes
			return false
		}
		body, count = p[2:], int(p[1]&0x3f)
	default:
		return false
	}
	if count == 0 || len(body)%count != 0 || len(body)/count < 2 {
		return false
	}
	// The silence flag is the first thing a CELT frame's range decoder
	// reads, and ff fe sets it whatever follows: LiveKit pads its blank
	// frames with zeros to 80 bytes.
	n := len(body) / count
	for i := 0; i < len(body); i += n {
		if body[i] != 0xff || body[i+1] != 0xfe {
			return false
		}
	}
	return true
}

// ShortestFrame is the shortest Opus frame, 2.5 ms, in samples. Every packet
// lasts a multiple of it, so it is the granularity of any gap silence can
// fill.
const ShortestFrame = 120

// Silence holds the silence packets as arrays owned by one writer, so the
// packets handed to an Ogg writer and to observers are never shared
// mutable package state, and picking one allocates nothing.
type Silence struct {
	p120, p240, p480, p960 [3]byte
	p5760                  [14]byte
}

// NewSilence returns a writer's own set of silence packets.
func NewSilence() Silence {
	var s Silence
	copy(s.p120[:], silence120)
	copy(s.p240[:], silence240)
	copy(s.p480[:], silence480)
	copy(s.p960[:], silence960)
	copy(s.p5760[:], silence5760)
	return s
}

// Next returns the longest silence packet not longer than remaining (which
// must be at least ShortestFrame) and its duration in samples. The packet
// belongs to s: it stays valid until s changes hands.
func (s *Silence) Next(remaining int64) ([]byte, int) {
	switch {
	case remaining >= 5760:
		return s.p5760[:], 5760
	case remaining >= 960:
		return s.p960[:], 960
	case remaining >= 480:
		return s.p480[:], 480
	case remaining >= 240:
		return s.p240[:], 240
	default:
		return s.p120[:], 120
	}
}

// Quantize rounds a sample count to the nearest multiple of ShortestFrame,
// halves away from zero: the finest step in which silence can fill a gap.
func Quantize(n int64) int64 {
	if n < 0 {
		return -Quantize(-n)
	}
	return (n + ShortestFrame/2) / ShortestFrame * ShortestFrame
}
