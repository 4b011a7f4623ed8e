package capture

import "github.com/samvad/samvad/oggopus"

// lagBucket is half the window over which the lag baseline is the minimum.
// The minimum falls at once when a packet comes faster than any in the
// window (the file must not run late), but rises only when the whole window
// has been slower: that is what follows a sender whose clock is slower than
// ours (real clocks drift by 0.01%, 0.4 ms over the window), and what a
// passing delay must not do. A recorder beside a loaded SFU on a busy
// machine reads every packet 15 to 35 ms late for a second or two at a
// time; with a shorter window the baseline followed that, put silence in,
// and dropped audio to catch up when the delay passed (most of what the
// 100-room LiveKit bench lost; TestTimelineLoadedReader).
const lagBucket = 2 * oggopus.SampleRate

// lagTracker estimates how far, in samples, the arrival clock is ahead of the
// written timeline: lag = arrival-implied position - RTP-implied position.
// Network jitter only ever delays packets, so the minimum over a sliding
// window is the lag of an undelayed packet; it moves when the sender's clock
// drifts against ours or when sender time jumps, not with jitter. The window
// is two buckets of lagBucket so updating is O(1) and allocation-free.
type lagTracker struct {
	start     int64 // arrival (samples) at which the current bucket began
	cur, prev int64 // minimum lag in the current and previous bucket
	have      bool
}

func (l *lagTracker) add(at, lag int64) {
	switch {
	case !l.have:
		l.start, l.cur, l.prev, l.have = at, lag, lag, true
	case at-l.start >= 2*lagBucket:
		// After a long gap (DTX, pause) keep the old baseline around for one
		// more bucket rather than trusting one possibly delayed packet.
		l.prev, l.cur, l.start = min(l.cur, l.prev), lag, at
	case at-l.start >= lagBucket:
		l.prev, l.cur, l.start = l.cur, lag, l.start+lagBucket
	default:
		l.cur = min(l.cur, lag)
	}
}

// base is the current lag baseline; 0 before the first packet.
func (l *lagTracker) base() int64 {
	if !l.have {
		return 0
	}
	return min(l.cur, l.prev)
}

// shift moves every recorded lag by d: when the timeline moves its RTP
// anchor by -d, the lag of every past packet measured against the new anchor
// changes by d.
func (l *lagTracker) shift(d int64) {
	l.cur += d
	l.prev += d
}
