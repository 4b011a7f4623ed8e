package main

import "math"

// resample converts pcm from one sample rate to another with a windowed
// sinc filter. Slow (it evaluates the kernel for every tap) but exact
// enough and short: it runs once per clip, on a few seconds of audio.
// The cutoff sits a little below the lower rate's Nyquist frequency so
// that nothing aliases, whichever way the conversion goes.
func resample(pcm []float32, from, to int) []float32 {
	if from == to {
		return append([]float32(nil), pcm...)
	}
	// Zero crossings of the kernel on each side: its length and sharpness.
	const zeroCrossings = 16
	// The cutoff as a fraction of the input's Nyquist frequency, and the
	// kernel's half length in input samples.
	cutoff := 0.95 * math.Min(1, float64(to)/float64(from))
	half := float64(zeroCrossings) / cutoff
	step := float64(from) / float64(to)
	out := make([]float32, int(float64(len(pcm))*float64(to)/float64(from)))
	for j := range out {
		t := float64(j) * step // the output sample's time, in input samples
		lo := max(int(math.Ceil(t-half)), 0)
		hi := min(int(math.Floor(t+half)), len(pcm)-1)
		var sum float64
		for k := lo; k <= hi; k++ {
			u := t - float64(k)
			sum += float64(pcm[k]) * cutoff * sinc(cutoff*u) * blackman(u/half)
		}
		out[j] = float32(sum)
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the Blackman window on [-1, 1], zero outside.
func blackman(x float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	p := math.Pi * (x + 1) // 0..2π across the window
	return 0.42 - 0.5*math.Cos(p) + 0.08*math.Cos(2*p)
}
