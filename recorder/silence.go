package recorder

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

// isFiller reports whether p is a one-frame CELT digital-silence packet, as
// encoders send for digital silence and SFUs as blank frames: dropping one
// loses no sound.
func isFiller(p []byte) bool {
	return len(p) == 3 && p[0]>>3 >= 16 && p[0]&3 == 0 && p[1] == 0xff && p[2] == 0xfe
}

// frameQuantum is the shortest Opus frame (2.5 ms). Every packet lasts a
// multiple of it, so it is the granularity of any gap we can fill.
const frameQuantum = 120

// silenceSet holds the silence packets as arrays owned by one writer, so the
// packets handed to the Ogg writer and to observers are never shared
// mutable package state, and picking one allocates nothing.
type silenceSet struct {
	p120, p240, p480, p960 [3]byte
	p5760                  [14]byte
}

func newSilenceSet() silenceSet {
	var s silenceSet
	copy(s.p120[:], silence120)
	copy(s.p240[:], silence240)
	copy(s.p480[:], silence480)
	copy(s.p960[:], silence960)
	copy(s.p5760[:], silence5760)
	return s
}

// next returns the longest silence packet not longer than remaining (which
// must be at least frameQuantum) and its duration in samples.
func (s *silenceSet) next(remaining int64) ([]byte, int) {
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

// roundQuantum rounds a sample count to the nearest multiple of
// frameQuantum, halves away from zero.
func roundQuantum(n int64) int64 {
	if n < 0 {
		return -roundQuantum(-n)
	}
	return (n + frameQuantum/2) / frameQuantum * frameQuantum
}
