package mixer

import "math"

// limiterBlock is the limiter's resolution and look-ahead: 1 ms. The gain
// is set per block and ramps linearly across each, so it can fall from one
// to its new value within a millisecond (the attack), ahead of the peak
// that needs it, and never jumps from one sample to the next.
const limiterBlock = 48

// limiterDelay is how far the limiter's output lags its input: one block of
// look-ahead. The mix's pre-skip includes it, so the timeline is unchanged.
const limiterDelay = limiterBlock

// limiterRelease is the time constant with which the gain recovers towards
// one after a peak: slow enough not to pump within a syllable.
const limiterReleaseMs = 80

// gainSnap: a gain within 0.01 dB of one is one. Without it the
// exponential release would take over a second to reach exactly one, with
// every sample multiplied meanwhile.
const gainSnap = 1e-3

// limiter is a look-ahead peak limiter. Knot k is the gain at the start of
// block k and block k's samples are scaled by a ramp from knot k to knot
// k+1. Each knot is at most the gain both blocks next to it need (the
// ceiling over their peak), so every sample of every block ends up at or
// below the ceiling: the guarantee holds exactly, not on average. Knots rise
// back towards one no faster than the release allows.
type limiter struct {
	ceiling float32
	release float32 // fraction of the distance to 1 recovered per block
	gain    float32 // knot at the start of the delayed block
	need    float32 // gain the delayed block needs
	delayed [limiterBlock]float32
	buf     [limiterBlock + FrameSamples]float32
	needs   [FrameSamples/limiterBlock + 1]float32
	limited bool // the last frame had a gain below one
}

func newLimiter(ceiling float64) limiter {
	return limiter{
		ceiling: float32(ceiling),
		release: float32(1 - math.Exp(-1/float64(limiterReleaseMs))),
		gain:    1,
		need:    1,
	}
}

// process limits one frame: out gets the FrameSamples samples starting
// limiterDelay before in's first. silent tells that in is all zeros, and the
// result tells that out is.
func (l *limiter) process(in []float32, silent bool, out []float32) (outSilent bool) {
	const blocks = FrameSamples / limiterBlock
	buf := l.buf[:]
	copy(buf, l.delayed[:])
	if silent {
		clear(buf[limiterBlock:])
	} else {
		copy(buf[limiterBlock:], in[:FrameSamples])
	}
	delayedSilent := l.delayed == [limiterBlock]float32{}
	copy(l.delayed[:], buf[FrameSamples:])
	if silent && delayedSilent {
		clear(out[:FrameSamples])
		l.gain, l.need, l.limited = 1, 1, false
		return true
	}

	l.needs[0] = l.need
	loud := l.gain < 1 || l.need < 1
	for b := 1; b <= blocks; b++ {
		var peak float32
		for _, v := range buf[b*limiterBlock : (b+1)*limiterBlock] {
			peak = max(peak, abs32(v))
		}
		n := float32(1)
		if peak > l.ceiling {
			n, loud = l.ceiling/peak, true
		}
		l.needs[b] = n
	}
	if !loud {
		copy(out[:FrameSamples], buf[:FrameSamples])
		l.limited = false
		return false
	}
	g0, lowest := l.gain, l.gain
	for b := 0; b < blocks; b++ {
		g1 := min(l.needs[b], l.needs[b+1], g0+(1-g0)*l.release)
		if g1 > 1-gainSnap {
			g1 = 1 // back to unity: the fast path again
		}
		lowest = min(lowest, g1)
		step := (g1 - g0) / limiterBlock
		src, dst := buf[b*limiterBlock:(b+1)*limiterBlock], out[b*limiterBlock:(b+1)*limiterBlock]
		for i, v := range src {
			dst[i] = v * (g0 + step*float32(i))
		}
		g0 = g1
	}
	l.limited = lowest < 1
	l.gain, l.need = g0, l.needs[blocks]
	return false
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }
