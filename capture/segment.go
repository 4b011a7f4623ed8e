package capture

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"time"

	"github.com/pion/rtp"

	"github.com/samvad/samvad/oggopus"
)

const (
	// DefaultHold is how long a packet waits in the reorder buffer for the
	// ones missing before it.
	DefaultHold = 120 * time.Millisecond
	// MaxHold caps Config.Hold: a longer wait would let Tick's silence
	// (after quietFill) overtake packets still held.
	MaxHold = 300 * time.Millisecond
	// settleAfter is how long after its first packet a segment settles
	// on its start, whatever its Hold: the fastest of the packets seen by
	// then sets it, and the more there are (15 of 20 ms), the nearer it
	// comes to the path's least delay. Settled on fewer, a room's file
	// stayed a few milliseconds late all meeting: less than a frame, which
	// no correction can take out of audio once written (issue 17). It is
	// within the live mix's wait for a room (mixer.Options.Latency).
	settleAfter = MaxHold
	// DefaultFlushInterval is how often buffered pages reach the file.
	DefaultFlushInterval = 500 * time.Millisecond
	// DefaultMaxHeld bounds the pages a segment holds in memory while its
	// file cannot be written: 8 MiB is 26 minutes of a room speaking without
	// pause at 32 kbit/s (5.4 kB/s with the Ogg framing of one page per 20 ms
	// packet), longer with the pauses and silence of a real meeting. With all
	// 24 districts and the host failing on one full disk that is up to 200 MiB
	// held (and up to a quarter more allocated).
	DefaultMaxHeld = 8 << 20
	// SegmentPreSkip is the OpusHead pre-skip of every segment. The file
	// starts with that much silence ahead of the first received packet, so
	// a player's first sample is the first packet's first sample, the
	// decoder warms up on silence, and a segment's pre-skip region holds no
	// received audio.
	SegmentPreSkip = 480

	// quietFill is how long the sender may send nothing before Tick starts
	// writing silence to keep the file level with the wall clock: as long
	// as any path or reader holds packets and then delivers them all
	// (maxQueueLag). A loaded SFU or a starved machine stalls every room
	// for up to a second or two; silence written meanwhile would make all
	// of the stalled audio late (most of what the 100-room LiveKit bench
	// lost). A sender that stops for good gets its silence from here, or
	// from Close; one that resumes, from the gap before its next packet.
	quietFill = maxQueueLag * time.Second / oggopus.SampleRate
	// burstWait: how long, beyond its own duration, a packet late enough to
	// re-anchor waits for the packet after it, which tells a burst from a
	// sender whose clock stood still (Segment.queued).
	burstWait = 40 * time.Millisecond
	// burstFollowers and drainFollowers: how many packets after a late
	// one Segment.queued looks at to tell a draining queue from a sender
	// resuming: 200 ms of them, and where those are not clear, a second.
	burstFollowers = 10
	drainFollowers = 50
	// maxBurstSpacing: RTP spacings up to this are one packet after the
	// other; beyond, DTX or a jump, which says nothing about a queue.
	maxBurstSpacing = oggopus.SampleRate / 5
	// bufferBytes holds several seconds of 32 kb/s audio between flushes.
	bufferBytes = 32 << 10
)

// Config tunes a Segment. The zero value is ready to use.
type Config struct {
	// Hold is the reorder buffer's wait for a missing packet; 0 means
	// DefaultHold, more than MaxHold means MaxHold. 100 to 200 ms suits
	// WebRTC senders.
	Hold time.Duration
	// FlushInterval bounds how long written pages stay in memory; 0 means
	// DefaultFlushInterval. Flushing happens in Push, Tick and Close; after
	// a failed write it is also how often the write is retried.
	FlushInterval time.Duration
	// MaxHeld bounds, in bytes, the pages held in memory while the file
	// cannot be written; 0 (or less) means DefaultMaxHeld. Past it the
	// oldest held pages are dropped (see Segment).
	MaxHeld int
	// Sink, if set, is told the segment's start and given every frame
	// written.
	Sink FrameSink
}

// Segment writes one room connection's audio as a wall-clock aligned Ogg Opus
// file. Create it when the connection's first packet arrives and push that
// packet at once. Then Push every RTP
// packet with its arrival time, call Tick every 20 to 100 ms (it releases
// packets held for reordering, writes silence while the sender is quiet and
// flushes), and Close when the connection ends. A Segment is not safe for
// concurrent use; see the package documentation.
//
// The segment settles 300 ms after its first packet: it has seen the
// first few packets by then, and places them on the path's least delay, not
// on the first one's arrival. A first packet that came late (a network path
// still waking up, an SFU subscribing) would otherwise put the segment's
// start, and everything after it, that much late, and the drift correction
// would then drop audio to catch up when the punctual packets behind it
// came. Start is the fastest of those packets' arrivals, mapped back by its
// RTP time to the first packet's place, at most 300 ms before the first
// packet's arrival; nothing is written before the segment settles.
//
// A failed write (disk full, an I/O error, a short write) costs no audio that
// fits in Config.MaxHeld: the package documentation tells how. Push and Tick
// do not report write errors; WriteErr tells whether pages are held, and
// Stats counts the failures, recoveries and what waits.
type Segment struct {
	cfg  Config
	name string
	file *os.File // nil when writing to a caller's io.Writer
	buf  pageBuffer
	ogg  *oggopus.Writer

	started  bool
	first    time.Time // arrival of the first packet
	settled  bool      // start is known; packets are released
	start    time.Time
	seq      unwrapper[uint16]
	ts       unwrapper[uint32]
	ssrc     uint32
	haveSSRC bool
	ro       reorder
	tl       timeline
	lastUseq int64 // sequence number of the last packet released
	haveLast bool
	lastArr  time.Time // arrival of the latest audio packet pushed

	lastFlush time.Time
	stats     Stats
	err       error // a programming error: sticky, unlike write errors
	closed    bool
	writeErr  error // s.buf.err wrapped with the segment's name
	wrapped   error // the s.buf.err that writeErr wraps
}

// SegmentName is the conventional name of a room's n-th segment (from 1)
// inside the output folder: segments/<room>/NNNN.ogg.
func SegmentName(room string, n int) string {
	return path.Join("segments", room, fmt.Sprintf("%04d.ogg", n))
}

// CreateSegment creates the file name (slash-separated, relative to root,
// parent directories made as needed) and starts a segment in it. It never
// overwrites: an existing file is an error wrapping fs.ErrExist. The file is
// created 0640, and the OpusHead and OpusTags pages are written before it
// returns; if they cannot be, the segment starts with them held (see
// WriteErr), so only a file that cannot be created is an error.
func CreateSegment(root *os.Root, name string, cfg Config) (*Segment, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("capture: create segment %s: %w", name, err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("capture: create segment %s: %w", name, err)
	}
	s, err := newSegment(f, name, cfg)
	if err != nil {
		return nil, errors.Join(err, f.Close())
	}
	s.file = f
	return s, nil
}

// NewSegment starts a segment writing to w instead of a file; flushes become
// writes to w. Useful for tests and for piping a live segment elsewhere.
func NewSegment(w io.Writer, cfg Config) (*Segment, error) {
	return newSegment(w, "", cfg)
}

func newSegment(w io.Writer, name string, cfg Config) (*Segment, error) {
	if cfg.Hold <= 0 {
		cfg.Hold = DefaultHold
	}
	cfg.Hold = min(cfg.Hold, MaxHold)
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.MaxHeld <= 0 {
		cfg.MaxHeld = DefaultMaxHeld
	}
	s := &Segment{cfg: cfg, name: name, buf: newPageBuffer(w, bufferBytes, cfg.MaxHeld), ro: newReorder(cfg.Hold)}
	s.tl = newTimeline(s, &s.stats)
	ow, err := oggopus.NewWriter(&s.buf, SegmentPreSkip)
	if err != nil {
		return nil, s.fail(err)
	}
	s.ogg = ow
	s.buf.pinAll() // without its headers the file is nothing
	warm, n := s.tl.sil.Next(SegmentPreSkip)
	if err := ow.WritePacket(warm, n); err != nil {
		return nil, s.fail(err)
	}
	s.buf.Flush() // a failure is held and retried like any other
	return s, nil
}

// Name is the file name given to CreateSegment ("" for NewSegment).
func (s *Segment) Name() string { return s.name }

// Start is the instant of the segment's first played sample: the first
// packet's arrival, or up to 300 ms before it when the packets after it
// show that it came late (see Segment), and up to 2 s more once the
// packets of its first 10 s show that all of the first came late
// (FrameSink.SegmentMoved). Zero until the segment has settled.
func (s *Segment) Start() time.Time { return s.start }

// Written is how much audio the segment holds so far (its playing time).
func (s *Segment) Written() time.Duration { return oggopus.Duration(s.tl.pos) }

