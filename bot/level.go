package bot

import (
	"math"

	"github.com/thesyncim/gopus"

	"github.com/samvad/samvad/activity"
	"github.com/samvad/samvad/oggopus"
)

// levelMeter measures the RFC 6464 level of packets from a sender that does
// not send the audio-level extension, by decoding them. Senders that do send
// it (browsers, the simulator) never pay for a decoder.
type levelMeter struct {
	dec *gopus.Decoder
	pcm []float32
}

// level returns the packet's level, 0 (loud) … 127 (digital silence), or
// -1 when it cannot be decoded.
func (m *levelMeter) level(payload []byte) int {
	if len(payload) == 0 {
		return -1
	}
	if oggopus.IsSilence(payload) {
		// What SFUs send for a silent or muted room, and CELT encoders
		// for digital silence: no need to decode it.
		return activity.SilentLevel
	}
	if m.dec == nil {
		dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(meterRate, 1))
		if err != nil {
			return -1
		}
		m.dec, m.pcm = dec, make([]float32, 120*meterRate/1000)
	}
	n, err := m.dec.Decode(payload, m.pcm)
	if err != nil || n == 0 {
		return -1
	}
	l := levelOf(m.pcm[:n])
	if l >= codecFloor {
		// Digital silence, as far as a decoder can tell: the sender's
		// own RFC 6464 level would have said 127.
		l = activity.SilentLevel
	}
	return l
}

// meterRate is the rate the meter decodes at. A level is speech's loudness,
// and speech's energy lies below 8 kHz: at 16 kHz SILK (what browsers send
// for speech) decodes at its own rate without the resampler to 48 kHz,
// which was 40% of the meter's cost (BenchmarkLevelMeter: about 23 µs a
// packet against 35 to 43 at 48 kHz on the 2-core bench machine). The
// meter was a third of the bot's CPU on a 100-room LiveKit meeting.
const meterRate = 16000

// codecFloor is the level (-dBov) at and below which decoded audio is
// digital silence that went through the codec: an Opus frame encoded from
// zeros decodes to about -112 dBov, while the quietest real microphone
// (a room's hum, breathing) is above -90.
const codecFloor = 100

// levelOf is RFC 6464's level of PCM: its RMS in -dBov, clamped to 0..127.
func levelOf(pcm []float32) int {
	var sum float64
	for _, v := range pcm {
		sum += float64(v) * float64(v)
	}
	rms := math.Sqrt(sum / float64(len(pcm)))
	if rms == 0 {
		return activity.SilentLevel
	}
	l := int(math.Round(-20 * math.Log10(rms)))
	return max(0, min(activity.SilentLevel, l))
}
