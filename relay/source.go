package relay

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// source is one room connection's microphone: read from the room's
// PeerConnection, written once into a local track that every listener's
// PeerConnection is bound to.
type source struct {
	gone          atomic.Bool
	room, session string
	local         *webrtc.TrackLocalStaticRTP
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
	return TrackInfo{Room: s.room, Session: s.session, Stream: s.local.StreamID(), Track: s.local.ID()}
}

func newSource(room, session string) (*source, error) {
	// The stream id is the room id, so a receiver can attribute audio
	// without the track message; the track id names the connection.
	local, err := webrtc.NewTrackLocalStaticRTP(OpusCodec().RTPCodecCapability, "mic-"+session, room)
	if err != nil {
		return nil, err
	}
	return &source{room: room, session: session, local: local}, nil
}

// forward copies RTP from the room to the local track until the remote track
// ends. Packets go out unchanged but for SSRC and payload type, so the
// sender's sequence numbers, timestamps and audio level reach the recorder.
// Each packet's RFC 6464 level (-1 without the extension) goes to level.
func (s *source) forward(remote *webrtc.TrackRemote, levelID uint8, level func(int, time.Time)) error {
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
		// A write error means one listener's transport is gone; the others
		// still get the packet, and the gone one is cleaned up by its peer.
		_ = s.local.WriteRTP(&pkt)
	}
}