// Stats returns a snapshot of the segment's counters.
func (s *Segment) Stats() Stats {
	st := s.stats
	st.SilenceInsertedMs = st.SilenceSamples * 1000 / oggopus.SampleRate
	st.WriteErrors = s.buf.failures
	st.WriteRecoveries = s.buf.recoveries
	st.HeldBytes = int64(s.buf.held() + s.buf.lost)
	st.DroppedBytes = s.buf.droppedBytes
	st.DroppedMs = s.buf.droppedSamples * 1000 / oggopus.SampleRate
	return st
}

// WriteErr is nil while the segment's pages reach the file. After a failed
// write it is that error (wrapping the file's, such as syscall.ENOSPC or
// io.ErrShortWrite) for as long as pages are held, each later retry's error
// replacing it; it is nil again once a retry has written everything held.
// After Close it is the error of the final write if that failed (what was
// held is then lost). Call it after Push or Tick, as often as wanted: it is
// cheap and allocates only when the error changes.
func (s *Segment) WriteErr() error {
	if s.buf.err == nil {
		return nil
	}
	if s.buf.err != s.wrapped {
		s.wrapped = s.buf.err
		s.writeErr = fmt.Errorf("capture: segment %q: write: %w", s.name, s.buf.err)
	}
	return s.writeErr
}

// Push hands over one received RTP packet and its arrival time (when it was
// read from the network, as close as possible). The payload is copied; p may
// be reused afterwards. A change of SSRC is treated as a new stream within
// the same segment. Dropped packets (duplicates, padding, invalid, late) are
// counted in Stats, not reported as errors, and so are write errors (see
// WriteErr): an error is ErrClosed, or a bug.
func (s *Segment) Push(p *rtp.Packet, arrival time.Time) error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.haveSSRC && p.SSRC != s.ssrc {
		if err := s.newStream(arrival); err != nil {
			return err
		}
	}
	s.ssrc, s.haveSSRC = p.SSRC, true
	return s.PushPayload(p.SequenceNumber, p.Timestamp, p.Payload, arrival)
}

// PushPayload is Push for callers that parse RTP themselves: sequence number,
// timestamp and Opus payload (without RTP padding; empty for padding-only
// packets).
func (s *Segment) PushPayload(seq uint16, ts uint32, payload []byte, arrival time.Time) error {
	if err := s.usable(); err != nil {
		return err
	}
	s.stats.Received++
	if !s.started {
		s.started, s.first, s.lastFlush = true, arrival, arrival
	}
	useq, uts := s.seq.unwrap(seq), s.ts.unwrap(ts)
	samples := 0
	if len(payload) > 0 {
		n, err := oggopus.PacketSamples(payload)
		if err != nil || len(payload) > slotBytes {
			// Not audio we can write; its slot stays missing, so it is
			// concealed like a lost packet.
			s.stats.InvalidDropped++
			return s.advance(arrival)
		}
		samples = n
		s.lastArr = arrival
	}
	res := s.ro.insert(useq, uts, payload, samples, arrival)
	if res == tooFar {
		if err := s.release(arrival, true); err != nil {
			return err
		}
		s.ro.restart()
		s.haveLast = false
		s.stats.SequenceJumps++
		res = s.ro.insert(useq, uts, payload, samples, arrival)
	}
	switch {
	case samples == 0:
		s.stats.PaddingDropped++
	case res == duplicate:
		s.stats.DuplicatesDropped++
	case res == late && oggopus.IsSilence(payload):
		s.stats.FillerDropped++
	case res == late:
		s.stats.LateDropped++
	}
	return s.advance(arrival)
}

// Tick lets time pass: it releases packets that waited the hold time, writes
// silence when the sender has sent nothing for a while (so the file keeps
// pace with the wall clock through mutes and pauses), and flushes the buffer
// (or retries a failed write) if FlushInterval has passed. Call it every 20
// to 100 ms. Like Push it returns ErrClosed or a bug, never a write error.
func (s *Segment) Tick(now time.Time) error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.started {
		if err := s.release(now, false); err != nil {
			return err
		}
		// Only a sender that has gone quiet gets silence: while packets
		// come, however late, their RTP times say where they go, and
		// silence written ahead of them would make them late.
		if s.settled && s.ro.held == 0 && now.Sub(s.lastArr) >= quietFill {
			target := oggopus.Samples(now.Sub(s.start)-quietFill) - s.tl.lag.base()
			if err := s.tl.fillTo(target); err != nil {
				return s.fail(err)
			}
		}
	}
	s.maybeFlush(now)
	return nil
}

// Flush writes buffered pages to the file now. If they cannot be written
// they stay held, as when Push or Tick flush, and the error is returned
// (the same as WriteErr).
func (s *Segment) Flush() error {
	if s.closed {
		return ErrClosed
	}
	s.buf.Flush()
	return s.WriteErr()
}

