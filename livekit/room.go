package livekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	lkp "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
)

// RoomConfig says how a samvad room joins a LiveKit room: the simulator's
// rooms do, and tests.
type RoomConfig struct {
	// URL is a LiveKit node's signalling URL; Token a room token from
	// Minter.RoomToken (or from samvad's token exchange).
	URL, Token string
	// Room is the samvad room id: the microphone's stream id.
	Room string
	// Listen, when set, is called with every audio track the room hears,
	// on a goroutine that Close waits for: read it until it ends.
	Listen func(*webrtc.TrackRemote)
	Logger *slog.Logger
}

// Room is a samvad room in a LiveKit room, publishing one microphone.
type Room struct {
	room *lksdk.Room
	mic  *participant.Mic
	pub  *lksdk.LocalTrackPublication
	done chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	err    error
	closed bool
	away   *time.Timer // LiveKit is reconnecting the room
}

// ErrRoomEnded ends a Room that LiveKit disconnected.
var ErrRoomEnded = errors.New("livekit: the connection to the room ended")

// JoinRoom connects and publishes the room's microphone (nothing is sent
// until Mic().Send).
func JoinRoom(ctx context.Context, cfg RoomConfig) (*Room, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	mic, err := participant.NewMic(cfg.Room)
	if err != nil {
		return nil, err
	}
	r := &Room{mic: mic, done: make(chan struct{})}
	cb := lksdk.NewRoomCallback()
	cb.OnDisconnectedWithReason = func(reason lksdk.DisconnectionReason) {
		r.end(fmt.Errorf("%w (%s)", ErrRoomEnded, reason))
	}
	// As the bot does (see ReconnectWithin): a room LiveKit has not
	// brought back soon ends, and its owner joins it afresh.
	cb.OnReconnecting = func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.closed || r.away != nil {
			return
		}
		r.away = time.AfterFunc(ReconnectWithin, func() {
			r.end(fmt.Errorf("%w: LiveKit did not reconnect within %s", ErrRoomEnded, ReconnectWithin))
		})
	}
	cb.OnReconnected = func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.away != nil {
			r.away.Stop()
			r.away = nil
		}
	}
	if cfg.Listen != nil {
		cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
			if t.Kind() != webrtc.RTPCodecTypeAudio {
				return
			}
			r.mu.Lock()
			if r.closed {
				r.mu.Unlock()
				return
			}
			r.wg.Add(1)
			r.mu.Unlock()
			go func() {
				defer r.wg.Done()
				cfg.Listen(t)
			}()
		}
	}
	r.room = lksdk.NewRoom(cb)
	if err := r.room.JoinWithContextAndToken(ctx, cfg.URL, cfg.Token,
		lksdk.WithAutoSubscribe(cfg.Listen != nil), lksdk.WithLogger(sdkLogger(log))); err != nil {
		return nil, fmt.Errorf("join LiveKit room: %w", err)
	}
	r.pub, err = r.room.LocalParticipant.PublishTrack(mic.Track(), &lksdk.TrackPublicationOptions{
		Name: "microphone", Source: lkp.TrackSource_MICROPHONE})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("publish microphone: %w", err)
	}
	return r, nil
}

// Mic is the room's microphone.
func (r *Room) Mic() *participant.Mic { return r.mic }

// Done is closed when the room has ended, by Close or by LiveKit.
func (r *Room) Done() <-chan struct{} { return r.done }

// Err is why the room ended.
func (r *Room) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Mute tells the room's listeners the microphone is muted, or not; the
// caller decides whether to stop sending.
func (r *Room) Mute(muted bool) error {
	r.pub.SetMuted(muted)
	return nil
}

// Leave says goodbye and closes.
func (r *Room) Leave() error { return r.Close() }

// Close leaves the room and waits for the listeners. LiveKit's SDK always
// says goodbye: the meeting sees a room that leaves, not one that drops.
func (r *Room) Close() error {
	r.end(nil)
	r.room.Disconnect()
	r.wg.Wait()
	return nil
}

func (r *Room) end(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed, r.err = true, err
	if r.away != nil {
		r.away.Stop()
	}
	close(r.done)
}

// SamvadJoin is a room joining the way the join page does: samvad's
// websocket with the room's token first, then LiveKit with the grant the
// welcome carries.
type SamvadJoin struct {
	// URL is the samvad server's websocket.
	URL                  string
	Meeting, Room, Token string
	DialOptions          []signaling.DialOption
	// LiveKitURL, when set, is the node to join through instead of the
	// granted one (a cluster's rooms spread over its nodes).
	LiveKitURL string
	Listen     func(*webrtc.TrackRemote)
	Logger     *slog.Logger
}

// ErrNoGrant is a samvad server that gave a room no LiveKit grant: its
// meeting's media is not on LiveKit.
var ErrNoGrant = errors.New("livekit: the samvad server granted no LiveKit access (is its media.engine livekit?)")

// JoinThroughSamvad joins as SamvadJoin says. The websocket is closed once
// the grant is in hand: with LiveKit the roll call follows the room in
// LiveKit, not the websocket. A refused token is the signaling.JoinError.
func JoinThroughSamvad(ctx context.Context, j SamvadJoin) (*Room, error) {
	c, err := signaling.Dial(ctx, j.URL, signaling.Message{Meeting: j.Meeting, Role: signaling.RoleRoom, Room: j.Room, Token: j.Token}, j.DialOptions...)
	if err != nil {
		return nil, err
	}
	g := c.Welcome.Media
	c.Leave()
	if g == nil || g.Engine != meeting.EngineLiveKit || g.Token == "" {
		return nil, ErrNoGrant
	}
	url := g.URL
	if j.LiveKitURL != "" {
		url = j.LiveKitURL
	}
	return JoinRoom(ctx, RoomConfig{URL: url, Token: g.Token, Room: j.Room, Listen: j.Listen, Logger: j.Logger})
}
