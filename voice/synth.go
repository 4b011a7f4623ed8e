package voice

import (
	"math"
	"math/rand/v2"
	"time"
)

// Synth is a voice-like babble lasting d (rounded up to whole frames),
// for rooms without a clip: phrases of syllables at about four a second,
// voiced at a pitch that drifts between 100 and 220 Hz, with pauses
// between phrases. It is no language, but it has what a recorder, a
// speaking detector and a listener's ear expect of speech: a pitch, moving
// formants, a syllable rhythm and pauses.
//
// The same seed always gives the same packets. It is rendered and encoded
// here, once, at about 20 ms of CPU per second of audio: share the result
// between rooms (a few seeds are enough for hundreds of rooms) rather than
// calling Synth per room and per turn.
func Synth(seed int64, d time.Duration) Utterance {
	pcm := make([]float32, framesFor(d)*FrameSamples)
	newSynth(seed).render(pcm)
	fadeOut(pcm, SampleRate/100)
	Normalize(pcm, synthPeak)
	return mustEncode(pcm, speechProfile)
}

const (
	synthPeak   = 0.5   // output peak after normalizing, -6 dBFS
	minPitch    = 100.0 // Hz, the bounds the drifting pitch stays within
	maxPitch    = 220.0
	blockLen    = 48   // samples (1 ms) between updates of pitch and formants
	formantGlue = 0.06 // per block: how fast formants glide to a new vowel
)

// numVowels is how many vowels vowelFormants knows.
const numVowels = 5

// vowelFormants are rough formant frequencies (F1, F2, F3, Hz) of a, i, u,
// e, o: a syllable glides towards one, which is what makes the babble sound
// like talk rather than a buzz. A function, not a table variable, so the
// package keeps no mutable state.
func vowelFormants(i int) [3]float64 {
	return [numVowels][3]float64{
		{730, 1090, 2440},
		{270, 2290, 3010},
		{300, 870, 2240},
		{530, 1840, 2480},
		{570, 840, 2410},
	}[i]
}

// formantBandwidth is the bandwidth (Hz) of the k-th formant resonator.
func formantBandwidth(k int) float64 { return [3]float64{80, 100, 140}[k] }

// synth holds one voice's state while it renders.
type synth struct {
	rng   *rand.Rand
	pitch float64 // speaker's base pitch, Hz
	size  float64 // formant scale: a smaller vocal tract has higher formants

	phase    float64    // glottal cycle position, 0..1
	formants [3]float64 // current formant frequencies
	res      [3]resonator
	prevFlow float64
}

func newSynth(seed int64) *synth {
	// PCG from the seed: math/rand/v2's generators are specified, so the
	// same seed renders the same PCM on every platform and Go release.
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73616d766164)) // "samvad"
	s := &synth{
		rng:   rng,
		pitch: 110 + 70*rng.Float64(),
		size:  0.9 + 0.25*rng.Float64(),
	}
	s.formants = s.vowel(rng.IntN(numVowels))
	return s
}

func (s *synth) vowel(i int) [3]float64 {
	v := vowelFormants(i)
	return [3]float64{v[0] * s.size, v[1] * s.size, v[2] * s.size}
}

// render fills pcm with phrases and pauses until it is full.
func (s *synth) render(pcm []float32) {
	pos := int(s.uniform(0.1, 0.3) * SampleRate) // a breath before the first word
	for pos < len(pcm) {
		pos = s.phrase(pcm, pos)
		pos += int(s.uniform(0.35, 0.9) * SampleRate) // the pause after it
	}
}

