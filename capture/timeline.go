package capture

import (
	"github.com/thesyncim/gopus"

	"github.com/samvad/samvad/oggopus"
)

// Thresholds of the placement logic, in 48 kHz samples.
const (
	// plcMaxGap is the longest loss filled with concealment; longer gaps
	// are an outage and get silence rather than a droning extrapolation.
	plcMaxGap = 60 * oggopus.SampleRate / 1000
	// reanchorLag: when a packet's arrival disagrees with its RTP time by
	// more than this (beyond the usual lag), the sender's RTP clock stood
	// still or jumped (a paused track, a restarted encoder), so the packet
	// is placed by arrival, if lateBeyondDelay agrees. Smaller
	// disagreements are jitter, or a short pause that the drift
	// correction absorbs within its budget.
	reanchorLag = 250 * oggopus.SampleRate / 1000
	// softDrift: beyond this lag, gaps being filled anyway (DTX, silence)
	// are lengthened or shortened to follow the wall clock.
	softDrift = 5 * oggopus.SampleRate / 1000
	// hardDrift: beyond this lag, correct at once, with silence if behind
	// (within the budget below) or by dropping the frame at hand if ahead.
	hardDrift = 10 * oggopus.SampleRate / 1000
	// pauseLag: a packet that comes after this long without any, later
	// than its RTP time says by more than reanchorLag and not in a burst,
	// resumes a sender whose clock stood still while it paused
	// (replaceTrack(null), a muted pion sender); a path that held packets
	// gives itself away by delivering them all at once.
	pauseLag = 400 * oggopus.SampleRate / 1000
	// maxQueueLag: a packet this much later than its RTP time says is not
	// merely late: no network path or reader holds two seconds of audio
	// and then carries on. The sender's clock stood still.
	maxQueueLag = 2 * oggopus.SampleRate
	// driftRate and driftCap bound the hard drift corrections that put
	// silence into audio because packets come later than their RTP times
	// say. Real clocks drift by 0.01%; a path whose delay grows and
	// shrinks by hundreds of milliseconds (a congested uplink, a stalled
	// reader) looks like drift to the lag baseline for a while, and
	// following it at once would put silence where the delay grew and
	// then, when it shrank, drop as much audio to get back. So silence may
	// go in up to driftCap at once and then 2 ms per second of arrivals
	// (0.2%): real drift is followed, a passing delay costs at most about
	// driftCap of audio, and gaps (DTX, loss) still absorb any lag without
	// touching audio.
	driftRate = 2                                     // milli-samples per sample of arrival time
	driftCap  = 40 * oggopus.SampleRate / 1000 * 1000 // milli-samples
	// startLeadFor and maxStartMove: in a connection's first seconds, a
	// file that runs ahead of the wall clock does so because its start
	// was placed late, not because a clock drifted (0.01%, a millisecond
	// in ten seconds): the packets the segment settled on were all slower
	// than the ones that followed. An SFU's subscription runs slow for a
	// second or two, and a recorder busy with a whole meeting joining at
	// once reads a new track's first packets late and then drains them
	// from its buffer in a burst (the 100-room LiveKit bench: leads of
	// 11–16 ms in nearly every room, and up to 600 ms in a few). Within
	// startLeadFor of its first packet, the segment moves its start back
	// by the lead instead of dropping audio to catch up, as long as
	// nothing was placed off the sender's clock (timeline.byRTP): the
	// file keeps every frame and is placed better. No queue holds more
	// than maxQueueLag, so a start found earlier than that is a sender
	// whose clock runs fast, and its lead costs frames as drift does.
	startLeadFor = 10 * oggopus.SampleRate
	maxStartMove = maxQueueLag
)

// emitter receives the frames the timeline writes, in order, and moves of
// the start they are placed from.
type emitter interface {
	emit(f oggopus.Frame) error
	// moveStart moves position 0 d samples earlier on the wall clock.
	// What was written keeps its positions: the whole file moves.
	moveStart(d int64)
}

