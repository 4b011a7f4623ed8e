package mixer

import (
	"errors"
	"fmt"
	"github.com/samvad/samvad/oggopus"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// joinGuard keeps the live mix this far behind the wall clock even when
// every open room has delivered: a room whose first packet arrived just
// before a Tick may open its Input just after it, and its first frame must
// still find its place unwritten.
const joinGuard = 100 * time.Millisecond

// Mixer writes the live mix of a recording. See the package documentation
// for how rooms feed it and for concurrency.
type Mixer struct {
	start time.Time
	opts  Options
	file  *os.File // nil when writing to a caller's io.Writer
	name  string

	// outMu serialises Tick, Flush and Close: the output side. It is taken
	// before mu, never after.
	outMu     sync.Mutex
	out       *output
	outStats  Stats
	lastFlush time.Time
	err       error // sticky write error
	mixbuf    [ringSlots * FrameSamples]float32
	silent    [ringSlots]bool

	// done is set once the mix takes no more audio (closed, or failed to
	// write), so the rooms stop spending time decoding for it.
	done atomic.Bool

	mu     sync.Mutex // guards what Inputs touch
	inputs []*Input
	base   int64 // timeline position of the next frame to mix
	closed bool
	stats  Stats // the rooms' counters
}

// Create creates the file name (slash-separated, relative to root, parent
// directories made as needed, never overwriting: an existing file is an
// error wrapping fs.ErrExist, created 0640) and starts a live mix in it
// whose first played sample is the instant start, the recording's start.
// The Ogg headers are on disk when it returns.
func Create(root *os.Root, name string, start time.Time, opts Options) (*Mixer, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("mixer: create %s: %w", name, err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("mixer: create %s: %w", name, err)
	}
	m, err := newMixer(f, name, start, opts)
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	m.file = f
	return m, nil
}

// New starts a live mix written to w instead of a file; flushes become
// writes to w.
func New(w io.Writer, start time.Time, opts Options) (*Mixer, error) {
	return newMixer(w, "", start, opts)
}

func newMixer(w io.Writer, name string, start time.Time, opts Options) (*Mixer, error) {
	m := &Mixer{start: start, opts: opts.withDefaults(DefaultLiveComplexity, DefaultCeiling), name: name, lastFlush: start}
	// 32 KiB holds several seconds of the mix between flushes.
	out, err := newOutput(w, 32<<10, m.opts, &m.outStats)
	if err == nil {
		err = out.flush()
	}
	if err != nil {
		return nil, fmt.Errorf("mixer: %s: %w", name, err)
	}
	m.out = out
	return m, nil
}

// Input is one room connection feeding the mix: one capture.Segment. It is
// used by the goroutine that owns the segment; see Open.
type Input struct {
	m          *Mixer
	offset     int64 // timeline position of the segment's first sample
	t          *track
	haveLevels bool
	loudUntil  int64 // timeline position up to which the room sounds
	local      Stats // decode counters, handed to the Mixer with each frame

	// under m.mu
	end    int64 // timeline position up to which frames were delivered
	closed bool
}

// Open adds a room connection whose segment (a capture.Segment) starts at
// start: Follow with the start known. Hand every frame of the segment to
// Input.Frame.
func (m *Mixer) Open(start time.Time) (*Input, error) {
	in, err := m.Follow(start)
	if err != nil {
		return nil, err
	}
	in.SegmentStarted(start)
	return in, nil
}

// Follow adds a room connection whose segment has not settled on its start
// yet; earliest is the earliest start it can settle on (for a
// capture.Segment, its first packet's arrival less capture.MaxHold). The
// Input is the segment's capture.FrameSink: give it as the segment's
// Config.Sink, and it takes its place on the timeline when the segment
// starts. Until then the mix waits for it from earliest, and afterwards
// until it delivers frames or is closed; at most Options.Latency behind the
// wall clock either way.
func (m *Mixer) Follow(earliest time.Time) (*Input, error) {
	t, err := newTrack()
	if err != nil {
		return nil, fmt.Errorf("mixer: %w", err)
	}
	offset := oggopus.SamplesRounded(earliest.Sub(m.start))
	in := &Input{m: m, offset: offset, t: t, end: offset, loudUntil: math.MinInt64}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	m.inputs = append(m.inputs, in)
	return in, nil
}

// SegmentStarted places the input on the timeline: start is the segment's
// Start, the instant of its frames' position 0.
func (in *Input) SegmentStarted(start time.Time) {
	in.m.mu.Lock()
	defer in.m.mu.Unlock()
	in.offset = oggopus.SamplesRounded(start.Sub(in.m.start))
	in.end = max(in.end, in.offset)
}

// SegmentMoved moves the input to the segment's new, earlier start (see
// capture.FrameSink). What the mix has of the room stays where it was put;
// the part of the next frames that overlaps it is left out, so the room is
// not heard twice: the live mix loses the few milliseconds of the move, the
// room's file nothing.
func (in *Input) SegmentMoved(start time.Time) {
	in.m.mu.Lock()
	defer in.m.mu.Unlock()
	in.offset = oggopus.SamplesRounded(start.Sub(in.m.start))
}

// Level notes the RFC 6464 audio level (0 loud … 127 silent; negative if
// unknown) of a packet that arrived at arrival. Call it for every received
// packet, before pushing the packet to the segment. The room is sounding,
// and its packets are decoded, from a level at or below Options.GateLevel
// (or an unknown one) until Options.Hangover after it. An input that is
// never given a level is always sounding.
func (in *Input) Level(arrival time.Time, level int) {
	in.haveLevels = true
	if level < 0 || level <= in.m.opts.GateLevel {
		in.loudUntil = max(in.loudUntil, oggopus.SamplesRounded(arrival.Sub(in.m.start)+in.m.opts.Hangover))
	}
}

// Frame takes one frame of the segment, as its capture.FrameSink. It decodes the frame if the room is sounding (on the calling
// goroutine) and hands the audio to the mix. f.Packet is not retained.
func (in *Input) Frame(f oggopus.Frame) {
	pos := in.offset + f.Pos
	var pcm []float32
	if len(f.Packet) > 0 && f.Samples > 0 && !in.m.done.Load() {
		sounding := !in.haveLevels || pos <= in.loudUntil
		pcm = in.t.decode(f.Packet, f.Samples, sounding, &in.local)
	}
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || in.closed {
		return
	}
	if over := min(in.end-pos, int64(len(pcm))); over > 0 {
		// What the segment moved its start back by (SegmentMoved): the
		// mix has it already, placed from the old start.
		pcm, pos = pcm[over:], pos+over
	}
	in.end = max(in.end, pos+int64(f.Samples))
	addDecodeStats(&m.stats, &in.local)
	in.local = Stats{}
	if pcm == nil {
		return
	}
	if late := min(m.base-pos, int64(len(pcm))); late > 0 {
		m.stats.LateSamples += late
		pcm, pos = pcm[late:], m.base
	}
	if over := pos + int64(len(pcm)) - (m.base + ringSamples); over > 0 {
		over = min(over, int64(len(pcm)))
		m.stats.OverrunSamples += over
		pcm = pcm[:len(pcm)-int(over)]
	}
	if len(pcm) > 0 {
		in.t.ring.add(pos, pcm)
	}
}

// Close tells that the segment has ended (call it after Segment.Close, whose
// last frames it must have received). The mix stops waiting for it.
func (in *Input) Close() {
	in.m.mu.Lock()
	in.closed = true
	in.m.mu.Unlock()
}

// Tick mixes and writes every frame that all open inputs have delivered,
// and every frame older than Options.Latency whether or not they have, then
// flushes the file if Options.FlushInterval has passed. Call it every 20 to
// 100 ms with the wall clock. A write error is returned, and again by every
// later call; the rooms' goroutines are never blocked by it.
func (m *Mixer) Tick(now time.Time) error {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	if m.err != nil {
		return m.err
	}
	nowPos := oggopus.SamplesRounded(now.Sub(m.start))
	for {
		n := m.mixReady(func(waitFor int64) int64 {
			forced := oggopus.SamplesRounded(now.Sub(m.start) - m.opts.Latency)
			return max(forced, min(waitFor, nowPos-oggopus.SamplesRounded(joinGuard)))
		})
		if err := m.writeMixed(n); err != nil {
			return err
		}
		if n < ringSlots {
			break
		}
	}
	if d := now.Sub(m.lastFlush); d < 0 || d >= m.opts.FlushInterval {
		m.lastFlush = now
		return m.fail(m.out.flush())
	}
	return nil
}

// Flush writes the buffered pages to the file now.
func (m *Mixer) Flush() error {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	if m.err != nil {
		return m.err
	}
	return m.fail(m.out.flush())
}

// Close ends the mix at end, the recording's end: everything the inputs
// delivered up to end is mixed (missing audio is silence), the file is
// given its exact length (to 1.25 ms) and its end-of-stream page, synced and
// closed. Inputs still open are ignored from then on.
func (m *Mixer) Close(end time.Time) error {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	m.closed = true
	m.done.Store(true)
	m.mu.Unlock()

	endPos := oggopus.SamplesRounded(end.Sub(m.start))
	for m.err == nil {
		n := m.mixReady(func(int64) int64 { return endPos })
		if err := m.writeMixed(n); err != nil || n < ringSlots {
			break
		}
	}
	if m.err == nil {
		var tail []float32
		if r := int(endPos - m.base); r > 0 && r < FrameSamples {
			tail = m.mixbuf[:r]
			m.mu.Lock()
			if !m.mixFrameLocked(m.base/FrameSamples, m.mixbuf[:FrameSamples]) {
				clear(tail)
			}
			m.mu.Unlock()
		}
		m.fail(m.out.finish(tail))
	}
	if m.err == nil {
		m.fail(m.out.flush())
	}
	errs := []error{m.err}
	if m.file != nil {
		if m.err == nil {
			if err := m.file.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("mixer: %s: sync: %w", m.name, err))
			}
		}
		if err := m.file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("mixer: %s: close: %w", m.name, err))
		}
	}
	if m.err == nil {
		m.err = ErrClosed
	}
	return errors.Join(errs...)
}

