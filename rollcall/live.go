package rollcall

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/samvad/samvad/activity"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

const silentLevel = activity.SilentLevel

// Presence is one change of a room's presence, with the time it
// happened.
type Presence struct {
	Room    string
	Session string
	// Event is recording.EventJoined, EventLeft, EventDropped,
	// EventReplaced, EventMuted or EventUnmuted.
	Event string
	At    time.Time
	// Name is how a room the meeting file does not know calls itself.
	Name string
}

// Live is the live roll call: the state of every room of the meeting, as
// the recorder sees it, from presence, packets and their audio levels.
// Every change is an event, handed to emit (under Live's lock: emit must
// not call back). Its methods are safe for concurrent use.
type Live struct {
	mu           sync.Mutex
	meeting      recording.Meeting
	rules        Rules
	silenceAfter time.Duration
	emit         func(recording.Event)
	rooms        map[string]*liveRoom
}

type liveRoom struct {
	name       string
	presence   string // signaling.State*
	session    string
	muted      bool
	since      time.Time // start of the current connection
	everJoined bool

	lastPacket time.Time
	lastSound  time.Time
	audio      bool // audio_started said and not yet stopped
	silentSaid bool // audio_stopped said for the current silence
	speech     activity.Detector
}

// NewLive starts the roll call of meeting m; a connected room without
// sound for silenceAfter is reported silent.
func NewLive(m recording.Meeting, silenceAfter time.Duration, emit func(recording.Event)) *Live {
	rc := &Live{
		meeting:      m,
		rules:        RulesOf(m),
		silenceAfter: silenceAfter,
		emit:         emit,
		rooms:        map[string]*liveRoom{},
	}
	for _, r := range m.Rooms {
		rc.rooms[r.ID] = &liveRoom{name: r.Name, presence: signaling.StateAbsent}
	}
	return rc
}

// roomLocked is a room's state; a room the meeting does not know (a guest)
// is added, under the name it gives or its id.
func (rc *Live) roomLocked(id, name string) *liveRoom {
	r, ok := rc.rooms[id]
	if !ok {
		if name == "" {
			name = id
		}
		r = &liveRoom{name: name, presence: signaling.StateAbsent}
		rc.rooms[id] = r
	}
	return r
}

// Presence applies a room's change of presence.
func (rc *Live) Presence(p Presence) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r := rc.roomLocked(p.Room, p.Name)
	switch p.Event {
	case recording.EventJoined:
		rc.joinedLocked(p.Room, r, p.Session, p.At, "")
	case recording.EventReplaced:
		rc.emit(recording.Event{At: p.At, Event: recording.EventReplaced, Room: p.Room, Session: p.Session,
			Text: r.name + " reconnected (its old connection was replaced)"})
	case recording.EventLeft, recording.EventDropped:
		if p.Session != "" && r.session != "" && p.Session != r.session {
			return // an old connection, already replaced
		}
		rc.goneLocked(p.Room, r, p.Event, p.At, "")
	case recording.EventMuted, recording.EventUnmuted:
		r.muted = p.Event == recording.EventMuted
		rc.emit(recording.Event{At: p.At, Event: p.Event, Room: p.Room, Session: p.Session, Text: r.name + " " + p.Event})
	}
}

func (rc *Live) joinedLocked(id string, r *liveRoom, session string, at time.Time, note string) {
	ev := recording.Event{At: at, Event: recording.EventJoined, Room: id, Session: session}
	switch {
	case r.everJoined:
		ev.Text = r.name + " rejoined"
	case rc.lateBy(at) > 0:
		ev.LateByMS = rc.lateBy(at).Milliseconds()
		ev.Text = fmt.Sprintf("%s joined (late by %s)", r.name, Duration(rc.lateBy(at)))
	default:
		ev.Text = r.name + " joined"
	}
	ev.Text += note
	if _, known := rc.meeting.Room(id); !known && r.name != id {
		ev.Name = r.name
	}
	r.presence, r.session, r.since, r.everJoined, r.muted = signaling.StateConnected, session, at, true, false
	r.audio, r.silentSaid, r.lastSound, r.lastPacket = false, false, time.Time{}, time.Time{}
	rc.emit(ev)
}

func (rc *Live) goneLocked(id string, r *liveRoom, event string, at time.Time, note string) {
	text := r.name + " left"
	state := signaling.StateLeft
	if event == recording.EventDropped {
		text, state = r.name+" dropped (connection lost)", signaling.StateDropped
	}
	rc.endTurnLocked(id, r, at)
	r.presence, r.since, r.audio = state, at, false
	rc.emit(recording.Event{At: at, Event: event, Room: id, Session: r.session, Text: text + note})
}