// arrivingPacket is a packet released by the reorder buffer.
type arrivingPacket struct {
	uts     int64  // unwrapped RTP timestamp
	arr     int64  // arrival, in samples since the segment's start
	data    []byte // Opus packet
	samples int    // its duration
	lost    int64  // sequence numbers given up on just before it
	// queued: the packet after it arrived right behind it, far sooner
	// than their RTP spacing. Both were held up together (a stalled
	// network path, or a reader that did not run) and came in a burst:
	// the sender's clock is right and the arrival is late, so a large
	// lag does not make it re-anchor, which would put silence where the
	// delay was and then drop the burst's audio to catch up.
	queued bool
}

// timeline decides where each packet goes in the file and what fills the
// space between: a pure state machine over sample counts with no clock and no
// I/O of its own, so its decisions are table-tested directly.
//
// Position 0 is the arrival of the first packet. A packet's RTP timestamp
// maps to a position through an anchor (a timestamp and the position it was
// written at); arrival maps to a position through the lag baseline. The two
// agree up to jitter; when they disagree by a lot, arrival wins (re-anchor);
// when they drift apart slowly, silence is added or a frame dropped.
type timeline struct {
	out   emitter
	stats *Stats
	sil   oggopus.Silence
	plc   [1]byte // TOC-only concealment packet matching the last audio

	started, haveTOC    bool
	pos                 int64 // samples written
	anchorTS, anchorPos int64
	lag                 lagTracker

	reanchorNext bool // place the next packet by arrival (new SSRC)
	// sound: a packet other than digital silence has been placed. An SFU
	// may send its own blank frames (oggopus.IsSilence) before the first
	// real packet, with timestamps of its own making: LiveKit's put a
	// subscription's first audio 40–60 ms off, which the drift correction
	// then took seconds to follow. The first sound is placed by its arrival.
	sound bool

	// firstAt, if haveFirstAt, is where the packet with RTP time firstTS
	// goes: its place on the path's least delay, which the segment worked
	// out from the packets it held while settling. The first packet is
	// placed by it; without it, at its arrival.
	firstAt, firstTS int64
	haveFirstAt      bool

	lastArr int64 // the latest arrival placed
	// byRTP: every packet so far went where the first sound's RTP time
	// says: nothing was placed by arrival (a re-anchor), after what was
	// written (an overlap) or dropped, and no silence went in for a lag.
	// Only then does a lead say that the start was placed late, and moving
	// the start place everything better; otherwise the audio before would
	// land early. (Gaps the arrivals shortened keep the file on them.)
	byRTP bool

	budget    int64 // milli-samples of silence the drift correction may put in now
	budgetArr int64 // arrival up to which budget has been accrued
}

func newTimeline(out emitter, stats *Stats) timeline {
	return timeline{out: out, stats: stats, sil: oggopus.NewSilence()}
}

