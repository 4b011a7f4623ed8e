package voice

import "math"

// silentLevel is RFC 6464's value for digital silence (-127 dBov or lower).
const silentLevel = 127

// audioLevel is the RFC 6464 audio level of one frame of PCM in [-1, 1]:
// the frame's RMS in -dBov, where 0 dBov is the RMS of a full-scale square
// wave (1.0), clamped to 0..127. It is computed from the PCM rather than the
// Opus bits because that is what a real sender does: the level comes from
// the microphone, before the encoder.
func audioLevel(frame []float32) uint8 {
	if len(frame) == 0 {
		return silentLevel
	}
	var sum float64
	for _, s := range frame {
		sum += float64(s) * float64(s)
	}
	rms := math.Sqrt(sum / float64(len(frame)))
	if rms == 0 {
		return silentLevel
	}
	db := -20 * math.Log10(rms)
	return uint8(math.Round(min(max(db, 0), silentLevel)))
}
