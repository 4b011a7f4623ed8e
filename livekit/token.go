package livekit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/livekit/protocol/auth"

	"github.com/samvad/samvad/meeting"
)

// TokenTTL is how long an access token samvad mints can be used to
// connect. LiveKit refreshes a connected participant's token itself, so a
// short one is enough to join and to resume; a room that must join anew
// asks samvad for a fresh one.
const TokenTTL = 10 * time.Minute

// Identities of samvad's own participants start with these, and end with
// a random part of their own: two recorders of one meeting (or a restarted
// bot and the ghost of its predecessor) must not replace each other. The
// ':' is in no room id, so they can never be taken for a room.
const (
	RecorderIdentity = "samvad:recorder:"
	ObserverIdentity = "samvad:rollcall:"
)

// ErrNotLiveKit is a meeting whose media does not run on LiveKit.
var ErrNotLiveKit = errors.New("livekit: the meeting's media.engine is not livekit")

// Minter signs LiveKit access tokens for one meeting's LiveKit room.
type Minter struct {
	key, secret, room string
	ttl               time.Duration
}

// NewMinter takes the key, secret and room from the meeting file.
func NewMinter(f *meeting.File) (*Minter, error) {
	if !f.IsLiveKit() {
		return nil, ErrNotLiveKit
	}
	lk := f.Media.LiveKit
	secret, ok := lk.APISecret.Secret()
	if !ok {
		return nil, errors.New("livekit: media.livekit.api_secret is not known (give it as {env: NAME})")
	}
	return &Minter{key: lk.APIKey, secret: secret, room: f.LiveKitRoom(), ttl: TokenTTL}, nil
}

// Room is the LiveKit room the tokens are for.
func (m *Minter) Room() string { return m.room }

// RoomToken lets a samvad room join as itself: that identity, that room,
// its microphone and nothing else to publish, everyone to hear.
func (m *Minter) RoomToken(roomID, name string) (string, error) {
	g := &auth.VideoGrant{RoomJoin: true, Room: m.room, CanPublishSources: []string{"microphone"}}
	g.SetCanPublish(true)
	g.SetCanSubscribe(true)
	g.SetCanPublishData(false)
	return m.sign(roomID, name, g)
}

// RecorderToken lets the bot join hidden, hear every room and publish
// nothing.
func (m *Minter) RecorderToken() (string, error) {
	g := &auth.VideoGrant{RoomJoin: true, Room: m.room, Hidden: true, Recorder: true}
	g.SetCanPublish(false)
	g.SetCanPublishData(false)
	g.SetCanSubscribe(true)
	return m.sign(RecorderIdentity+rand.Text()[:8], "samvad recorder", g)
}

// ObserverToken lets the server watch who is in the room and who speaks,
// hidden, publishing nothing. It may subscribe, because LiveKit tells a
// participant only of speakers it subscribes to; the watcher pauses every
// subscription at once, so no audio is sent to it.
func (m *Minter) ObserverToken() (string, error) {
	g := &auth.VideoGrant{RoomJoin: true, Room: m.room, Hidden: true}
	g.SetCanPublish(false)
	g.SetCanPublishData(false)
	g.SetCanSubscribe(true)
	return m.sign(ObserverIdentity+rand.Text()[:8], "samvad roll call", g)
}

func (m *Minter) sign(identity, name string, g *auth.VideoGrant) (string, error) {
	t, err := auth.NewAccessToken(m.key, m.secret).SetIdentity(identity).SetName(name).
		SetValidFor(m.ttl).SetVideoGrant(g).ToJWT()
	if err != nil {
		return "", fmt.Errorf("livekit: sign access token: %w", err)
	}
	return t, nil
}
