package signaling

import (
	"time"

	"github.com/samvad/samvad/recording"
)

// Granter gives rooms their media elsewhere than on the server's own relay
// (media.engine: livekit): the room's welcome carries a grant instead of
// the offers that follow it, and the rooms' presence comes from the media
// engine (Presence, SyncRooms), not from their websockets.
type Granter interface {
	// Grant is what the room needs to connect its media: minted afresh
	// for each join, short-lived, never logged.
	Grant(room, name string) (*MediaGrant, error)
}

// MediaGrant tells a room where its media goes and with what access; see
// PROTOCOL.md ("welcome.media").
type MediaGrant struct {
	// Engine is "livekit".
	Engine string `json:"engine"`
	// URL is where the media engine's clients connect.
	URL string `json:"url"`
	// Room is the engine's room; Token the room's access to it.
	Room  string `json:"room"`
	Token string `json:"token"`
}

// WithGranter makes the server hand rooms media grants instead of relaying
// their media; see Granter.
func WithGranter(g Granter) Option { return func(s *Server) { s.granter = g } }

// RoomState is one room's presence at a moment, as a media engine or the
// server tells it: what Server.SyncRooms and the recorder's roll call
// (rollcall.Live.Sync) set themselves to.
type RoomState struct {
	Room    string
	Session string
	// State is StateConnected, StateDropped, StateLeft or StateAbsent
	// (SyncRooms reads anything but StateConnected as not connected).
	State string
	// Since is when the room entered State; zero: unknown.
	Since time.Time
	Muted bool
	// Name is how a room the meeting file does not know calls itself.
	Name string
}

// Presence applies a room's change of presence reported by the media
// engine: joined, left, dropped, replaced, muted, unmuted at the time it
// happened. Rooms the meeting file does not know are not on the roll
// call.
func (s *Server) Presence(room, session, event string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.roster[room]
	if !ok {
		return
	}
	at = at.In(s.file.Location())
	switch event {
	case recording.EventJoined:
		if e.state == StateConnected && e.session == session {
			return
		}
		s.roomJoinedLocked(room, session, at)
	case recording.EventLeft, recording.EventDropped:
		if e.state != StateConnected || (session != "" && e.session != "" && e.session != session) {
			return // an old connection, already replaced
		}
		s.roomGoneLocked(room, session, event, at)
	case recording.EventReplaced:
		s.broadcastLocked(Message{Type: TypePresence, Event: recording.EventReplaced, Room: room, Session: session, At: Timestamp(at)})
	case recording.EventMuted, recording.EventUnmuted:
		muted := event == recording.EventMuted
		if e.state != StateConnected || e.muted == muted {
			return
		}
		e.muted = muted
		s.broadcastLocked(Message{Type: TypePresence, Event: event, Room: room, Session: e.session, At: Timestamp(at)})
	}
}

// SyncRooms sets the roll call to the media engine's view when the server
// (re)connects to it: rooms connected now, with when they joined; a room
// the roll call had connected that is not there any more dropped.
func (s *Server) SyncRooms(rooms []RoomState, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range rooms {
		e, ok := s.roster[r.Room]
		if !ok || r.State != StateConnected {
			continue
		}
		seen[r.Room] = true
		if e.state != StateConnected || e.session != r.Session {
			since := r.Since
			if since.IsZero() {
				since = now
			}
			s.roomJoinedLocked(r.Room, r.Session, since.In(s.file.Location()))
		}
		if e := s.roster[r.Room]; e.muted != r.Muted {
			e.muted = r.Muted
			ev := recording.EventUnmuted
			if r.Muted {
				ev = recording.EventMuted
			}
			s.broadcastLocked(Message{Type: TypePresence, Event: ev, Room: r.Room, Session: r.Session, At: Timestamp(now)})
		}
	}
	for id, e := range s.roster {
		if e.state == StateConnected && !seen[id] {
			s.roomGoneLocked(id, e.session, recording.EventDropped, now.In(s.file.Location()))
		}
	}
}

// SetRecording tells everyone whether a recorder is in the meeting, as the
// media engine reports it (LiveKit's room is "recording" while a
// recorder participant is in it).
func (s *Server) SetRecording(active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.externalRecording == active {
		return
	}
	s.externalRecording = active
	s.broadcastLocked(Message{Type: TypeRecording, Active: boolPtr(s.recordingLocked())})
}

// SetRecorderStatus shows a recorder's health on the roll call: the bot of
// samvad run reports here when it records on another engine.
func (s *Server) SetRecorderStatus(st RecorderStatus) { s.recorderStatus(st) }

// SetSpeaking shows a room speaking or not on the roll call, as the media
// engine reports it.
func (s *Server) SetSpeaking(room string, speaking bool, at time.Time) {
	s.setActivity(room, at, func(e *rosterEntry) *bool { return &e.speaking }, speaking)
}

// SetSilent shows a room connected but sending no sound, or sounding
// again, as the recorder hears it (with LiveKit, only the recorder hears
// the rooms).
func (s *Server) SetSilent(room string, silent bool, at time.Time) {
	s.setActivity(room, at, func(e *rosterEntry) *bool { return &e.silent }, silent)
}

// setActivity sets one of a connected room's activity flags and tells
// staff when it changed.
func (s *Server) setActivity(room string, at time.Time, flag func(*rosterEntry) *bool, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.roster[room]
	if !ok || e.state != StateConnected || *flag(e) == v {
		return
	}
	*flag(e) = v
	s.activityLocked(room, e, at)
}
