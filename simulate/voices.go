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

// The utterances every run shares, made on first use: they are immutable,
// and making them costs CPU (a synthesized voice, 60 ms; the room tone,
// 20 ms) that no run should pay twice.
var (
	synthOnce [synthVoices]sync.Once
	synth     [synthVoices]voice.Utterance

	roomTone = sync.OnceValues(func() (voice.Utterance, error) {
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
	})
)

// speech is what the room says: its embedded Hindi clip, or else one of
// the shared synthesized voices, picked by its id so that it is always the
// same one.
func speech(room string) voice.Utterance {
	if u, ok := voice.Clip(room); ok {
		return u
	}
	h := fnv.New32a()
	h.Write([]byte(room))
	i := h.Sum32() % synthVoices
	synthOnce[i].Do(func() { synth[i] = voice.Synth(int64(i+1), synthLength) })
	return synth[i]
}

// Prepare makes, ahead of time, every utterance the script's rooms will
// play, so that Start begins at once: a caller that must start the rooms
// on cue (the demo, whose meeting starts when they do) calls it first.
func Prepare(s Script) error {
	if _, err := roomTone(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	for _, r := range s.Rooms {
		if !r.Absent && !r.Silent {
			speech(r.ID)
		}
	}
	return nil
}
