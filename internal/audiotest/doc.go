// Package audiotest holds helpers for tests that need real Opus audio rather
// than mocks: it encodes PCM to Opus packets and decodes Ogg Opus files with
// gopus (the same codec the recorder ships), renders tone bursts, and finds
// those bursts again (onset time and dominant frequency) in decoded PCM.
//
// Everything works on 48 kHz mono float32 PCM, the rate Opus runs at
// internally, so sample counts map straight onto RTP timestamps and Ogg
// granule positions.
package audiotest

import "time"

// SampleRate is the only rate this package works at.
const SampleRate = 48000

// Samples converts a duration to a whole number of 48 kHz samples (rounded to
// nearest), the unit of Opus timestamps and granule positions.
func Samples(d time.Duration) int {
	return int((d.Nanoseconds()*SampleRate + int64(time.Second)/2) / int64(time.Second))
}

// Duration converts a 48 kHz sample count to a duration.
func Duration(samples int) time.Duration {
	return time.Duration(int64(samples) * int64(time.Second) / SampleRate)
}
