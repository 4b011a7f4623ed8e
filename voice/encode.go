package voice

import (
	"fmt"

	"github.com/thesyncim/gopus"
)

// profile selects the encoder settings for a kind of sound.
type profile int

const (
	// speechProfile is what a room's microphone sends: SILK at a speech
	// bitrate (clips stay a few KB, hundreds of rooms stay light on the
	// wire) with in-band FEC, which the meeting negotiates, so that the
	// recorder's loss recovery meets real LBRR data.
	speechProfile profile = iota
	// toneProfile keeps a test tone exact at any frequency: CELT at full
	// band, where SILK would cut everything above 8 kHz and reshape the rest.
	toneProfile
)

const (
	speechBitrate = 14000
	toneBitrate   = 32000
	// expectedLoss makes the SILK encoder spend a little on LBRR (FEC) data;
	// with 0 it would send none even with FEC on.
	expectedLoss = 5
	// maxPacket bounds one encoded frame; libopus recommends 4000 bytes.
	maxPacket = 4000
)

func newEncoder(p profile) (*gopus.Encoder, error) {
	app, bitrate := gopus.ApplicationVoIP, speechBitrate
	if p == toneProfile {
		app, bitrate = gopus.ApplicationAudio, toneBitrate
	}
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: SampleRate, Channels: 1, Application: app})
	if err != nil {
		return nil, fmt.Errorf("voice: new opus encoder: %w", err)
	}
	if err := enc.SetBitrate(bitrate); err != nil {
		return nil, fmt.Errorf("voice: set bitrate %d: %w", bitrate, err)
	}
	if err := enc.SetFrameSize(FrameSamples); err != nil {
		return nil, fmt.Errorf("voice: set frame size: %w", err)
	}
	if p == speechProfile {
		if err := enc.SetSignal(gopus.SignalVoice); err != nil {
			return nil, fmt.Errorf("voice: set signal: %w", err)
		}
		enc.SetFEC(true)
		if err := enc.SetPacketLoss(expectedLoss); err != nil {
			return nil, fmt.Errorf("voice: set packet loss: %w", err)
		}
	} else if err := enc.SetSignal(gopus.SignalMusic); err != nil {
		return nil, fmt.Errorf("voice: set signal: %w", err)
	}
	return enc, nil
}

// Encode turns mono 48 kHz PCM (samples in [-1, 1]) into a speech
// utterance: 20 ms Opus packets, each with the RFC 6464 level of its PCM.
// A last partial frame is padded with silence. tools/mkclips uses it so that
// the embedded clips and the synthesized voices share one encoder setting.
func Encode(pcm []float32) (Utterance, error) {
	return encode(pcm, speechProfile)
}

func encode(pcm []float32, p profile) (Utterance, error) {
	enc, err := newEncoder(p)
	if err != nil {
		return Utterance{}, err
	}
	n := (len(pcm) + FrameSamples - 1) / FrameSamples
	packets := make([]Packet, n)
	// One backing array for all packets: a few allocations per utterance
	// rather than one per packet. The packets are cut from it at the end,
	// once append has stopped moving it.
	var buf []byte
	ends := make([]int, n)
	frame := make([]float32, FrameSamples)
	scratch := make([]byte, maxPacket)
	for i := range n {
		clear(frame)
		copy(frame, pcm[i*FrameSamples:])
		size, err := enc.Encode(frame, scratch)
		if err != nil {
			return Utterance{}, fmt.Errorf("voice: encode frame %d: %w", i, err)
		}
		buf = append(buf, scratch[:size]...)
		ends[i] = len(buf)
		packets[i].Level = audioLevel(frame)
	}
	start := 0
	for i, end := range ends {
		packets[i].Opus = buf[start:end:end]
		start = end
	}
	return Utterance{packets: packets, frames: n}, nil
}

// mustEncode is for the package's own generators, whose PCM and settings
// are fixed: the encoder cannot reject them, which the tests confirm.
func mustEncode(pcm []float32, p profile) Utterance {
	u, err := encode(pcm, p)
	if err != nil {
		panic(err)
	}
	return u
}