func (t *timeline) place(p arrivingPacket) error {
	if !t.started {
		// Normally the segment's first packet goes at 0; if only padding
		// or invalid packets came before, start with silence (what Tick has
		// not written yet) so the first audio still sits at its arrival.
		t.started = true
		at, settled := p.arr, false
		if a := t.firstAt + p.uts - t.firstTS; t.haveFirstAt && a <= p.arr && p.arr-a <= reanchorLag {
			// (A packet whose RTP time puts it elsewhere is not the one
			// the segment settled on: it goes by its arrival.)
			at, settled = a, true
		}
		if err := t.silence(max(0, at/frameQuantum*frameQuantum-t.pos)); err != nil {
			return err
		}
		t.anchorTS, t.anchorPos = p.uts, t.pos
		lag := p.arr - t.pos
		if settled {
			// The least delay over the settling packets, which this one
			// may well not have had: by the choice of firstAt, it puts
			// the fastest of them right at its place.
			lag = at - t.pos
		}
		t.lag.add(p.arr, lag)
		t.lastArr = p.arr
		t.budget, t.budgetArr = driftCap, p.arr
		t.byRTP = true
		t.sound = !oggopus.IsSilence(p.data)
		return t.audio(p)
	}
	if p.arr > t.budgetArr {
		t.budget = min(driftCap, t.budget+(p.arr-t.budgetArr)*driftRate)
		t.budgetArr = p.arr
	}
	rtpPos := t.anchorPos + (p.uts - t.anchorTS)
	base := t.lag.base()
	dev := p.arr - rtpPos - base
	soundStarts := !t.sound && !oggopus.IsSilence(p.data)
	t.sound = t.sound || soundStarts
	force := t.reanchorNext || soundStarts
	t.reanchorNext = false
	// A packet much later than its RTP time says is placed by arrival only
	// when its RTP place is already written (silence went in while the
	// sender sent nothing) or when it is later than any queue holds;
	// otherwise it is taken as delayed, its RTP time trusted, and a lasting
	// shift left to the drift correction. Sender reports do not lower this:
	// the recorder's come from the relay, from its own send times, so they
	// show the delay of the path to the relay changing as much as any
	// sender's clock standing still.
	late := !p.queued && t.lateBeyondDelay(rtpPos, dev, p.arr)
	t.lastArr = max(t.lastArr, p.arr)
	if force || late || dev < -reanchorLag {
		// Place the packet where its arrival says, keeping the usual lag:
		// the new anchor maps its RTP time to its arrival, never to
		// wherever the file happens to end. When that place is already
		// written (the reorder buffer released it after a packet that
		// arrived later), the gap handling below drops it as late or
		// writes it right after, as for any packet whose time has passed;
		// anchoring it at the end of the file instead would record a lag
		// no packet had, and the baseline would then move the rest of the
		// segment, and Close's fill, off the wall clock.
		at := t.pos + oggopus.Quantize(p.arr-base-t.pos)
		if err := t.silence(max(0, at-t.pos)); err != nil {
			return err
		}
		switch {
		case force:
		case dev > 0:
			t.stats.Reanchors++
		default:
			t.stats.TimestampJumps++
		}
		t.anchorTS, t.anchorPos = p.uts, at
		// Only silence went before the first sound: moving the start
		// later moves nothing anyone hears.
		t.byRTP = soundStarts
		rtpPos = at
	}
	t.lag.add(p.arr, p.arr-rtpPos)
	base = t.lag.base()

	switch gap := rtpPos - t.pos; {
	case gap < 0 && rtpPos+int64(p.samples) <= t.pos:
		// Its time is already written (e.g. as silence while it was late).
		if oggopus.IsSilence(p.data) {
			t.stats.FillerDropped++
		} else {
			t.stats.LateDropped++
		}
		return nil
	case gap < 0:
		// It overlaps what is written: it would go right after, that much
		// ahead of the wall clock. The drift rule below weighs that against
		// dropping it, with the lag the shift leaves.
		t.shiftAnchor(-gap)
		t.byRTP = false
	case gap > 0:
		if err := t.fillGap(gap, p.lost, base); err != nil {
			return err
		}
		if d := t.pos - rtpPos; d != 0 {
			t.shiftAnchor(d)
		}
	}
	base = t.lag.base()

	switch {
	case base < -hardDrift && t.byRTP && p.arr < startLeadFor && t.stats.StartMovedSamples-base <= maxStartMove:
		t.moveStart(-base)
	case base > hardDrift && t.budget >= frameQuantum*1000:
		ins := min(oggopus.Quantize(base), t.budget/1000/frameQuantum*frameQuantum)
		if err := t.silence(ins); err != nil {
			return err
		}
		t.shiftAnchor(ins)
		t.byRTP = false
		t.budget -= ins * 1000
		t.stats.DriftCorrections++
	case base < -hardDrift && -2*base >= int64(p.samples):
		// Ahead of the wall clock by at least half this frame: dropping
		// it brings us closer. Not budgeted: being ahead comes from real
		// drift or from silence put in before (which the budget bounds),
		// and the file must not run ahead of the wall clock. (Waiting for
		// a 5 ms gain before dropping, tried in 373b96e, saved a few
		// frames a run; it was taken back when TestDemoOnLiveKit missed
		// rooms' leaves, which turned out to be livekit-server losing
		// leaves sent in the same millisecond, not this rule.)
		t.shiftAnchor(-int64(p.samples))
		t.byRTP = false
		t.stats.DriftCorrections++
		if oggopus.IsSilence(p.data) {
			t.stats.FillerDropped++
		} else {
			t.stats.DriftDropped++
		}
		return nil
	}
	return t.audio(p)
}

