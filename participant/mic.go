package participant

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/relay"
)

// Mic sends a room's Opus packets as RTP, with the RFC 6464 audio level in
// every packet, the way a browser does.
type Mic struct {
	track *webrtc.TrackLocalStaticRTP

	mu     sync.Mutex
	sender *webrtc.RTPSender
	extID  uint8
	seq    uint16
	ts     uint32
	pkt    rtp.Packet
	ext    [1]byte
}

func newMic(room string) (*Mic, error) {
	track, err := webrtc.NewTrackLocalStaticRTP(relay.OpusCodec().RTPCodecCapability, "mic", room)
	if err != nil {
		return nil, err
	}
	var seed [6]byte
	rand.Read(seed[:])
	return &Mic{
		track: track,
		seq:   binary.BigEndian.Uint16(seed[:2]),
		ts:    binary.BigEndian.Uint32(seed[2:]),
	}, nil
}

func (m *Mic) attached() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sender != nil
}

func (m *Mic) attach(s *webrtc.RTPSender) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sender = s
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

func (m *Mic) send(opus []byte, samples int, level uint8, marker bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	seq, ts := m.seq, m.ts
	m.seq++
	m.ts += uint32(samples)
	if m.sender == nil {
		return nil
	}
	if m.extID == 0 {
		for _, e := range m.sender.GetParameters().HeaderExtensions {
			if e.URI == relay.AudioLevelURI {
				m.extID = uint8(e.ID)
			}
		}
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