// endTurnLocked ends a speaking turn cut short by the room going away or
// the recording ending.
func (rc *Live) endTurnLocked(id string, r *liveRoom, at time.Time) {
	if r.speech.Speaking() {
		r.speech.Tick(at.Add(time.Hour))
		rc.speakingLocked(id, r.session, r)
	}
	r.speech = activity.Detector{}
}

// End closes the turns still open when the recording stops.
func (rc *Live) End(now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id, r := range rc.rooms {
		rc.endTurnLocked(id, r, now)
	}
}

// Sync reconciles the roll call with the rooms' states when the recorder
// (re)joined. Changes it missed are logged at the time the source gives for
// them.
func (rc *Live) Sync(rooms []signaling.RoomState, now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, item := range rooms {
		r := rc.roomLocked(item.Room, item.Name)
		since := item.Since
		if since.IsZero() {
			since = now
		}
		if item.State == r.presence {
			continue
		}
		switch item.State {
		case signaling.StateConnected:
			rc.joinedLocked(item.Room, r, item.Session, since, " (found connected when the recorder joined)")
			r.muted = item.Muted
		case signaling.StateDropped, signaling.StateLeft:
			ev := recording.EventDropped
			if item.State == signaling.StateLeft {
				ev = recording.EventLeft
			}
			r.everJoined = true
			rc.goneLocked(item.Room, r, ev, since, " (while the recorder was away)")
		case signaling.StateAbsent:
			// A source that cannot tell left from dropped (LiveKit forgets
			// who has gone) says only that the room is not there.
			if r.presence == signaling.StateConnected {
				rc.goneLocked(item.Room, r, recording.EventDropped, since, " (while the recorder was away)")
			}
		}
	}
}

// Packet notes a packet of a room: level is RFC 6464 (0 loud … 127 digital
// silence), or -1 when the sender does not send the extension.
func (rc *Live) Packet(room, session string, level int, now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r := rc.roomLocked(room, "")
	r.lastPacket = now
	if r.speech.Level(level, now) {
		rc.speakingLocked(room, session, r)
	}
	if level == silentLevel {
		return
	}
	r.lastSound = now
	if !r.audio && r.presence == signaling.StateConnected {
		r.audio, r.silentSaid = true, false
		rc.emit(recording.Event{At: now, Event: recording.EventAudioStarted, Room: room, Session: session,
			Text: r.name + " audio flowing"})
	}
}

// speakingLocked logs the start or end of a speaking turn.
func (rc *Live) speakingLocked(room, session string, r *liveRoom) {
	if r.speech.Speaking() {
		level := r.speech.Peak()
		rc.emit(recording.Event{At: r.speech.StartedAt(), Event: recording.EventSpeakingStarted, Room: room,
			Session: session, Level: &level, Text: r.name + " speaking"})
		return
	}
	rc.emit(recording.Event{At: r.speech.LastLoud(), Event: recording.EventSpeakingStopped, Room: room,
		Session: session, Text: r.name + " stopped speaking"})
}

// Tick ends speaking turns whose packets stopped, and reports rooms that
// are connected but have been silent too long.
func (rc *Live) Tick(now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for id, r := range rc.rooms {
		if r.speech.Tick(now) {
			rc.speakingLocked(id, r.session, r)
		}
	}
	for id, r := range rc.rooms {
		if r.presence != signaling.StateConnected || r.silentSaid {
			continue
		}
		last := r.since
		if r.lastSound.After(last) {
			last = r.lastSound
		}
		if now.Sub(last) < rc.silenceAfter {
			continue
		}
		reason, why := "digital_silence", "sends only silence"
		switch {
		case r.muted:
			reason, why = "muted", "is muted"
		case r.lastPacket.IsZero() || now.Sub(r.lastPacket) >= rc.silenceAfter:
			reason, why = "no_packets", "sends no audio"
		}
		r.audio, r.silentSaid = false, true
		// Noticed now, after the alarm; it happened when the sound ended
		// (or the room joined without any).
		rc.emit(recording.Event{At: last, Event: recording.EventAudioStopped, Room: id, Session: r.session, Reason: reason,
			Text: fmt.Sprintf("%s connected but %s (%s)", r.name, why, Duration(now.Sub(last)))})
	}
}

// RoomIDs are the ids of every room the roll call follows: the meeting's,
// and guests that came.
func (rc *Live) RoomIDs() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ids := make([]string, 0, len(rc.rooms))
	for id := range rc.rooms {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Connected counts rooms connected now.
func (rc *Live) Connected() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, r := range rc.rooms {
		if r.presence == signaling.StateConnected {
			n++
		}
	}
	return n
}

// lateBy is how late a first join at at is; 0 when it is not late.
func (rc *Live) lateBy(at time.Time) time.Duration {
	by, _ := rc.rules.Late(at)
	return by
}