// Stats returns a snapshot of the mix's counters.
func (m *Mixer) Stats() Stats {
	m.outMu.Lock()
	st := m.outStats
	m.outMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	addDecodeStats(&st, &m.stats)
	st.LateSamples, st.OverrunSamples = m.stats.LateSamples, m.stats.OverrunSamples
	return st
}

// Written is how much of the mix has been mixed and encoded so far. Once
// flushed, the file plays all of it but the last frame, which the Ogg writer
// holds back to put on the end-of-stream page.
func (m *Mixer) Written() time.Duration {
	m.outMu.Lock()
	defer m.outMu.Unlock()
	return oggopus.Duration(m.out.samples())
}

// mixReady mixes, under mu, the frames from base up to the position ready
// returns (given the earliest position an open input has delivered up to),
// at most ringSlots of them, into mixbuf. It reports how many.
func (m *Mixer) mixReady(ready func(waitFor int64) int64) (n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	waitFor := int64(math.MaxInt64)
	for _, in := range m.inputs {
		if !in.closed {
			waitFor = min(waitFor, in.end)
		}
	}
	upTo := ready(waitFor)
	for n < ringSlots && m.base+FrameSamples <= upTo {
		k := m.base / FrameSamples
		m.silent[n] = !m.mixFrameLocked(k, m.mixbuf[n*FrameSamples:(n+1)*FrameSamples])
		m.base += FrameSamples
		n++
	}
	// Inputs closed with nothing left to mix are done.
	m.inputs = slices.DeleteFunc(m.inputs, func(in *Input) bool { return in.closed && in.t.ring.dirty == 0 })
	return n
}

// mixFrameLocked sums frame k of every input into out; false means none
// had audio there (out is then untouched).
func (m *Mixer) mixFrameLocked(k int64, out []float32) bool {
	any := false
	for _, in := range m.inputs {
		if in.t.ring.take(k, out, !any) {
			any = true
		}
	}
	return any
}

// writeMixed encodes and writes the n frames mixReady left in mixbuf.
func (m *Mixer) writeMixed(n int) error {
	for i := 0; i < n; i++ {
		if err := m.out.frame(m.mixbuf[i*FrameSamples:(i+1)*FrameSamples], m.silent[i]); err != nil {
			return m.fail(err)
		}
	}
	return nil
}

func (m *Mixer) fail(err error) error {
	if err != nil && m.err == nil {
		m.err = fmt.Errorf("mixer: %s: %w", m.name, err)
		m.done.Store(true)
	}
	return m.err
}

func addDecodeStats(dst, src *Stats) {
	dst.PacketsDecoded += src.PacketsDecoded
	dst.PacketsSkipped += src.PacketsSkipped
	dst.DecodeErrors += src.DecodeErrors
}
