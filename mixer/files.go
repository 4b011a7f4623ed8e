package mixer

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samvad/samvad/internal/newfile"
	"github.com/samvad/samvad/oggopus"
)

// Room is one room's input to MixFiles.
type Room struct {
	// Path is the room's stitched file (rooms/<room>.ogg), slash-separated
	// and relative to the root given to MixFiles. Its first played sample
	// must be the recording's start, as stitch.Room makes it.
	Path string
	// Sounding, if not nil, lists when the room may be heard: its speaking
	// turns from events.jsonl, say. Each span is widened by 200 ms before
	// and Options.Hangover after; outside them the room's packets are not
	// decoded, so a room that sends background noise all meeting costs
	// nothing. Nil means every packet that is not silence is decoded; an
	// empty, non-nil slice means the room is never heard.
	Sounding []Span
}

// Span is a stretch of the recording's timeline, as offsets from its start.
type Span struct{ From, To time.Duration }

// RoomResult is what MixFiles read of one room.
type RoomResult struct {
	Path           string `json:"path"`
	Packets        int64  `json:"packets"`
	InvalidPackets int64  `json:"invalid_packets,omitempty"`
	// Err is why the room could not be read to its end (missing file, no
	// OpusHead, a corrupt page); the mix goes on with silence for the rest.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// Result describes a mix written by MixFiles.
type Result struct {
	Path     string        `json:"path"`
	PreSkip  int           `json:"pre_skip"`
	Samples  int64         `json:"samples"` // played samples
	Duration time.Duration `json:"duration"`
	Stats    Stats         `json:"stats"`
	Rooms    []RoomResult  `json:"rooms"`
}

// batchFrames is how many mix frames go from the mixing goroutine to the
// encoding one at a time: one second, so handing over costs nothing next to
// the work.
const batchFrames = 50

// batch is a run of mixed frames on their way to the encoder.
type batch struct {
	pcm    [batchFrames * FrameSamples]float32
	silent [batchFrames]bool
	n      int
	last   bool
	tail   int // last batch: samples of the final partial frame, after the n frames
}

// MixFiles writes out (relative to root, never overwriting: an existing
// file is an error wrapping fs.ErrExist) the mix of the rooms' stitched
// files over the recording's first length, the same kind of file as the live
// Mixer writes: first played sample at the recording's start, playing for
// length (to within 1.25 ms). Rooms shorter than length are silent at the
// end, longer ones are cut.
//
// It streams: the rooms are read and decoded in lockstep, frame by frame,
// and memory stays a few megabytes whatever the meeting's length. Decoding
// and mixing run on the calling goroutine and encoding on another, so two
// cores share the work. Unreadable rooms are reported in Result.Rooms, not
// as errors; an error means the output could not be written, and the
// partial output is then removed.
func MixFiles(root *os.Root, out string, rooms []Room, length time.Duration, opts Options) (*Result, error) {
	opts = opts.withDefaults(DefaultFileComplexity, DefaultFileCeiling)
	res := &Result{Path: out, Rooms: make([]RoomResult, len(rooms))}
	files := make([]*roomFile, len(rooms))
	defer func() {
		for _, rf := range files {
			if rf != nil {
				rf.close()
			}
		}
	}()
	for i, room := range rooms {
		res.Rooms[i].Path = room.Path
		rf, err := openRoomFile(root, room, &res.Rooms[i], opts.Hangover)
		if err != nil {
			return nil, fmt.Errorf("mixer: %s: %w", out, err)
		}
		files[i] = rf
	}

	var outStats Stats
	var o *output
	err := newfile.Write(root, out, func(w io.Writer) error {
		// A big buffer: nothing to be crash-safe for here, so fewer writes.
		var err error
		if o, err = newOutput(w, 256<<10, opts, &outStats); err != nil {
			return err
		}
		if err := mixFiles(opts.Context, files, max(0, oggopus.SamplesRounded(length)), o, &res.Stats); err != nil {
			return err
		}
		return o.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("mixer: %s: %w", out, err)
	}
	addOutputStats(&res.Stats, &outStats)
	res.PreSkip, res.Samples = o.preSkip, o.samples()
	res.Duration = oggopus.Duration(res.Samples)
	return res, nil
}

// mixFiles runs the two stages: this goroutine reads, decodes and sums the
// rooms into batches; an encoder goroutine limits, encodes and writes them.
func mixFiles(ctx context.Context, files []*roomFile, total int64, o *output, st *Stats) error {
	if ctx == nil {
		ctx = context.Background()
	}
	free := make(chan *batch, 3)
	full := make(chan *batch, 3)
	for range cap(free) {
		free <- new(batch)
	}
	var (
		wg     sync.WaitGroup
		encErr error
		failed atomic.Bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range full {
			if encErr == nil {
				encErr = encodeBatch(o, b)
				failed.Store(encErr != nil)
			}
			free <- b
		}
	}()

	for _, rf := range files {
		rf.total = total
	}
	frames := total / FrameSamples
	var stopped error
	for k := int64(0); k <= frames && !failed.Load(); {
		if stopped = ctx.Err(); stopped != nil {
			break
		}
		b := <-free
		b.n, b.tail, b.last = 0, 0, false
		for ; b.n < batchFrames && k <= frames; k++ {
			from, to := k*FrameSamples, (k+1)*FrameSamples
			for _, rf := range files {
				rf.advance(to, from, st)
			}
			dst := b.pcm[b.n*FrameSamples : (b.n+1)*FrameSamples]
			silent := true
			for _, rf := range files {
				if rf.t.ring.take(k, dst, silent) {
					silent = false
				}
			}
			if k == frames { // the partial frame at the end, maybe empty
				b.last, b.tail = true, int(total-from)
				if silent {
					clear(dst[:b.tail])
				}
				continue
			}
			b.silent[b.n] = silent
			b.n++
		}
		full <- b
	}
	close(full)
	wg.Wait()
	if encErr == nil && stopped != nil {
		return fmt.Errorf("stopped: %w", stopped)
	}
	return encErr
}

func encodeBatch(o *output, b *batch) error {
	for i := 0; i < b.n; i++ {
		if err := o.frame(b.pcm[i*FrameSamples:(i+1)*FrameSamples], b.silent[i]); err != nil {
			return err
		}
	}
	if b.last {
		return o.finish(b.pcm[b.n*FrameSamples : b.n*FrameSamples+b.tail])
	}
	return nil
}

func addOutputStats(dst, src *Stats) {
	dst.FramesWritten += src.FramesWritten
	dst.FramesEncoded += src.FramesEncoded
	dst.FramesSilent += src.FramesSilent
	dst.FramesLimited += src.FramesLimited
}
