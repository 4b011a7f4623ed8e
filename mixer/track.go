package mixer

import (
	"fmt"

	"github.com/samvad/samvad/oggopus"
	"github.com/thesyncim/gopus"
)

// ringSlots is how many mix frames of a track's decoded audio can wait to
// be mixed: 1.28 s, above the live mixer's latency plus a tick, and above
// any packet's length. A power of two no larger than 64, so the slots that
// hold audio fit one bitmask.
const ringSlots = 64

const ringSamples = ringSlots * FrameSamples

// ring holds a track's decoded audio until it is mixed, by timeline
// position: mix frame k (samples [k*960, k*960+960)) lives in slot k mod
// ringSlots. A slot not marked dirty is all zeros, so audio is added in and
// a slot is cleared when it is mixed. Silent tracks never allocate it.
type ring struct {
	pcm   []float32
	dirty uint64
}

// add adds pcm at timeline position pos. The caller keeps [pos, pos+len)
// within ringSamples of the oldest frame not yet mixed.
func (r *ring) add(pos int64, pcm []float32) {
	if r.pcm == nil {
		r.pcm = make([]float32, ringSamples)
	}
	for len(pcm) > 0 {
		k := pos / FrameSamples
		off := int(pos - k*FrameSamples)
		slot := int(k % ringSlots)
		n := min(len(pcm), FrameSamples-off)
		dst := r.pcm[slot*FrameSamples+off : slot*FrameSamples+off+n]
		for i, v := range pcm[:n] {
			dst[i] += v
		}
		r.dirty |= 1 << slot
		pcm, pos = pcm[n:], pos+int64(n)
	}
}

// take mixes frame k into out (the first n samples of the frame) and clears
// it; first means out holds nothing yet and is overwritten. It reports
// whether the track had audio there.
func (r *ring) take(k int64, out []float32, first bool) bool {
	slot := int(k % ringSlots)
	if r.dirty&(1<<slot) == 0 {
		return false
	}
	src := r.pcm[slot*FrameSamples : (slot+1)*FrameSamples]
	if first {
		copy(out, src)
	} else {
		for i := range out {
			out[i] += src[i]
		}
	}
	clear(src)
	r.dirty &^= 1 << slot
	return true
}

// track is one room stream being mixed: its decoder, whether the decoder is
// following it, and its ring.
type track struct {
	dec     *gopus.Decoder
	active  bool // the last packet was decoded and the room still sounds
	started bool
	pcm     [oggopus.MaxPacketSamples]float32
	ring    ring
}

func newTrack() (*track, error) {
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(oggopus.SampleRate, 1))
	if err != nil {
		return nil, fmt.Errorf("new decoder: %w", err)
	}
	return &track{dec: dec}, nil
}

// decode returns what packet p (lasting samples) adds to the mix, or nil if
// it adds nothing. sounding tells that the room's level allows it to be
// heard now.
//
// A packet is decoded when:
//   - it is the stream's first, which sets the decoder up as the sender's
//     encoder started;
//   - the decoder is following the stream: concealment then continues the
//     sound, a silence packet is decoded once more so the last frame's
//     overlap fades out instead of being cut, and so is the packet on which
//     the gate closes, to leave the decoder's state current;
//   - the room sounds and the packet is audio (not silence, not a lost
//     packet's concealment marker).
//
// Everything else is skipped at the cost of a few byte comparisons. What
// is decoded while the room does not sound is only for the decoder's state:
// it is below the gate level, so it is not mixed (and a silent room never
// needs a ring).
//
// Where the gate opens or closes the sound must not jump: a decoder that
// skipped packets starts with a stale overlap, and a gate that closes
// mid-word cuts a wave at full height. Either step is a click, and the
// mix's encoder turns a click into overshoot past the limiter's ceiling
// (seen: a rebuilt mix peaking at 1.05 with the ceiling at 0.84). So the
// first frame after the gate opens fades in over its first gateFade
// samples, and the packet on which it closes is mixed, fading out.
func (t *track) decode(p []byte, samples int, sounding bool, st *Stats) []float32 {
	silence := oggopus.IsSilence(p)
	if t.started && !t.active && (!sounding || silence || oggopus.IsConcealment(p)) {
		st.PacketsSkipped++
		return nil
	}
	t.started = true
	wasActive := t.active
	n, err := t.dec.Decode(p, t.pcm[:])
	if err != nil {
		st.DecodeErrors++
		t.active = false
		return nil
	}
	st.PacketsDecoded++
	t.active = sounding && !silence
	pcm := t.pcm[:min(n, samples)]
	switch {
	case !sounding && wasActive:
		fade(pcm, false)
		return pcm
	case !sounding:
		return nil
	case !wasActive:
		fade(pcm, true)
	}
	return pcm
}

// gateFade is the fade at the gate, in samples: CELT's overlap (2.5 ms),
// which is what a decoder that skipped packets gets wrong, and short
// enough to move no onset.
const gateFade = 120

// fade ramps pcm's first gateFade samples up from 0 (in), or down to 0
// and silences the rest (out).
func fade(pcm []float32, in bool) {
	for i := range pcm {
		g := float32(1)
		if i < gateFade {
			g = float32(i) / gateFade
			if !in {
				g = 1 - g
			}
		} else if !in {
			g = 0
		}
		pcm[i] *= g
	}
}