// Close ends the segment at now, the end of the connection: packets still
// held are written, silence fills up to now, the end-of-stream page is
// written and the file synced and closed. If pages held after failed writes
// still cannot be written they are lost, and Close returns the write error
// (also WriteErr from then on); Stats.HeldBytes then tells how many bytes
// were lost. The file keeps whatever was written before: it plays up to
// there, like a file cut off by a crash.
func (s *Segment) Close(now time.Time) error {
	if s.closed {
		return ErrClosed
	}
	var errs []error
	if s.err == nil && s.started {
		if err := s.release(now, true); err == nil {
			// Up to now itself, to the nearest frame: no packet follows
			// whose place the lag baseline would have to leave free (as
			// Tick's fill does), and whatever the baseline says, the file
			// must end when the wall-clock time it covers ends.
			if err := s.tl.fillTo(oggopus.Samples(now.Sub(s.start)) + frameQuantum/2); err != nil {
				s.fail(err)
			}
		}
	}
	if s.err == nil {
		if err := s.ogg.Close(); err != nil {
			s.fail(err)
		}
	}
	errs = append(errs, s.err)
	if s.buf.Flush() != nil {
		errs = append(errs, fmt.Errorf("%w (%d bytes lost)", s.WriteErr(), s.buf.held()))
	}
	if s.file != nil {
		// What was written should reach the disk even if the rest could not.
		if err := s.file.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("capture: segment %q: sync: %w", s.name, err))
		}
		if err := s.file.Close(); err != nil {
			errs = append(errs, fmt.Errorf("capture: segment %q: close: %w", s.name, err))
		}
	}
	s.closed = true
	s.buf.release()
	return errors.Join(errs...)
}

func (s *Segment) usable() error {
	if s.closed {
		return ErrClosed
	}
	return s.err
}

func (s *Segment) fail(err error) error {
	if s.err == nil {
		s.err = fmt.Errorf("capture: segment %q: %w", s.name, err)
	}
	return s.err
}

// emit writes one frame to the Ogg stream; the timeline calls it.
func (s *Segment) emit(f oggopus.Frame) error {
	if err := s.ogg.WritePacket(f.Packet, f.Samples); err != nil {
		return err
	}
	if s.cfg.Sink != nil {
		s.cfg.Sink.Frame(f)
	}
	return nil
}

// moveStart moves the segment's start d samples earlier; the timeline calls
// it. Arrivals are counted from the start, so every one after this is d
// later, as the timeline expects.
func (s *Segment) moveStart(d int64) {
	s.start = s.start.Add(-oggopus.Duration(d))
	if s.cfg.Sink != nil {
		s.cfg.Sink.SegmentMoved(s.start)
	}
}

// newStream handles an SSRC change: what is held of the old stream is
// written, and the new one is placed by arrival time from its first packet.
func (s *Segment) newStream(now time.Time) error {
	if err := s.release(now, true); err != nil {
		return err
	}
	s.seq, s.ts = unwrapper[uint16]{}, unwrapper[uint32]{}
	s.ro.restart()
	s.haveLast = false
	s.tl.reanchorNext = true
	s.stats.SequenceJumps++
	return nil
}

// settle fixes the segment's start from the packets held so far (see
// Segment) and tells the sink.
func (s *Segment) settle() {
	s.settled = true
	s.start = s.first
	if ref := s.ro.lowestAudio(); ref != nil {
		// off is how much earlier than the first packet's arrival the
		// reference packet would have come on the path's least delay
		// (negative) or later (positive: it was preceded by padding).
		off := int64(math.MaxInt64)
		s.ro.eachHeld(func(sl *slot) {
			if sl.n > 0 {
				off = min(off, oggopus.Samples(sl.arrival.Sub(s.first))-(sl.uts-ref.uts))
			}
		})
		back := max(min(off, 0), -oggopus.Samples(settleAfter))
		s.start = s.first.Add(oggopus.Duration(back))
		s.tl.firstAt, s.tl.firstTS, s.tl.haveFirstAt = off-back, ref.uts, true
	}
	if s.cfg.Sink != nil {
		s.cfg.Sink.SegmentStarted(s.start)
	}
}

// advance releases what can be released and flushes if due.
func (s *Segment) advance(now time.Time) error {
	if err := s.release(now, false); err != nil {
		return err
	}
	s.maybeFlush(now)
	return nil
}

