package participant

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
)

// Mic sends a room's Opus packets as RTP, with the RFC 6464 audio level in
// every packet, the way a browser does. It is a webrtc.TrackLocal (Track),
// so any pion PeerConnection can carry it: a samvad participant's or the
// LiveKit SDK's.
type Mic struct {
	track *micTrack

	mu    sync.Mutex
	bound bool  // negotiated on a connection: packets go out
	extID uint8 // the audio-level extension's id there; 0: not negotiated
	seq   uint16
	ts    uint32
	pkt   rtp.Packet
	ext   [1]byte
}

// NewMic makes a microphone whose stream id is the room's id.
func NewMic(room string) (*Mic, error) {
	m := &Mic{}
	track, err := webrtc.NewTrackLocalStaticRTP(media.OpusCodec().RTPCodecCapability, "mic", room)
	if err != nil {
		return nil, err
	}
	m.track = &micTrack{TrackLocalStaticRTP: track, m: m}
	var seed [6]byte
	rand.Read(seed[:])
	m.seq = binary.BigEndian.Uint16(seed[:2])
	m.ts = binary.BigEndian.Uint32(seed[2:])
	return m, nil
}

// Track is the microphone as a track to add to a PeerConnection.
func (m *Mic) Track() webrtc.TrackLocal { return m.track }

// micTrack learns, when a connection binds it, the id its audio-level
// extension was negotiated with.
type micTrack struct {
	*webrtc.TrackLocalStaticRTP
	m *Mic
}

func (t *micTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	p, err := t.TrackLocalStaticRTP.Bind(ctx)
	if err != nil {
		return p, err
	}
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	t.m.bound = true
	for _, e := range ctx.HeaderExtensions() {
		if e.URI == media.AudioLevelURI {
			t.m.extID = uint8(e.ID)
		}
	}
	return p, nil
}

// Send sends one Opus packet of the given duration in 48 kHz samples, with
// its audio level (0 loudest … 127 silence). Nothing is sent before the
// microphone is negotiated; the timestamp still advances, as a real
// microphone's clock does.
func (m *Mic) Send(opus []byte, samples int, level uint8) error {
	return m.send(opus, samples, level, false)
}

// Skip advances sequence number and timestamp without sending: a packet
// lost on the way.
func (m *Mic) Skip(samples int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	m.ts += uint32(samples)
}

// Pause advances only the timestamp: nothing sent, nothing lost, as during
// Opus DTX. (Chrome's replaceTrack(null) does not even advance it: send
// nothing and call nothing.)
func (m *Mic) Pause(samples int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ts += uint32(samples)
}

// Stamp takes the sequence number and timestamp of the next packet, of
// samples samples, for SendStamped to send later, or never (a packet lost
// on the way). A network's delays and reordering can then be played with
// the sender's numbering intact.
func (m *Mic) Stamp(samples int) (seq uint16, ts uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq, ts = m.seq, m.ts
	m.seq++
	m.ts += uint32(samples)
	return seq, ts
}

// SendStamped sends an Opus packet with the numbers Stamp gave it.
func (m *Mic) SendStamped(seq uint16, ts uint32, opus []byte, level uint8) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writeLocked(seq, ts, opus, level, false)
}

func (m *Mic) send(opus []byte, samples int, level uint8, marker bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq, ts := m.seq, m.ts
	m.seq++
	m.ts += uint32(samples)
	return m.writeLocked(seq, ts, opus, level, marker)
}

func (m *Mic) writeLocked(seq uint16, ts uint32, opus []byte, level uint8, marker bool) error {
	if !m.bound {
		return nil
	}
	m.pkt.Header = rtp.Header{Version: 2, Marker: marker, SequenceNumber: seq, Timestamp: ts}
	if m.extID != 0 {
		// RFC 6464: V bit for voice activity, then the level in -dBov.
		m.ext[0] = level & 0x7f
		if level < 127 {
			m.ext[0] |= 0x80
		}
		if err := m.pkt.Header.SetExtension(m.extID, m.ext[:]); err != nil {
			return err
		}
	}
	m.pkt.Payload = opus
	return m.track.WriteRTP(&m.pkt)
}
