package audiotest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/thesyncim/gopus"
	"github.com/thesyncim/gopus/container/ogg"
)

// EncodeConfig selects how Encode produces packets. The zero value gives
// 20 ms VoIP packets at 32 kb/s without DTX, close to what Chrome sends.
type EncodeConfig struct {
	FrameSamples int               // samples per packet; default 960 (20 ms)
	Application  gopus.Application // default gopus.ApplicationVoIP
	Bitrate      int               // bits per second; default 32000
	DTX          bool              // let the encoder stop sending during silence
}

// Encode encodes mono 48 kHz pcm into one Opus packet per frame; a short last
// frame is padded with zeros. With DTX on, frames the encoder marks as not to
// be transmitted (packets of 2 bytes or less, which WebRTC does not send) come
// back as nil so callers keep the frame's timestamp slot but send nothing.
func Encode(pcm []float32, cfg EncodeConfig) ([][]byte, error) {
	if cfg.FrameSamples == 0 {
		cfg.FrameSamples = 960
	}
	if cfg.Bitrate == 0 {
		cfg.Bitrate = 32000
	}
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: SampleRate, Channels: 1, Application: cfg.Application})
	if err != nil {
		return nil, fmt.Errorf("audiotest: new encoder: %w", err)
	}
	if err := enc.SetBitrate(cfg.Bitrate); err != nil {
		return nil, fmt.Errorf("audiotest: bitrate %d: %w", cfg.Bitrate, err)
	}
	if err := enc.SetFrameSize(cfg.FrameSamples); err != nil {
		return nil, fmt.Errorf("audiotest: frame size %d: %w", cfg.FrameSamples, err)
	}
	enc.SetDTX(cfg.DTX)
	frame := make([]float32, cfg.FrameSamples)
	buf := make([]byte, 1500)
	var out [][]byte
	for off := 0; off < len(pcm); off += cfg.FrameSamples {
		clear(frame)
		copy(frame, pcm[off:])
		n, err := enc.Encode(frame, buf)
		if err != nil {
			return nil, fmt.Errorf("audiotest: encode frame at sample %d: %w", off, err)
		}
		if cfg.DTX && n <= 2 {
			out = append(out, nil)
			continue
		}
		out = append(out, bytes.Clone(buf[:n]))
	}
	return out, nil
}

// EncoderLookahead is the delay, in samples, between a sample fed to a gopus
// encoder of the given application and the same sample coming out of a
// decoder fed its packets (without pre-skip).
func EncoderLookahead(app gopus.Application) (int, error) {
	enc, err := gopus.NewEncoder(gopus.EncoderConfig{SampleRate: SampleRate, Channels: 1, Application: app})
	if err != nil {
		return 0, fmt.Errorf("audiotest: new encoder: %w", err)
	}
	return enc.Lookahead(), nil
}

// Decoded is an Ogg Opus stream decoded to 48 kHz mono PCM.
type Decoded struct {
	PCM      []float32 // after pre-skip and end trimming
	PreSkip  int       // from OpusHead
	Channels int       // from OpusHead (decoding is always mono)
	Packets  int       // audio packets decoded
	EOS      bool      // an end-of-stream page was read
	// Stopped is why reading ended before the end of the data: a truncated
	// or corrupt page. Nil when every byte was read.
	Stopped error
}

// ErrNoOpusHead means the data does not start with a readable OpusHead page.
var ErrNoOpusHead = errors.New("audiotest: no OpusHead")

// DecodeOggFile reads and decodes an Ogg Opus file; see DecodeOgg.
func DecodeOggFile(path string) (*Decoded, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audiotest: %w", err)
	}
	return DecodeOgg(data)
}

// DecodeOgg decodes Ogg Opus bytes with gopus the way a player would: packets
// in order, pre-skip dropped, the final granule position honoured for end
// trimming. It stops quietly at the first page it cannot parse (a file cut off
// by a crash) and reports that in Decoded.Stopped; only a missing OpusHead or
// an undecodable packet is an error. It deliberately shares no code with the
// recorder's own tolerant reader, so tests check one against the other.
func DecodeOgg(data []byte) (*Decoded, error) {
	dec, err := gopus.NewDecoder(gopus.DefaultDecoderConfig(SampleRate, 1))
	if err != nil {
		return nil, fmt.Errorf("audiotest: new decoder: %w", err)
	}
	out := &Decoded{}
	var (
		serial   uint32
		head     bool
		tags     bool
		partial  []byte
		granule  int64 = -1
		scratch        = make([]float32, 5760)
		total    []float32
		consumed int
	)
	for consumed < len(data) {
		page, n, err := ogg.ParsePage(data[consumed:])
		if err != nil {
			out.Stopped = fmt.Errorf("page at byte %d: %w", consumed, err)
			break
		}
		consumed += n
		if !head {
			if !page.IsBOS() {
				return nil, ErrNoOpusHead
			}
			pk := page.Packets()
			if len(pk) == 0 {
				return nil, ErrNoOpusHead
			}
			h, err := ogg.ParseOpusHead(pk[0])
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrNoOpusHead, err)
			}
			serial, head = page.SerialNumber, true
			out.PreSkip, out.Channels = int(h.PreSkip), int(h.Channels)
			continue
		}
		if page.SerialNumber != serial {
			continue
		}
		if !page.IsContinuation() {
			partial = partial[:0]
		}
		off := 0
		for _, seg := range page.Segments {
			partial = append(partial, page.Payload[off:off+int(seg)]...)
			off += int(seg)
			if seg == 255 {
				continue
			}
			pkt := partial
			partial = nil
			if !tags {
				tags = true // the second packet is OpusTags
				continue
			}
			if len(pkt) == 0 {
				continue
			}
			k, err := dec.Decode(pkt, scratch)
			if err != nil {
				return nil, fmt.Errorf("audiotest: decode packet %d: %w", out.Packets, err)
			}
			total = append(total, scratch[:k]...)
			out.Packets++
		}
		if page.GranulePos != ^uint64(0) && tags {
			granule = int64(page.GranulePos)
		}
		if page.IsEOS() {
			out.EOS = true
		}
	}
	if !head {
		return nil, ErrNoOpusHead
	}
	// RFC 7845 section 4.4: the last page's granule position may end the
	// stream before the end of its last packet.
	if out.EOS && granule >= 0 && granule < int64(len(total)) {
		total = total[:granule]
	}
	if out.PreSkip < len(total) {
		out.PCM = total[out.PreSkip:]
	} else {
		out.PCM = []float32{}
	}
	return out, nil
}

// PageOffsets lists where each Ogg page of data starts; data must be whole
// pages.
func PageOffsets(t testing.TB, data []byte) []int {
	t.Helper()
	var offs []int
	for off := 0; off < len(data); {
		_, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			t.Fatalf("page at %d: %v", off, err)
		}
		offs = append(offs, off)
		off += n
	}
	return offs
}