// phrase renders 3 to 9 syllables from pos and returns where it ended.
func (s *synth) phrase(pcm []float32, pos int) int {
	syllables := 3 + s.rng.IntN(7)
	start := pos
	var length int
	lens := make([]int, syllables)
	for i := range lens {
		lens[i] = int(s.uniform(0.18, 0.3) * SampleRate)
		length += lens[i]
	}
	// Intonation: a phrase starts high and falls (declination), with a
	// slow wobble on top; the speaker's base pitch sets where it sits.
	wobbleHz, wobblePhase := s.uniform(0.5, 1.2), s.uniform(0, 2*math.Pi)
	for _, n := range lens {
		target := s.vowel(s.rng.IntN(numVowels))
		loud := s.uniform(0.55, 1)
		for i := 0; i < n && pos < len(pcm); i += blockLen {
			t := float64(pos-start) / float64(length)
			pitch := s.pitch * (1.2 - 0.35*t) * (1 + 0.08*math.Sin(wobblePhase+2*math.Pi*wobbleHz*float64(pos-start)/SampleRate))
			pitch = min(max(pitch, minPitch), maxPitch)
			for k := range s.formants {
				s.formants[k] += formantGlue * (target[k] - s.formants[k])
				s.res[k].tune(s.formants[k], formantBandwidth(k))
			}
			for j := 0; j < blockLen && i+j < n && pos < len(pcm); j++ {
				x := float64(i+j) / float64(n)
				// The syllable's envelope: a smooth rise and fall, so the
				// level moves at the syllable rate like speech does.
				sin := math.Sin(math.Pi * x)
				env := loud * sin * math.Sqrt(sin)
				src := s.glottal(pitch) + 0.03*s.rng.NormFloat64() // a little breath
				pcm[pos] = float32(env * s.filter(src))
				pos++
			}
		}
	}
	return pos
}

// glottal advances the glottal source by one sample: the derivative of a
// Rosenberg pulse (the air flow through the vocal folds), whose sharp
// closure gives voiced speech its harmonics.
func (s *synth) glottal(pitch float64) float64 {
	const open, closing = 0.4, 0.16 // fractions of the period
	s.phase += pitch / SampleRate
	s.phase -= math.Floor(s.phase)
	var flow float64
	switch p := s.phase; {
	case p < open:
		flow = 0.5 * (1 - math.Cos(math.Pi*p/open))
	case p < open+closing:
		flow = math.Cos(math.Pi / 2 * (p - open) / closing)
	}
	d := flow - s.prevFlow
	s.prevFlow = flow
	return d * 8
}

// filter runs the source through the formant resonators in cascade, as the
// vocal tract does.
func (s *synth) filter(x float64) float64 {
	for k := range s.res {
		x = s.res[k].step(x)
	}
	return x
}

func (s *synth) uniform(lo, hi float64) float64 { return lo + (hi-lo)*s.rng.Float64() }

// resonator is a two-pole filter with unit gain at DC, one formant.
type resonator struct {
	a1, a2, gain float64
	y1, y2       float64
}

func (r *resonator) tune(freq, bandwidth float64) {
	rad := math.Exp(-math.Pi * bandwidth / SampleRate)
	r.a1 = 2 * rad * math.Cos(2*math.Pi*freq/SampleRate)
	r.a2 = -rad * rad
	r.gain = 1 - r.a1 - r.a2
}

func (r *resonator) step(x float64) float64 {
	y := r.gain*x + r.a1*r.y1 + r.a2*r.y2
	r.y2, r.y1 = r.y1, y
	return y
}

// fadeOut ramps the last n samples of pcm down to zero: the end of d may
// cut a syllable, and a player loops straight into silence after it.
func fadeOut(pcm []float32, n int) {
	n = min(n, len(pcm))
	for i := range n {
		pcm[len(pcm)-1-i] *= float32(i) / float32(n)
	}
}

// Normalize scales pcm so that its peak is peak; silence stays silence.
func Normalize(pcm []float32, peak float32) {
	var top float32
	for _, v := range pcm {
		top = max(top, v, -v)
	}
	if top == 0 {
		return
	}
	g := peak / top
	for i := range pcm {
		pcm[i] *= g
	}
}