// wouldReanchor reports whether place would put a packet with RTP time uts
// arriving at arr (both as in arrivingPacket) by its arrival for being that
// late, unless it is marked queued. The owner then looks at the packet
// after it before deciding.
func (t *timeline) wouldReanchor(uts, arr int64) bool {
	if !t.started || t.reanchorNext {
		return false
	}
	rtpPos := t.anchorPos + uts - t.anchorTS
	return t.lateBeyondDelay(rtpPos, arr-rtpPos-t.lag.base(), arr)
}

// lateBeyondDelay reports whether a packet whose RTP time puts it at rtpPos,
// arriving dev samples later than the lag baseline says, is late because the
// sender's clock stood still rather than because the path delayed it: its
// place is already written (silence filled a quiet sender's pause), nothing
// arrived for pauseLag before it (a sender resuming; a path that held
// packets delivers them in a burst, which the caller rules out first), or
// it is later than any queue holds. Only then is it placed by arrival. A
// path whose delay grows while packets keep coming is none of these: its
// packets keep their RTP places, and the drift correction follows.
func (t *timeline) lateBeyondDelay(rtpPos, dev, arr int64) bool {
	return dev > reanchorLag && (rtpPos < t.pos || arr-t.lastArr >= pauseLag || dev > maxQueueLag)
}

// fillGap fills gap samples before a packet: concealment for a short loss,
// silence otherwise, adjusting silence by the lag when it has drifted.
func (t *timeline) fillGap(gap, lost, base int64) error {
	if lost > 0 && gap <= plcMaxGap && t.haveTOC {
		frame := int64(gopus.ParseTOC(t.plc[0]).FrameSize)
		for ; gap >= frame; gap -= frame {
			if err := t.write(oggopus.Frame{Packet: t.plc[:], Samples: int(frame), Kind: oggopus.FramePLC}); err != nil {
				return err
			}
			t.stats.FramesConcealed++
		}
		return t.silence(oggopus.Quantize(gap))
	}
	if base > softDrift || base < -softDrift {
		gap = max(0, gap+base)
		t.stats.DriftCorrections++
	}
	return t.silence(oggopus.Quantize(gap))
}

// fillTo writes silence up to target (rounded down to whole frames) when the
// sender has gone quiet, so the file keeps pace with the wall clock. Position
// 0 is the segment's start even before any audio has come (only padding or
// invalid packets), so that time is filled as well.
func (t *timeline) fillTo(target int64) error {
	if target <= t.pos {
		return nil
	}
	return t.silence((target - t.pos) / frameQuantum * frameQuantum)
}

// moveStart moves the start d samples earlier (see startLeadFor). Every
// arrival, counted from the start, is then d later, and so is every lag the
// baseline holds: the lead it measured is gone.
func (t *timeline) moveStart(d int64) {
	t.lag.start += d
	t.lag.shift(d)
	t.lastArr += d
	t.budgetArr += d
	t.stats.StartMovedSamples += d
	t.out.moveStart(d)
}

// shiftAnchor moves the RTP-to-position mapping by d samples.
func (t *timeline) shiftAnchor(d int64) {
	t.anchorPos += d
	t.lag.shift(-d)
}

func (t *timeline) audio(p arrivingPacket) error {
	if err := t.write(oggopus.Frame{Packet: p.data, Samples: p.samples, Kind: oggopus.FrameAudio}); err != nil {
		return err
	}
	t.plc[0], t.haveTOC = oggopus.ConcealmentTOC(p.data[0]), true
	return nil
}

// silence writes n samples (a multiple of frameQuantum) of silence.
func (t *timeline) silence(n int64) error {
	for n > 0 {
		pkt, k := t.sil.Next(n)
		if err := t.write(oggopus.Frame{Packet: pkt, Samples: k, Kind: oggopus.FrameSilence}); err != nil {
			return err
		}
		t.stats.SilenceSamples += int64(k)
		n -= int64(k)
	}
	return nil
}

func (t *timeline) write(f oggopus.Frame) error {
	f.Pos = t.pos
	if err := t.out.emit(f); err != nil {
		return err
	}
	t.pos += int64(f.Samples)
	t.stats.SamplesWritten = t.pos
	return nil
}
