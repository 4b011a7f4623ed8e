package oggopus

import (
	"fmt"
	"io"

	"github.com/thesyncim/gopus/container/ogg"
)

// heldCap holds any packet a WebRTC track delivers (an Ethernet MTU), so
// the receive path's writes allocate nothing.
const heldCap = 1500

// Writer is gopus' Ogg Opus writer with one change: the stream's last
// packet is held back and written on the end-of-stream page. gopus closes a
// stream with an empty end-of-stream page that still carries a granule
// position, which RFC 3533 reserves for pages where a packet ends, and which
// opusinfo warns about. Holding one packet costs one frame of latency on disk
// (20 ms, well inside the flush interval).
type Writer struct {
	w    io.Writer
	ogg  *ogg.Writer
	held []byte
	n    int // samples of the held packet; 0: none held
}

// NewWriter writes the OpusHead and OpusTags pages of a mono 48 kHz
// stream with the given pre-skip.
func NewWriter(w io.Writer, preSkip int) (*Writer, error) {
	ow, err := ogg.NewWriterWithConfig(w, ogg.WriterConfig{
		SampleRate: SampleRate, Channels: 1, PreSkip: uint16(preSkip), StreamCount: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("ogg headers: %w", err)
	}
	return &Writer{w: w, ogg: ow, held: make([]byte, 0, heldCap)}, nil
}

// WritePacket queues an Opus packet of samples 48 kHz samples: the one
// queued before it goes to the stream.
func (o *Writer) WritePacket(pkt []byte, samples int) error {
	if o.n > 0 {
		if err := o.ogg.WritePacket(o.held, o.n); err != nil {
			return err
		}
	}
	o.held = append(o.held[:0], pkt...)
	o.n = samples
	return nil
}

// Samples is the decoded length queued so far, pre-skip included.
func (o *Writer) Samples() int64 { return int64(o.ogg.GranulePos()) + int64(o.n) }

// Close writes the held packet on the end-of-stream page.
func (o *Writer) Close() error {
	if o.n == 0 {
		return o.ogg.Close()
	}
	page := ogg.Page{
		HeaderType:   ogg.PageFlagEOS,
		GranulePos:   o.ogg.GranulePos() + uint64(o.n),
		SerialNumber: o.ogg.Serial(),
		PageSequence: o.ogg.PageCount(),
		Segments:     ogg.BuildSegmentTable(len(o.held)),
		Payload:      o.held,
	}
	data := page.Encode()
	n, err := o.w.Write(data)
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	o.n = 0
	return err
}
