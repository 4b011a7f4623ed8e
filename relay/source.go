package relay

import (
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/metrics"
)

// source is one room connection's microphone: read once from the room's
// PeerConnection and written to one output per listener.
type source struct {
	gone          atomic.Bool
	room, session string
	trackID       string
	// always: a host's microphone reaches every room, loudest or not.
	always bool

	mu      sync.RWMutex
	outputs []*output
}

// TrackInfo describes a forwarded track, for the "track" message that
// precedes the offer carrying it.
type TrackInfo struct {
	Room    string // the room whose audio it is
	Session string // that room's session
	Stream  string // msid stream id: the room id
	Track   string // msid track id
}

func (s *source) info() TrackInfo {
	return TrackInfo{Room: s.room, Session: s.session, Stream: s.room, Track: s.trackID}
}

func newSource(room, session string, always bool) *source {
	// The stream id is the room id, so a receiver can attribute audio
	// without the track message; the track id names the connection.
	return &source{room: room, session: session, trackID: "mic-" + session, always: always}
}

func (s *source) addOutput(o *output) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outputs = append(s.outputs, o)
}

func (s *source) removeOutput(o *output) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.outputs {
		if x == o {
			s.outputs = append(s.outputs[:i], s.outputs[i+1:]...)
			return
		}
	}
}

// forward copies RTP from the room to every enabled output until the remote
// track ends. Packets go out unchanged but for SSRC and payload type, so the
// sender's sequence numbers, timestamps and audio level reach the recorder.
// Each packet's RFC 6464 level (-1 without the extension) goes to level.
func (s *source) forward(remote *webrtc.TrackRemote, levelID uint8, level func(int, time.Time), m *metrics.RelaySource) error {
	defer m.End()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		l := -1
		if levelID != 0 {
			if ext := pkt.GetExtension(levelID); len(ext) > 0 {
				l = int(ext[0] & 0x7f)
			}
		}
		level(l, time.Now())
		copies := 0
		s.mu.RLock()
		for _, o := range s.outputs {
			if o.write(&pkt) {
				copies++
			}
		}
		s.mu.RUnlock()
		m.Packet(len(pkt.Payload), copies)
	}
}

// output is one listener's copy of a source: the TrackLocal bound to that
// listener's PeerConnection, with the switch that loudest-room forwarding
// flips without renegotiating.
type output struct {
	src     *source
	enabled atomic.Bool
	// offSince is when the output was last switched off (unix ns), so that
	// a track nobody has heard for a while can be taken away.
	offSince atomic.Int64

	mu    sync.Mutex
	w     webrtc.TrackLocalWriter
	ssrc  uint32
	pt    uint8
	bound bool
}

func newOutput(src *source, enabled bool) *output {
	o := &output{src: src}
	o.setEnabled(enabled, time.Now())
	return o
}

func (o *output) setEnabled(on bool, now time.Time) {
	if o.enabled.Swap(on) != on || (!on && o.offSince.Load() == 0) {
		if on {
			o.offSince.Store(0)
		} else {
			o.offSince.Store(now.UnixNano())
		}
	}
}

// write sends one packet if the output is on and negotiated, and reports
// whether it did. A write error means the listener's transport is gone; its
// peer cleans up.
func (o *output) write(p *rtp.Packet) bool {
	if !o.enabled.Load() {
		return false
	}
	o.mu.Lock()
	w, ssrc, pt, bound := o.w, o.ssrc, o.pt, o.bound
	o.mu.Unlock()
	if !bound {
		return false
	}
	h := p.Header
	h.SSRC, h.PayloadType = ssrc, pt
	_, err := w.WriteRTP(&h, p.Payload)
	return err == nil
}

// Bind is called by pion when the listener's negotiation completes.
func (o *output) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) {
			o.mu.Lock()
			o.w, o.ssrc, o.pt, o.bound = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType), true
			o.mu.Unlock()
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind is called by pion when the track stops being sent.
func (o *output) Unbind(webrtc.TrackLocalContext) error {
	o.mu.Lock()
	o.bound = false
	o.mu.Unlock()
	return nil
}

func (o *output) ID() string                { return o.src.trackID }
func (o *output) RID() string               { return "" }
func (o *output) StreamID() string          { return o.src.room }
func (o *output) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }
