package main

// Leading and trailing silence of espeak-ng's output is cut down to
// edgePad so that a clip is the sentence, not a second of nothing; what
// counts as sound is anything above edgeThreshold (about -46 dBFS).
const (
	edgeThreshold = 0.005
	edgePad       = 0.08 // seconds kept before the first and after the last sound
	clipPeak      = 0.7  // peak after normalizing, about -3 dBFS
)

// trim cuts the silence at both ends of pcm, keeping edgePad of it.
func trim(pcm []float32, rate int) []float32 {
	first, last := -1, -1
	for i, v := range pcm {
		if v > edgeThreshold || v < -edgeThreshold {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	pad := int(edgePad * float64(rate))
	return pcm[max(first-pad, 0):min(last+pad+1, len(pcm))]
}
