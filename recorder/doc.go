// Package recorder writes what a meeting bot receives from each district
// room into Ogg Opus files whose playing time equals wall-clock time, and
// stitches a room's files into one file on the meeting's timeline.
//
// A Segment is one room connection written live: received Opus packets are
// copied into the file unchanged (never re-encoded), reordered, de-duplicated,
// and every gap in the sender's stream (loss, DTX, mute, a paused track whose
// RTP timestamps froze, clock drift) is filled with concealment or silence
// frames so that sample N of the file is the instant Start()+N/48 kHz. A
// path whose delay changes is not a gap: late packets keep their places by
// the sender's clock, and the file follows the wall clock through budgeted
// corrections (at most 40 ms of silence at once, then 2 ms a second), so
// congestion moves the audio by tens of milliseconds instead of costing it. Its
// pages go through a small buffer that is flushed at least every
// Config.FlushInterval, so a process killed with -9 leaves a file that plays
// up to the last flush.
//
// Stitch places a room's segments, at their wall-clock starts, into one file
// whose first played sample is the recording's start and whose length is the
// recording's length, with silence wherever no segment covers and the later
// segment winning where two overlap. It reads damaged segments (cut off by a
// crash, or with a corrupt page) as far as they are readable and reports what
// it skipped.
//
// Errors: a segment's write errors (disk full, I/O errors, short writes) are
// not errors of Push or Tick, which return only ErrClosed (or a bug). The
// pages that could not be written are held in memory, up to Config.MaxHeld
// (8 MiB by default, 26 minutes of continuous speech), while the segment goes
// on recording and feeding the Sink as usual, and the write is retried at most
// every FlushInterval from the byte where the file stopped; once it succeeds
// everything held is on the file, in order, and the file is as if nothing
// had happened. Past MaxHeld the oldest held pages are dropped whole and
// silence stands in for them, so the file still plays for the wall-clock time
// it covers. The owner learns of all this from Segment.WriteErr and Stats
// (write_errors, write_recoveries, held_bytes, dropped_bytes, dropped_ms);
// only Close, when even its final write fails, returns a write error: what
// was still held is then lost. Stitch returns an error only when its output
// cannot be written or the range is invalid; damage to its inputs is reported
// per segment.
//
// Concurrency: a Segment is not safe for concurrent use. Its owner calls
// Push, Tick and Close from one goroutine (typically the one
// reading the RTP track, with a ticker in the same select loop). The package
// starts no goroutines and has no package-level mutable state; Stitch may
// run concurrently with anything.
package recorder

import (
	"errors"

	"github.com/samvad/samvad/oggopus"
)

var (
	// ErrClosed is returned by a Segment used after Close.
	ErrClosed = errors.New("recorder: segment closed")

	// ErrInvalidRange is returned by Stitch when the recording ends before it
	// starts.
	ErrInvalidRange = errors.New("recorder: recording ends before it starts")
)

// frameQuantum is the granularity of every gap this package fills with
// silence: the shortest Opus frame.
const frameQuantum = oggopus.ShortestFrame

// roundQuantum rounds a sample count to the nearest multiple of
// frameQuantum, halves away from zero.
func roundQuantum(n int64) int64 {
	if n < 0 {
		return -roundQuantum(-n)
	}
	return (n + frameQuantum/2) / frameQuantum * frameQuantum
}
