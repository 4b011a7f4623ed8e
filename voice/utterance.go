package voice

import "time"

const (
	// SampleRate is the Opus clock: RTP timestamps advance by FrameSamples
	// per packet at this rate.
	SampleRate = 48000
	// FrameDuration is the audio carried by every packet of this package.
	FrameDuration = 20 * time.Millisecond
	// FrameSamples is FrameDuration at SampleRate: the RTP timestamp step.
	FrameSamples = SampleRate / 50
)

// Packet is one 20 ms Opus frame, ready to be an RTP payload.
type Packet struct {
	// Opus is the encoded frame. It is shared by every user of the
	// utterance: never modify it.
	Opus []byte
	// Level is the RFC 6464 audio level of the frame: its level in -dBov,
	// 0 for the loudest, 127 for digital silence.
	Level uint8
}

// Utterance is an immutable run of 20 ms Opus packets, to be sent in order.
// The zero Utterance is empty.
type Utterance struct {
	// packets holds the distinct packets. When frames exceeds len(packets)
	// they repeat cyclically: that is how an hour of silence costs one
	// packet of memory instead of 180,000.
	packets []Packet
	frames  int
}

// Len is the number of packets (20 ms frames) in the utterance.
func (u Utterance) Len() int { return u.frames }

// Duration is the playing time of the utterance.
func (u Utterance) Duration() time.Duration {
	return time.Duration(u.frames) * FrameDuration
}

// Packet returns the i-th packet, 0 <= i < Len(). It panics outside that
// range, as indexing a slice would.
func (u Utterance) Packet(i int) Packet {
	if uint(i) >= uint(u.frames) {
		panic("voice: packet index out of range")
	}
	if i < len(u.packets) {
		return u.packets[i]
	}
	return u.packets[i%len(u.packets)]
}
