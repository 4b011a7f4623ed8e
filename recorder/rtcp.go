package recorder

import "time"

// senderReports remembers the last RTCP sender report of the stream.
type senderReports struct {
	have bool
	ntp  uint64 // NTP timestamp, 32.32 fixed point seconds
	rtp  uint32
	// mediaOff is how far the reported RTP time ran ahead of the last
	// packet's timestamp beyond the time since that packet arrived; a
	// sender may keep a constant offset, only a change means a jump.
	mediaOff int64
	haveOff  bool
}

// srJump is how far two clocks may disagree before it counts as a jump,
// beside 0.5% of the interval for honest drift.
const srJump = 40 * SampleRate / 1000

func srTolerance(interval int64) int64 {
	return srJump + max(interval, -interval)/200
}

// SenderReport feeds an RTCP sender report of the stream: its NTP and RTP
// timestamps (pion/rtcp SenderReport.NTPTime and RTPTime) and when it
// arrived. It is optional, and checks two things a report can reveal:
//
//   - between two reports, RTP time should advance as the sender's wall
//     clock (NTP) does; senders whose reports follow a paused track's frozen
//     timestamps fail this;
//   - a report's RTP time should run ahead of the last packet's timestamp
//     by the time since that packet arrived, give or take a constant; senders
//     that keep the RTP clock running in reports but froze the packets'
//     timestamps (or jumped them) change that constant.
//
// Either failure counts in Stats.ClockJumps, for the record only. Placement
// does not act on it: the reports a recorder gets are written by the relay
// from its own send times, so a path whose delay changes looks the same as
// a clock that jumped, and moving audio on that evidence cost a congested
// meeting a third of its audio in a load test. A sender whose clock stood
// still is placed by arrival once silence has filled its pause (Tick), or
// followed by the drift correction when the pause was too short for that.
func (s *Segment) SenderReport(ntp uint64, rtpTS uint32, arrival time.Time) {
	jump := false
	if r := &s.sr; r.have {
		elapsed := ntpSamples(int64(ntp - r.ntp))
		if d := int64(int32(rtpTS-r.rtp)) - elapsed; d > srTolerance(elapsed) || d < -srTolerance(elapsed) {
			jump = true
		}
	}
	if s.haveMedia {
		since := samplesOf(arrival.Sub(s.mediaArr))
		off := int64(int32(rtpTS-s.mediaTS)) - since
		if d := off - s.sr.mediaOff; s.sr.haveOff && (d > srTolerance(since) || d < -srTolerance(since)) {
			jump = true
		}
		s.sr.mediaOff, s.sr.haveOff = off, true
	}
	if jump {
		s.stats.ClockJumps++
	}
	s.sr.have, s.sr.ntp, s.sr.rtp = true, ntp, rtpTS
}

// ntpSamples converts a 32.32 fixed-point NTP interval to 48 kHz samples
// without overflowing for intervals up to decades.
func ntpSamples(d int64) int64 {
	neg := d < 0
	if neg {
		d = -d
	}
	u := uint64(d)
	n := int64((u>>32)*SampleRate + ((u&0xffffffff)*SampleRate)>>32)
	if neg {
		return -n
	}
	return n
}
