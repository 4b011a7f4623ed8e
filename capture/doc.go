// Package capture writes what a meeting bot receives from each district
// room, as it arrives, into Ogg Opus files whose playing time equals
// wall-clock time (package stitch later lays a room's files out on the
// meeting's timeline).
//
// A Segment is one room connection written live: received Opus packets are
// copied into the file unchanged (never re-encoded), reordered, de-duplicated,
// and every gap in the sender's stream (loss, DTX, mute, a paused track whose
// RTP timestamps froze, clock drift) is filled with concealment or silence
// frames so that sample N of the file is the instant Start()+N/48 kHz. A
// path whose delay changes is not a gap: late packets keep their places by
// the sender's clock, and the file follows the wall clock through budgeted
// corrections (at most 40 ms of silence at once, then 2 ms a second), so
// congestion moves the audio by tens of milliseconds instead of costing it.
// Audio is dropped to catch up only where the file runs half a frame or
// more ahead; in a connection's first seconds the segment moves its start
// back instead (FrameSink.SegmentMoved), for a file ahead then was started
// from packets that came late. Its
// pages go through a small buffer that is flushed at least every
// Config.FlushInterval, so a process killed with -9 leaves a file that plays
// up to the last flush.
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
// was still held is then lost.
//
// Concurrency: a Segment is not safe for concurrent use. Its owner calls
// Push, Tick and Close from one goroutine (typically the one
// reading the RTP track, with a ticker in the same select loop). The package
// starts no goroutines and has no package-level mutable state.
package capture

import (
	"errors"

	"github.com/samvad/samvad/oggopus"
)

// ErrClosed is returned by a Segment used after Close.
var ErrClosed = errors.New("capture: segment closed")

// frameQuantum is the granularity of every gap this package fills with
// silence: the shortest Opus frame.
const frameQuantum = oggopus.ShortestFrame
