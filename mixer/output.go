package mixer

import (
	"fmt"
	"io"

	"github.com/samvad/samvad/oggopus"
	"github.com/thesyncim/gopus"
)

// maxEncoded holds any Opus packet (1275 bytes per frame at most).
const maxEncoded = 1500

// chunkSizes are the frame sizes the mix's end may use, longest first: CELT
// allows 2.5 ms steps, so the file's length matches the recording's to
// within 1.25 ms.
var chunkSizes = [...]int{960, 480, 240, 120}

// output limits, encodes and writes the mix, frame by frame, as an Ogg Opus
// stream. Its pre-skip is the encoder's look-ahead plus the limiter's, so
// that the first played sample is the first mixed one.
//
// Frames of digital silence are written as CELT silence packets without
// running the encoder, whenever the decoder's output for them is exactly
// silence: the frame is zero and so are the encoder-lookahead samples before
// it, which a packet's output also spans. The decoder, though, changes state
// on those packets (its band energies drop to silence), and the encoder,
// which predicts each frame's energies from the last ones it coded, must
// follow or the first frame after a pause decodes far too quietly. So on
// resuming it first encodes one frame of zeros, discarding the packet: that
// packet is the silence packet the decoder last had, and the encoder's state
// is then what encoding the whole pause would have left. Its delay line held
// zeros already, so the timeline is unchanged.
type output struct {
	w         *pageBuffer
	ogg       *oggopus.Writer // ends the stream with its last packet on the EOS page, as opusinfo wants
	sil       oggopus.Silence
	enc       *gopus.Encoder
	lim       limiter
	lookahead int
	preSkip   int
	frameSize int   // the encoder's current frame size
	mixed     int64 // mix samples handed in: the timeline position reached
	written   int64 // decoded samples of the packets written, pre-skip included
	zeroRun   int   // trailing zero samples of what was written, capped
	idle      bool  // silence packets were written since the encoder last ran
	stats     *Stats
	// alwaysEncode turns the silence shortcut off, for tests that compare.
	alwaysEncode bool
	pcm          [2 * FrameSamples]float32
	pkt          [maxEncoded]byte
	zeros        [FrameSamples]float32
}

// newOutput writes the stream's headers to a buffer of bufSize bytes on w.
func newOutput(w io.Writer, bufSize int, opts Options, stats *Stats) (*output, error) {
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: oggopus.SampleRate, Channels: 1, Application: gopus.ApplicationVoIP})
	if err != nil {
		return nil, fmt.Errorf("new encoder: %w", err)
	}
	// CELT only: for speech at 32 kbit/s it is as clear as SILK or hybrid
	// and two to four times cheaper to encode in gopus, which is what lets
	// a three-hour meeting be rebuilt in seconds.
	if err := enc.SetMode(gopus.EncoderModeCELT); err != nil {
		return nil, fmt.Errorf("encoder mode: %w", err)
	}
	if err := enc.SetBitrate(opts.Bitrate); err != nil {
		return nil, fmt.Errorf("encoder bitrate %d: %w", opts.Bitrate, err)
	}
	if err := enc.SetComplexity(opts.Complexity); err != nil {
		return nil, fmt.Errorf("encoder complexity %d: %w", opts.Complexity, err)
	}
	if err := enc.SetFrameSize(FrameSamples); err != nil {
		return nil, fmt.Errorf("encoder frame size: %w", err)
	}
	o := &output{
		w:         newPageBuffer(w, bufSize),
		enc:       enc,
		lim:       newLimiter(opts.Ceiling),
		lookahead: enc.Lookahead(),
		frameSize: FrameSamples,
		stats:     stats,
		sil:       oggopus.NewSilence(),
	}
	o.preSkip = o.lookahead + limiterDelay
	o.zeroRun = o.lookahead // the encoder's delay line starts as silence
	if o.ogg, err = oggopus.NewWriter(o.w, o.preSkip); err != nil {
		return nil, err
	}
	return o, nil
}

// frame writes the next FrameSamples of the mix; silent tells that they are
// all zeros (mix may then be nil).
func (o *output) frame(mix []float32, silent bool) error {
	outSilent := o.lim.process(mix, silent, o.pcm[:FrameSamples])
	if o.lim.limited {
		o.stats.FramesLimited++
	}
	o.mixed += FrameSamples
	return o.chunk(o.pcm[:FrameSamples], outSilent)
}

// finish writes the last, partial frame (fewer than FrameSamples samples,
// maybe none) and the end of the stream. The packets then total the
// pre-skip plus the mix's length, rounded to 2.5 ms: the encoder's and
// limiter's look-ahead is flushed with zeros, so the mix's last samples are
// in the file.
func (o *output) finish(tail []float32) error {
	total := o.mixed + int64(len(tail))
	need := (int64(o.preSkip)+total+60)/120*120 - o.written
	var in [FrameSamples]float32
	copy(in[:], tail)
	o.lim.process(in[:], len(tail) == 0, o.pcm[:FrameSamples])
	o.lim.process(nil, true, o.pcm[FrameSamples:])
	stream := o.pcm[:]
	for _, size := range chunkSizes {
		for need >= int64(size) && len(stream) >= size {
			if err := o.chunk(stream[:size], false); err != nil {
				return err
			}
			stream, need = stream[size:], need-int64(size)
		}
	}
	o.mixed = total
	return o.ogg.Close()
}

// chunk writes one packet for pcm (a frame, or a shorter piece at the end).
func (o *output) chunk(pcm []float32, silent bool) error {
	tz := len(pcm)
	if !silent {
		tz = trailingZeros(pcm)
	}
	var pkt []byte
	if tz == len(pcm) && o.zeroRun >= o.lookahead && !o.alwaysEncode {
		pkt, _ = o.sil.Next(int64(len(pcm)))
		o.stats.FramesSilent++
		o.idle = true
	} else {
		n, err := o.encode(pcm)
		if err != nil {
			return err
		}
		pkt = o.pkt[:n]
		o.stats.FramesEncoded++
	}
	if tz == len(pcm) {
		o.zeroRun = min(o.zeroRun+tz, 1<<20)
	} else {
		o.zeroRun = tz
	}
	if err := o.ogg.WritePacket(pkt, len(pcm)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	o.written += int64(len(pcm))
	o.stats.FramesWritten++
	return nil
}

// encode encodes pcm into o.pkt, catching the encoder up on a pause first.
func (o *output) encode(pcm []float32) (int, error) {
	if len(pcm) != o.frameSize {
		if err := o.enc.SetFrameSize(len(pcm)); err != nil {
			return 0, fmt.Errorf("encoder frame size %d: %w", len(pcm), err)
		}
		o.frameSize = len(pcm)
	}
	if o.idle {
		o.idle = false
		if _, err := o.enc.Encode(o.zeros[:len(pcm)], o.pkt[:]); err != nil {
			return 0, fmt.Errorf("encode: %w", err)
		}
	}
	n, err := o.enc.Encode(pcm, o.pkt[:])
	if err != nil {
		return 0, fmt.Errorf("encode: %w", err)
	}
	return n, nil
}

// flush writes buffered pages out.
func (o *output) flush() error { return o.w.Flush() }

// samples is the mix's playing length so far (what a player plays).
func (o *output) samples() int64 { return max(0, o.written-int64(o.preSkip)) }

func trailingZeros(pcm []float32) int {
	n := 0
	for i := len(pcm) - 1; i >= 0 && pcm[i] == 0; i-- {
		n++
	}
	return n
}