// release writes every packet the reorder buffer lets go by now; force gives
// up on all missing packets (draining).
func (s *Segment) release(now time.Time, force bool) error {
	if !s.settled {
		if !force && now.Sub(s.first) < settleAfter {
			return nil
		}
		s.settle()
	}
	for {
		for sl := s.ro.head(); sl != nil; sl = s.ro.head() {
			queued, wait := s.queued(sl, now, force)
			if wait {
				return nil
			}
			s.ro.pop()
			if err := s.process(sl, queued); err != nil {
				return s.fail(err)
			}
		}
		if !s.ro.skipIfExpired(now, force) {
			return nil
		}
	}
}

// queued tells whether the next packet, sl, arrived late because it sat in
// a queue with the packets after it (see arrivingPacket.queued), and
// whether to keep it a little longer to find out: only a packet late enough
// to re-anchor needs to know. A queue drains faster than real time: its
// packets come right behind each other, or, from a starved sender or a
// loaded SFU catching up, a few milliseconds apart; a sender whose clock
// stood still sends its next packets one frame apart. One follower that
// came within a quarter of the RTP spacing settles it; otherwise up to
// burstFollowers of them are waited for (as long as they keep coming), and
// arrivals that took less than 85% of their RTP span are a queue: over 200
// ms of packets, a sender's jitter rarely shortens the span by 30 ms, and a
// drain at even 1.2 times real time does. Between 85% and 96% it waits for
// up to drainFollowers, a second of packets, over which jitter shortens
// the span by 3% at most and a drain at 1.05 times real time by 5%. A
// slower drain taken for a sender resuming is placed by arrival, and then
// loses a frame each time the drain gains one on real time. That is how
// one room lost 22 frames in a 100-room LiveKit run; a later run, with
// this rule, still lost 23 in one room the same way, so some stalls drain
// slower still or end otherwise.
func (s *Segment) queued(sl *slot, now time.Time, force bool) (queued, wait bool) {
	if sl.n == 0 || !s.tl.wouldReanchor(sl.uts, oggopus.Samples(sl.arrival.Sub(s.start))) {
		return false, false
	}
	queued, wait, k, last := s.drains(sl, now, force, burstFollowers, 85)
	if queued || wait || k < burstFollowers || !fasterThan(sl, last, 96) {
		return queued, wait
	}
	queued, wait, _, _ = s.drains(sl, now, force, drainFollowers, 96)
	return queued, wait
}

// drains looks at up to n packets after sl, as queued does, and tells
// whether they arrived in less than pct% of their RTP span, whether to
// wait for more of them, how many it saw and the last of those.
func (s *Segment) drains(sl *slot, now time.Time, force bool, n int, pct int64) (queued, wait bool, k int, last *slot) {
	frame := time.Duration(sl.samples) * time.Second / oggopus.SampleRate
	last, ended := sl, false
	for nx := s.ro.follower(sl.useq); nx != nil && k < n; nx = s.ro.follower(nx.useq) {
		spacing, gap := nx.uts-last.uts, oggopus.Samples(nx.arrival.Sub(last.arrival))
		if spacing <= 0 || spacing > maxBurstSpacing {
			// DTX or a jump: what comes after says nothing of a queue.
			ended = true
			break
		}
		if k == 0 && 4*gap < spacing {
			return true, false, 1, nx
		}
		k, last = k+1, nx
	}
	if !ended && k < n && !force && now.Sub(sl.arrival) < time.Duration(k+1)*frame+burstWait {
		return false, true, k, last
	}
	return k >= 2 && fasterThan(sl, last, pct), false, k, last
}

// fasterThan tells whether the packets from a to b arrived in less than
// pct% of the time their RTP times span.
func fasterThan(a, b *slot, pct int64) bool {
	spacing, span := b.uts-a.uts, oggopus.Samples(b.arrival.Sub(a.arrival))
	return 100*span < pct*spacing
}

func (s *Segment) process(sl *slot, queued bool) error {
	var lost int64
	if s.haveLast {
		lost = sl.useq - s.lastUseq - 1
	}
	s.lastUseq, s.haveLast = sl.useq, true
	if sl.n == 0 {
		return nil // padding placeholder: only keeps the sequence contiguous
	}
	return s.tl.place(arrivingPacket{
		uts:     sl.uts,
		arr:     oggopus.Samples(sl.arrival.Sub(s.start)),
		data:    sl.payload(),
		samples: sl.samples,
		lost:    lost,
		queued:  queued,
	})
}

// maybeFlush writes the buffer out if FlushInterval has passed since the
// last time; a failure leaves the pages held for the next time.
func (s *Segment) maybeFlush(now time.Time) {
	if d := now.Sub(s.lastFlush); d >= 0 && d < s.cfg.FlushInterval {
		return
	}
	s.lastFlush = now
	s.buf.Flush()
}
