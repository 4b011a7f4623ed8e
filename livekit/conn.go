package livekit

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	lkp "github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

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

	bufferWarn sync.Once // the socket buffers were smaller than asked: said once
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
	delete(c.muted, rp.SID())
	delete(c.sessionTrack, rp.SID())
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
	c.growBuffers()
	var level uint8
	if r := pub.Receiver(); r != nil {
		level = media.LevelExtension(r)
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

// growBuffers gives the SDK's sockets the buffer samvad's own get
// (media.BufferedNet). The SDK opens them itself with the system's default,
// about 200 ms of a 100-room meeting: a busy moment of the machine would
// have the kernel drop audio before the bot reads it. A subscription is
// when the subscriber's socket is sure to exist, also after a full
// reconnect made new ones; sockets already grown are left alone.
func (c *conn) growBuffers() {
	smallest, grown, err := media.GrowUDPBuffers(media.SocketBuffer)
	switch {
	case err != nil:
		c.bufferWarn.Do(func() {
			c.log.Debug("the LiveKit SDK's sockets keep the system's buffer size", "err", err)
		})
	case grown > 0 && smallest >= 0 && smallest < media.SocketBuffer:
		c.bufferWarn.Do(func() { c.log.Warn(media.BufferWarning(smallest, media.SocketBuffer)) })
	}
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
