// Package media is what all of samvad's pion connections share, the
// relay's and every client's (bot, simulated rooms, LiveKit rooms): the
// codec and header extension the contract fixes, the MediaEngine that
// registers just those, and UDP sockets with room for a whole meeting.
package media

import (
	"fmt"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// OpusCodec is Opus as the contract fixes it: payload type 111, 48 kHz, in-band
// FEC. Both ends register the same, so that offers and answers agree.
func OpusCodec() webrtc.RTPCodecParameters {
	return webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    webrtc.MimeTypeOpus,
			ClockRate:   48000,
			Channels:    2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
}

// AudioLevelURI is the RFC 6464 header extension samvad negotiates.
const AudioLevelURI = sdp.AudioLevelURI

// NewMediaEngine registers Opus and the audio-level extension, and
// nothing else: samvad's connections carry audio alone.
func NewMediaEngine() (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(OpusCodec(), webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register audio level: %w", err)
	}
	return me, nil
}

// LevelExtension is the id the audio-level extension was negotiated with
// on a receiver, or 0.
func LevelExtension(r *webrtc.RTPReceiver) uint8 {
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == AudioLevelURI {
			return uint8(e.ID)
		}
	}
	return 0
}
