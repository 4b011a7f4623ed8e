// Package oggopus is the Ogg Opus and Opus packet code the rest of samvad
// shares: it writes Ogg Opus streams (Writer), reads back what it can of
// damaged ones (Scan), reads an Opus packet's duration and checks its
// framing without decoding it (PacketSamples), and knows the two packets
// that stand in for sound: CELT silence (Silence, IsSilence) and the
// TOC-only packet a decoder conceals as lost (ConcealmentTOC).
//
// It knows nothing of rooms, meetings or wall clocks: the live capture
// (capture), stitching (stitch), the mixer and the minutes build on it. Every
// sample count is at 48 kHz, the Opus clock (SampleRate).
//
// The package starts no goroutines and has no package-level mutable state.
// A Writer or Silence belongs to one goroutine; Scan and the packet
// functions may run concurrently with anything.
package oggopus

import (
	"errors"
	"time"
)

// SampleRate is the Opus clock: RTP timestamps, Ogg granule positions and
// every sample count in this package are at 48 kHz.
const SampleRate = 48000

var (
	// ErrNotOggOpus means the data has no readable Ogg page carrying an
	// OpusHead, so nothing of it can be used.
	ErrNotOggOpus = errors.New("oggopus: no readable OpusHead page")

	// ErrInvalidPacket means bytes handed over as an Opus packet do not have
	// a valid Opus TOC and frame count (RFC 6716 section 3.1).
	ErrInvalidPacket = errors.New("oggopus: invalid Opus packet")
)

// Samples converts a duration to 48 kHz samples, truncating toward zero.
// Durations up to about 5 years fit without overflow.
func Samples(d time.Duration) int64 {
	return int64(d) * SampleRate / int64(time.Second)
}

// SamplesRounded converts a duration to 48 kHz samples, rounding to
// nearest (halves away from zero): for placing a wall-clock instant on a
// stream's timeline, where truncating would bias every place early.
func SamplesRounded(d time.Duration) int64 {
	half := int64(time.Second) / 2
	if d < 0 {
		half = -half
	}
	return (int64(d)*SampleRate + half) / int64(time.Second)
}

// Duration converts 48 kHz samples to a duration, truncating toward zero,
// without overflowing before time.Duration itself does (292 years).
func Duration(samples int64) time.Duration {
	return time.Duration(samples/SampleRate)*time.Second + time.Duration(samples%SampleRate*int64(time.Second)/SampleRate)
}
