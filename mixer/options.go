package mixer

import (
	"context"
	"errors"
	"time"
)

// FrameSamples is the mix's frame: 20 ms, the usual Opus frame for speech.
const FrameSamples = 960

// Defaults of Options.
const (
	// DefaultBitrate suits mono speech from CELT: clear at full band. With
	// the Ogg framing (one page per 20 ms packet, as gopus writes it) the
	// file takes about 20 MB an hour.
	DefaultBitrate = 32000
	// DefaultLiveComplexity and DefaultFileComplexity are the encoder's
	// complexity. Live, the encoder runs for 20 ms of audio every 20 ms and
	// complexity 5 costs under 0.5% of a core; offline it must get through
	// three hours in seconds, and complexity 1 encodes about 2.5 times as
	// fast for a small loss (the pitch pre-filter is off).
	DefaultLiveComplexity = 5
	DefaultFileComplexity = 1
	// DefaultLatency bounds how long the live mix waits for a room that has
	// not delivered: above the capture's reorder hold and a segment's 300 ms
	// settling, so normal rooms are always on time. Audio that comes later
	// still (a stalled path) is missing from the live mix only: the report
	// then rebuilds mix.ogg from the room files.
	DefaultLatency = 450 * time.Millisecond
	// DefaultFlushInterval: together with the latency, a crash loses under
	// a second of the live mix.
	DefaultFlushInterval = 500 * time.Millisecond
	// DefaultCeiling is the live mix's limiter ceiling, -1.5 dBFS: the
	// headroom leaves room for the codec's own overshoot, so the decoded
	// mix stays within full scale.
	DefaultCeiling = 0.84
	// DefaultFileCeiling is MixFiles' ceiling, -3.1 dBFS. At
	// DefaultFileComplexity the encoder has no pitch pre-filter and
	// overshoots more: loud tones overlapping came back at up to 1.28
	// times the ceiling (a rebuilt mix peaking at 1.05, past full scale,
	// with 0.84). The limiter acts only on such peaks, so speech at its
	// usual level is as loud as in the live mix.
	DefaultFileCeiling = 0.7
	// DefaultGateLevel: a packet at or louder than -60 dBov (RFC 6464 level
	// 60 or less) keeps its room sounding. Speech sits at -20 to -50 dBov;
	// below -60 a room adds nothing a listener would hear, and cutting it
	// there cannot click.
	DefaultGateLevel = 60
	// DefaultHangover keeps a room sounding after its last loud packet, so
	// the pauses between words are decoded and the gate closes only after a
	// stretch of near silence.
	DefaultHangover = time.Second
)

// Options tune a Mixer or MixFiles. The zero value is ready to use.
type Options struct {
	// Context, when set, stops MixFiles early (its partial output is
	// removed) once it is done: a report the user interrupted.
	Context context.Context
	// Bitrate of the mix in bit/s; 0 means DefaultBitrate.
	Bitrate int
	// Complexity of the encoder, 1 to 10; 0 means DefaultLiveComplexity for
	// a Mixer and DefaultFileComplexity for MixFiles.
	Complexity int
	// Ceiling is the limiter's ceiling, the largest sample value written to
	// the encoder; 0 means DefaultCeiling for a Mixer and
	// DefaultFileCeiling for MixFiles. At most 1.
	Ceiling float64
	// GateLevel is the RFC 6464 level (0 loud … 127 silent) at or below
	// which a packet keeps its room sounding; 0 means DefaultGateLevel.
	GateLevel int
	// Hangover is how long a room stays sounding after its last loud
	// packet (live) or after a Sounding span ends (MixFiles); 0 means
	// DefaultHangover.
	Hangover time.Duration
	// Latency (live only) is how far behind the wall clock the mix may
	// fall waiting for rooms; 0 means DefaultLatency.
	Latency time.Duration
	// FlushInterval (live only) bounds how long written pages stay in
	// memory; 0 means DefaultFlushInterval.
	FlushInterval time.Duration
}

// ErrClosed is returned by a Mixer used after Close.
var ErrClosed = errors.New("mixer: closed")

func (o Options) withDefaults(complexity int, ceiling float64) Options {
	if o.Bitrate <= 0 {
		o.Bitrate = DefaultBitrate
	}
	if o.Complexity <= 0 {
		o.Complexity = complexity
	}
	o.Complexity = min(o.Complexity, 10)
	if o.Ceiling <= 0 || o.Ceiling > 1 {
		o.Ceiling = ceiling
	}
	if o.GateLevel <= 0 {
		o.GateLevel = DefaultGateLevel
	}
	if o.Hangover <= 0 {
		o.Hangover = DefaultHangover
	}
	if o.Latency <= 0 {
		o.Latency = DefaultLatency
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	return o
}

// Stats counts what a mix did. Frames are the mix's 20 ms frames; packets
// are the rooms'.
type Stats struct {
	FramesWritten int64 `json:"frames_written"` // mix frames written to the file
	FramesEncoded int64 `json:"frames_encoded"` // of which went through the encoder
	FramesSilent  int64 `json:"frames_silent"`  // of which were written as silence packets
	FramesLimited int64 `json:"frames_limited"` // frames in which the limiter lowered the gain

	PacketsDecoded int64 `json:"packets_decoded"` // room packets decoded
	PacketsSkipped int64 `json:"packets_skipped"` // room packets not decoded: silence or not sounding
	DecodeErrors   int64 `json:"decode_errors"`   // room packets gopus could not decode (mixed as silence)

	// LateSamples is room audio that reached the live mixer after its
	// place in the mix had been written (the room lagged more than the
	// latency); it is missing from the live mix but not from a rebuilt one.
	LateSamples int64 `json:"late_samples"`
	// OverrunSamples is room audio too far ahead of the mix to be held
	// (Tick was not called for over a second); it is dropped likewise.
	OverrunSamples int64 `json:"overrun_samples"`
}
