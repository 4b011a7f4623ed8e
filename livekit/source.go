package livekit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	lkp "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/twitchtv/twirp"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
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
	if err := c.room.JoinWithContextAndToken(ctx, url, token, lksdk.WithAutoSubscribe(true), lksdk.WithLogger(sdkLogger(s.log))); err != nil {
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

// conn is the bot in the LiveKit room, once. The SDK calls its callbacks
// on goroutines of its own, some started for the call alone, so their
// order is not the order of events: presence is checked against the room
// as it is now, and every session is known by its participant SID.
type conn struct {
	s       *Source
	h       hooks
	log     *slog.Logger
	room    *lksdk.Room
	welcome bot.Welcome
	done    chan struct{}
	wg      sync.WaitGroup

	mu           sync.Mutex
	closed       bool
	err          error
	away         bool                   // LiveKit is reconnecting the bot
	awaySince    time.Time              // when it began
	sessions     map[string]string      // room id → participant SID of its connection now
	tracks       map[string]*subscribed // track SID → the track being recorded
	sessionTrack map[string]string      // participant SID → the track SID recorded for it
	muted        map[string]bool        // participant SID → its microphone is muted, as last told
}

type subscribed struct {
	done chan struct{}
	once sync.Once
}

func (t *subscribed) end() { t.once.Do(func() { close(t.done) }) }

// found is the welcome: the rooms in the LiveKit room now, with the times
// they joined, and every other configured room as not connected.
func (c *conn) found(joined map[string]time.Time, now time.Time) bot.Welcome {
	var w bot.Welcome
	present := map[string]bool{}
	for _, rp := range c.room.GetRemoteParticipants() {
		id, guest, ok := roomOf(c.s.cfg.File, rp.Identity())
		if !ok || present[id] {
			continue
		}
		present[id] = true
		since, known := joined[rp.SID()]
		if !known {
			since = now
		}
		st := bot.RoomState{Room: id, Session: rp.SID(), State: signaling.StateConnected, Since: since}
		if pub := rp.GetTrackPublication(lkp.TrackSource_MICROPHONE); pub != nil {
			st.Muted = pub.IsMuted()
		}
		c.mu.Lock()
		c.muted[rp.SID()] = st.Muted
		c.mu.Unlock()
		if guest {
			st.Name = guestName(rp.Name(), rp.Identity())
		}
		c.mu.Lock()
		c.sessions[id] = rp.SID()
		c.mu.Unlock()
		w.Rooms = append(w.Rooms, st)
	}
	for _, r := range c.s.cfg.File.Rooms {
		if !present[r.ID] {
			w.Rooms = append(w.Rooms, bot.RoomState{Room: r.ID, State: signaling.StateAbsent})
		}
	}
	return w
}

func (c *conn) participantConnected(rp *lksdk.RemoteParticipant) {
	at := time.Now()
	id, guest, ok := roomOf(c.s.cfg.File, rp.Identity())
	if !ok {
		return
	}
	c.mu.Lock()
	if c.closed || c.away || c.sessions[id] == rp.SID() {
		c.mu.Unlock()
		return
	}
	c.sessions[id] = rp.SID()
	c.mu.Unlock()
	p := bot.Presence{Room: id, Session: rp.SID(), Event: recording.EventJoined, At: at}
	if guest {
		p.Name = guestName(rp.Name(), rp.Identity())
		c.log.Warn("a participant that is no room of the meeting file joined: recorded as a guest", "guest", id)
	}
	c.h.Presence(p)
}

func (c *conn) participantDisconnected(rp *lksdk.RemoteParticipant) {
	at := time.Now()
	id, _, ok := roomOf(c.s.cfg.File, rp.Identity())
	if !ok {
		return
	}
	// A full reconnect of the bot drops every participant from the SDK's
	// view and adds them back: only a participant no longer in the room
	// has gone.
	if cur := c.room.GetParticipantByIdentity(rp.Identity()); cur != nil && cur.SID() == rp.SID() {
		return
	}
	c.mu.Lock()
	if c.closed || c.away {
		c.mu.Unlock()
		return
	}
	if c.sessions[id] == rp.SID() {
		delete(c.sessions, id)
	}
	c.mu.Unlock()
	ev := recording.EventDropped
	switch rp.DisconnectReason() {
	case lkp.DisconnectReason_CLIENT_INITIATED:
		ev = recording.EventLeft
	case lkp.DisconnectReason_DUPLICATE_IDENTITY:
		ev = recording.EventReplaced
	}
	c.h.Presence(bot.Presence{Room: id, Session: rp.SID(), Event: ev, At: at})
}

func (c *conn) mute(pub lksdk.TrackPublication, p lksdk.Participant, muted bool) {
	at := time.Now()
	rp, ok := p.(*lksdk.RemoteParticipant)
	if !ok || pub.Kind() != lksdk.TrackKindAudio {
		return
	}
	id, _, ok := roomOf(c.s.cfg.File, rp.Identity())
	if !ok {
		return
	}
	c.mu.Lock()
	current := !c.closed && c.sessions[id] == rp.SID() && c.muted[rp.SID()] != muted
	if current {
		c.muted[rp.SID()] = muted
	}
	c.mu.Unlock()
	if !current {
		return
	}
	ev := recording.EventUnmuted
	if muted {
		ev = recording.EventMuted
	}
	c.h.Presence(bot.Presence{Room: id, Session: rp.SID(), Event: ev, At: at})
}

func (c *conn) trackSubscribed(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	if c.h.observe {
		// Subscribed only to be told who speaks: LiveKit stops sending.
		pub.SetEnabled(false)
		return
	}
	if track.Kind() != webrtc.RTPCodecTypeAudio || c.h.Track == nil {
		return
	}
	id, _, ok := roomOf(c.s.cfg.File, rp.Identity())
	if !ok {
		return
	}
	t := &subscribed{done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.sessionTrack == nil {
		c.sessionTrack = map[string]string{}
	}
	if other, ok := c.sessionTrack[rp.SID()]; ok && other != pub.SID() {
		if _, live := c.tracks[other]; live {
			c.mu.Unlock()
			c.log.Warn("a room publishes a second audio track: only its first is recorded", "room", id, "track", pub.SID())
			return
		}
	}
	c.sessionTrack[rp.SID()] = pub.SID()
	c.tracks[pub.SID()] = t
	c.wg.Add(1)
	c.mu.Unlock()
	var level uint8
	if r := pub.Receiver(); r != nil {
		level = bot.LevelExtension(r)
	}
	c.log.Info("recording a microphone", "room", id, "session", rp.SID(), "audio_level_extension", level != 0)
	go func() {
		defer c.wg.Done()
		// The SDK reads the receiver's RTCP itself: the bot must not.
		c.h.Track(bot.Track{Room: id, Session: rp.SID(), Remote: track, LevelExtension: level, Done: t.done})
		c.mu.Lock()
		if c.tracks[pub.SID()] == t {
			delete(c.tracks, pub.SID())
		}
		c.mu.Unlock()
	}()
}

func (c *conn) trackUnsubscribed(_ *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
	c.mu.Lock()
	t := c.tracks[pub.SID()]
	c.mu.Unlock()
	if t != nil {
		t.end()
	}
}

func (c *conn) reconnecting() {
	at := time.Now()
	c.mu.Lock()
	if c.closed || c.away {
		c.mu.Unlock()
		return
	}
	c.away, c.awaySince = true, at
	c.wg.Add(1)
	c.mu.Unlock()
	c.log.Warn("LiveKit connection lost: reconnecting")
	go c.watch(at)
	if c.h.Link != nil {
		c.h.Link(bot.Link{At: at, Reason: "LiveKit connection lost"})
	}
}

// reconnected sets the roll call right after LiveKit brought the bot
// back: who left meanwhile (logged at the time the bot lost the room, the
// last it knew of them) and who joined.
func (c *conn) reconnected() {
	at := time.Now()
	present := map[string]*lksdk.RemoteParticipant{}
	for _, rp := range c.room.GetRemoteParticipants() {
		if id, _, ok := roomOf(c.s.cfg.File, rp.Identity()); ok {
			present[id] = rp
		}
	}
	var gone, came []bot.Presence
	c.mu.Lock()
	if c.closed || !c.away {
		c.mu.Unlock()
		return
	}
	since := c.awaySince
	c.away = false
	for id, sid := range c.sessions {
		if rp, ok := present[id]; !ok || rp.SID() != sid {
			delete(c.sessions, id)
			gone = append(gone, bot.Presence{Room: id, Session: sid, Event: recording.EventDropped, At: since})
		}
	}
	for id, rp := range present {
		if c.sessions[id] != rp.SID() {
			c.sessions[id] = rp.SID()
			p := bot.Presence{Room: id, Session: rp.SID(), Event: recording.EventJoined, At: at}
			if _, guest, _ := roomOf(c.s.cfg.File, rp.Identity()); guest {
				p.Name = guestName(rp.Name(), rp.Identity())
			}
			came = append(came, p)
		}
	}
	c.mu.Unlock()
	c.log.Info("LiveKit connection back", "after", at.Sub(since).Round(time.Millisecond))
	if c.h.Link != nil {
		c.h.Link(bot.Link{Up: true, At: at, Reason: "LiveKit reconnected"})
	}
	for _, p := range append(gone, came...) {
		c.h.Presence(p)
	}
}

// ReconnectWithin is how long the SDK may try to bring a connection back
// by itself. It retries only the node it joined through, for a minute; a
// node that died takes the room with it, and LiveKit moves the room to
// another node only for a fresh join, which the bot then makes through the
// next of its URLs.
const ReconnectWithin = 5 * time.Second

// watch ends the connection if LiveKit has not brought it back within
// ReconnectWithin of at. It runs on a goroutine counted in wg.
func (c *conn) watch(at time.Time) {
	defer c.wg.Done()
	t := time.NewTimer(ReconnectWithin)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.done:
		return
	}
	c.mu.Lock()
	stuck := c.away && c.awaySince.Equal(at)
	c.mu.Unlock()
	if stuck {
		c.end(fmt.Errorf("LiveKit did not reconnect within %s", ReconnectWithin))
	}
}

// activeSpeakers passes LiveKit's active speakers on, as rooms.
func (c *conn) activeSpeakers(ps []lksdk.Participant) {
	at := time.Now()
	if c.isClosed() {
		return
	}
	speaking := map[string]bool{}
	for _, p := range ps {
		if id, _, ok := roomOf(c.s.cfg.File, p.Identity()); ok {
			speaking[id] = true
		}
	}
	c.h.speakers(speaking, at)
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *conn) disconnected(reason lksdk.DisconnectionReason) {
	c.end(fmt.Errorf("LiveKit ended the connection (%s)", reason))
}

// end marks the connection over, once, and ends every track.
func (c *conn) end(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.err = true, err
	tracks := c.tracks
	c.mu.Unlock()
	for _, t := range tracks {
		t.end()
	}
	close(c.done)
}

func (c *conn) Welcome() bot.Welcome  { return c.welcome }
func (c *conn) Done() <-chan struct{} { return c.done }
func (c *conn) Leave()                { c.Close() }
func (c *conn) Report(st signaling.RecorderStatus) {
	if c.s.cfg.Report != nil {
		c.s.cfg.Report(st)
	}
}

func (c *conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close leaves the room (LiveKit knows no leaving without a goodbye) and
// waits for every track's handler.
func (c *conn) Close() {
	c.end(nil)
	c.room.Disconnect()
	c.wg.Wait()
}

func connectedIn(rs []bot.RoomState) int {
	n := 0
	for _, r := range rs {
		if r.State == signaling.StateConnected {
			n++
		}
	}
	return n
}
