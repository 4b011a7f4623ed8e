package recorder

// senderReports remembers the last RTCP sender report of the stream.
type senderReports struct {
	have bool
	ntp  uint64 // NTP timestamp, 32.32 fixed point seconds
	rtp  uint32
}

// srTolerance is how much RTP time may disagree with NTP time between two
// sender reports before it counts as a jump: the re-anchor threshold used
// after one, plus 0.5% of the interval for honest clock drift.
func srTolerance(elapsed int64) int64 {
	return reanchorLagSR + elapsed/200
}

// SenderReport feeds an RTCP sender report of the stream: its NTP and RTP
// timestamps (pion/rtcp SenderReport.NTPTime and RTPTime).
// Between two reports the sender's RTP clock should advance as its wall
// clock does; when it does not (a paused track whose timestamps stood still,
// an encoder restart) the next packet is placed by arrival time as soon as
// it disagrees with its RTP time by more than 40 ms, instead of the 250 ms
// needed without such evidence. Jumps are counted in Stats.ClockJumps.
// Calling it is optional.
func (s *Segment) SenderReport(ntp uint64, rtpTS uint32) {
	r := &s.sr
	if r.have {
		elapsed := ntpSamples(int64(ntp - r.ntp))
		d := int64(int32(rtpTS-r.rtp)) - elapsed
		if tol := srTolerance(max(elapsed, -elapsed)); d > tol || d < -tol {
			s.stats.ClockJumps++
			s.tl.looseNext = true
		}
	}
	r.have, r.ntp, r.rtp = true, ntp, rtpTS
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
