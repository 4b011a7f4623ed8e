package simulate

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/samvad/samvad/voice"
)

// synthVoices is how many synthesized voices rooms without a clip share:
// enough that neighbours sound different, few enough to render in a
// blink however many rooms there are.
const synthVoices = 4

// synthLength is one synthesized voice's length: about as long as a clip.
const synthLength = 3 * time.Second

// roomToneLevel is the RMS, in -dBov, of the noise a listening room sends:
// a real open microphone in a quiet hall, far below speech (20 to 40) and
// far from digital silence (127), which is what tells it apart from a
// room that sends only silence.
const roomToneLevel = 70

// voices are the utterances a run's rooms share: made once per Runner.
type voices struct {
	once   sync.Once
	err    error
	synth  [synthVoices]voice.Utterance
	tone   voice.Utterance
	silent voice.Utterance
}

func (v *voices) load() error {
	v.once.Do(func() {
		for i := range v.synth {
			v.synth[i] = voice.Synth(int64(i+1), synthLength)
		}
		v.tone, v.err = roomTone()
		v.silent = voice.Silence(voice.FrameDuration)
	})
	return v.err
}

// speech is what the room says: its embedded Hindi clip, or else one of
// the shared synthesized voices, picked by its id so that it is always the
// same one.
func (v *voices) speech(room string) voice.Utterance {
	if u, ok := voice.Clip(room); ok {
		return u
	}
	h := fnv.New32a()
	h.Write([]byte(room))
	return v.synth[h.Sum32()%synthVoices]
}

// roomTone is a second of quiet noise at roomToneLevel, looped by every
// listening room.
func roomTone() (voice.Utterance, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := make([]float32, voice.SampleRate)
	// Uniform noise in [-a, a] has an RMS of a/sqrt(3).
	a := math.Sqrt(3) * math.Pow(10, -roomToneLevel/20.0)
	for i := range pcm {
		pcm[i] = float32(a * (2*rng.Float64() - 1))
	}
	u, err := voice.Encode(pcm)
	if err != nil {
		return voice.Utterance{}, fmt.Errorf("encode room tone: %w", err)
	}
	return u, nil
}
