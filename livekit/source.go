package livekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	lkp "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/twitchtv/twirp"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
)

// SourceConfig says which LiveKit room the bot records.
type SourceConfig struct {
	// File is the meeting file: its rooms and its media.livekit section.
	File *meeting.File
	// URLs, when given, are the LiveKit nodes to join through, tried in
	// turn; by default media.livekit.url.
	URLs   []string
	Logger *slog.Logger
	// Report, when set, takes the recorder's health (samvad run hands it
	// to its own roll call).
	Report func(signaling.RecorderStatus)
}

// Source is a meeting's LiveKit room as the bot sees it: the bot joins it
// hidden, subscribes to every room's microphone and publishes nothing.
type Source struct {
	cfg    SourceConfig
	minter *Minter
	log    *slog.Logger
	urls   []string
	next   atomic.Int32 // the URL that worked last: tried first
}

// NewSource checks the meeting file and makes the source.
func NewSource(cfg SourceConfig) (*Source, error) {
	m, err := NewMinter(cfg.File)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	urls := cfg.URLs
	if len(urls) == 0 {
		urls = []string{cfg.File.Media.LiveKit.URL}
	}
	return &Source{cfg: cfg, minter: m, urls: urls, log: cfg.Logger.With("component", "livekit", "livekit_room", m.Room())}, nil
}

// Join joins the LiveKit room, as the recorder, through the first node
// that answers.
func (s *Source) Join(ctx context.Context, h bot.Handlers) (bot.Conn, error) {
	return s.join(ctx, hooks{Handlers: h})
}

// hooks are what a conn reports: the bot's handlers, and for the roll
// call's watcher the room's recording state and who speaks.
type hooks struct {
	bot.Handlers
	// observe joins to watch, hearing nobody (the roll call's watcher).
	observe   bool
	recording func(bool)
	speakers  func(speaking map[string]bool, at time.Time)
}

func (s *Source) join(ctx context.Context, h hooks) (*conn, error) {
	var errs []error
	first := int(s.next.Load())
	for i := range s.urls {
		n := (first + i) % len(s.urls)
		c, err := s.joinAt(ctx, s.urls[n], h)
		if err == nil {
			s.next.Store(int32(n))
			return c, nil
		}
		if errors.Is(err, bot.ErrRefused) || ctx.Err() != nil {
			return nil, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", s.urls[n], err))
	}
	return nil, errors.Join(errs...)
}

// joinTimeout bounds one attempt at one node.
const joinTimeout = 15 * time.Second

func (s *Source) joinAt(ctx context.Context, url string, h hooks) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	// Asking the room service first tells a wrong key from a node that is
	// down (the SDK's join says only "bad handshake"), and gives the time
	// each participant already in the room joined.
	joined, err := s.joinTimes(ctx, url)
	if err != nil {
		return nil, err
	}
	mint := s.minter.RecorderToken
	if h.observe {
		mint = s.minter.ObserverToken
	}
	token, err := mint()
	if err != nil {
		return nil, err
	}
	c := &conn{s: s, h: h, done: make(chan struct{}), sessions: map[string]string{}, tracks: map[string]*subscribed{},
		muted: map[string]bool{},
		log:   s.log.With("url", url)}
	cb := lksdk.NewRoomCallback()
	cb.OnParticipantConnected = c.participantConnected
	cb.OnParticipantDisconnected = c.participantDisconnected
	cb.OnTrackSubscribed = c.trackSubscribed
	cb.OnTrackUnsubscribed = c.trackUnsubscribed
	cb.OnTrackMuted = func(pub lksdk.TrackPublication, p lksdk.Participant) { c.mute(pub, p, true) }
	cb.OnTrackUnmuted = func(pub lksdk.TrackPublication, p lksdk.Participant) { c.mute(pub, p, false) }
	// A microphone first seen already muted gets no OnTrackMuted.
	cb.OnTrackPublished = func(pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) { c.mute(pub, rp, pub.IsMuted()) }
	cb.OnReconnecting = c.reconnecting
	cb.OnReconnected = c.reconnected
	cb.OnDisconnectedWithReason = c.disconnected
	if h.recording != nil {
		cb.OnRecordingStatusChanged = func(on bool) {
			if !c.isClosed() {
				h.recording(on)
			}
		}
	}
	if h.speakers != nil {
		cb.OnActiveSpeakersChanged = c.activeSpeakers
	}
	c.room = lksdk.NewRoom(cb)
	// The recorder's own interceptors, not the SDK's defaults (NACK,
	// TWCC, RTT and more on every packet): a third less CPU a packet.
	ics, err := participant.ReportInterceptors()
	if err != nil {
		return nil, err
	}
	if err := c.room.JoinWithContextAndToken(ctx, url, token, lksdk.WithAutoSubscribe(true), lksdk.WithLogger(sdkLogger(s.log)),
		lksdk.WithInterceptors(ics)); err != nil {
		c.end(err)
		return nil, fmt.Errorf("join LiveKit room %q: %w", s.minter.Room(), err)
	}
	c.welcome = c.found(joined, time.Now())
	c.log.Info("joined the LiveKit room", "rooms_there", connectedIn(c.welcome.Rooms))
	return c, nil
}

// joinTimes asks the room service when each participant now in the room
// joined. A room that does not exist yet has nobody in it.
func (s *Source) joinTimes(ctx context.Context, url string) (map[string]time.Time, error) {
	secret, _ := s.cfg.File.Media.LiveKit.APISecret.Secret()
	rs := lksdk.NewRoomServiceClient(url, s.cfg.File.Media.LiveKit.APIKey, secret)
	res, err := rs.ListParticipants(ctx, &lkp.ListParticipantsRequest{Room: s.minter.Room()})
	var te twirp.Error
	switch {
	case err == nil:
	case errors.As(err, &te) && (te.Code() == twirp.Unauthenticated || te.Code() == twirp.PermissionDenied):
		return nil, fmt.Errorf("%w: LiveKit at %s does not accept media.livekit.api_key and api_secret (%s)", bot.ErrRefused, url, te.Msg())
	case errors.As(err, &te) && te.Code() == twirp.NotFound:
		return nil, nil
	default:
		return nil, fmt.Errorf("LiveKit room service: %w", err)
	}
	out := make(map[string]time.Time, len(res.GetParticipants()))
	for _, p := range res.GetParticipants() {
		if ms := p.GetJoinedAtMs(); ms > 0 {
			out[p.GetSid()] = time.UnixMilli(ms)
		} else if sec := p.GetJoinedAt(); sec > 0 {
			out[p.GetSid()] = time.Unix(sec, 0)
		}
	}
	return out, nil
}
