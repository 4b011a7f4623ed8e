package livekit

import (
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/signaling"
)

// Grants trade a samvad room's admission for a LiveKit access token: the
// server's signaling.Granter with engine livekit.
type Grants struct {
	minter *Minter
	url    string
}

// NewGrants makes the grants of a meeting file whose media runs on
// LiveKit. Browsers connect to media.livekit.public_url, or url.
func NewGrants(f *meeting.File) (*Grants, error) {
	m, err := NewMinter(f)
	if err != nil {
		return nil, err
	}
	url := f.Media.LiveKit.PublicURL
	if url == "" {
		url = f.Media.LiveKit.URL
	}
	return &Grants{minter: m, url: url}, nil
}

// Grant mints the room's access: that identity, that room, its microphone.
func (g *Grants) Grant(room, name string) (*signaling.MediaGrant, error) {
	t, err := g.minter.RoomToken(room, name)
	if err != nil {
		return nil, err
	}
	return &signaling.MediaGrant{Engine: meeting.EngineLiveKit, URL: g.url, Room: g.minter.Room(), Token: t}, nil
}
