package capture

import (
	"time"

	"github.com/samvad/samvad/oggopus"
)

// FrameSink follows what a segment writes, so that a live mixer or a
// speaking detector sees the exact timeline of the file. Its methods run on
// the goroutine calling Push, Tick or Close, and should be quick.
type FrameSink interface {
	// SegmentStarted is called once, before the first frame, with the
	// segment's start (Segment.Start): the instant of Frame.Pos 0. It comes
	// 300 ms (MaxHold) after the first packet (see Segment), and the start
	// may be up to Config.Hold before the first packet.
	SegmentStarted(start time.Time)
	// SegmentMoved is called, between frames, when the segment finds in
	// its first seconds that its first packets came late and moves its
	// start back: start is the new Start, earlier than the last one told.
	// Pos counts from the new start for every frame, given or to come: a
	// sink that placed the earlier ones from the old start has them that
	// much late, and the next frame overlaps them by as much.
	SegmentMoved(start time.Time)
	// Frame is called for every frame written, in order. It must not
	// retain f.Packet.
	Frame(f oggopus.Frame)
}

// Stats counts what a segment did with what it received.
type Stats struct {
	Received          int64 `json:"packets_received"`   // packets handed to Push, all of them
	DuplicatesDropped int64 `json:"duplicates_dropped"` // same sequence number seen again
	PaddingDropped    int64 `json:"padding_dropped"`    // no payload (padding-only or empty)
	LateDropped       int64 `json:"late_dropped"`       // arrived after its time was already written
	InvalidDropped    int64 `json:"invalid_dropped"`    // not a valid Opus packet, or too large
	FramesConcealed   int64 `json:"frames_concealed"`   // PLC frames written for lost packets
	SilenceSamples    int64 `json:"silence_samples"`    // silence written, in 48 kHz samples
	SilenceInsertedMs int64 `json:"silence_inserted_ms"`
	// StartMovedSamples is how far the segment moved its start back in
	// its first seconds (see FrameSink.SegmentMoved), in 48 kHz samples.
	StartMovedSamples int64 `json:"start_moved_samples"`
	Reanchors         int64 `json:"reanchors"`         // pauses detected by arrival time (frozen RTP time)
	TimestampJumps    int64 `json:"timestamp_jumps"`   // RTP time jumped ahead of arrival time
	SequenceJumps     int64 `json:"sequence_jumps"`    // sequence number jumps or SSRC changes
	DriftCorrections  int64 `json:"drift_corrections"` // silence added or frames dropped to follow the wall clock
	DriftDropped      int64 `json:"drift_dropped"`     // audio packets, received, that those corrections dropped
	// FillerDropped counts digital-silence packets that came after their
	// time was written, or that the drift correction dropped: an SFU's
	// blank frames (LiveKit sends a few, with its own timestamps, when a
	// track ends). No sound is lost, so they are not in LateDropped or
	// DriftDropped.
	FillerDropped  int64 `json:"filler_dropped"`
	SamplesWritten int64 `json:"samples_written"` // played length of the segment so far

	// Writing to the file (see Segment): failed write attempts, each retried
	// later; times a hold built up by failures was written out; bytes not on
	// the file yet (while healthy at most a flush interval's pages; after
	// Close, bytes that never reached it); and audio dropped because the
	// hold overflowed, in bytes of Ogg pages and in milliseconds (silence in
	// the file in its place).
	WriteErrors     int64 `json:"write_errors"`
	WriteRecoveries int64 `json:"write_recoveries"`
	HeldBytes       int64 `json:"held_bytes"`
	DroppedBytes    int64 `json:"dropped_bytes"`
	DroppedMs       int64 `json:"dropped_ms"`
}
