package rollcall

import (
	"sort"
	"time"

	"github.com/samvad/samvad/recording"
)

// clockSkew is how far the recorder's clock (speaking events) and the
// server's (presence events) may disagree: a turn that starts this little
// before its room's join is the room's first words, not noise.
const clockSkew = 2 * time.Second

// Status is a room's attendance in one word, as attendance.csv writes it.
type Status string

// The four statuses of DESIGN.md.
const (
	StatusPresent   Status = "present"
	StatusLate      Status = "late"
	StatusLeftEarly Status = "left_early"
	StatusAbsent    Status = "absent"
)

// Span is a stretch of wall-clock time.
type Span struct {
	Start, End time.Time
}

// Duration is End - Start.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Connection is one connected stretch of a room, clipped to the recording.
type Connection struct {
	Span
	// Joined is when it began, before clipping: a room may have joined
	// before the recorder did.
	Joined time.Time
	// Ended says how it ended: recording.EventLeft, recording.EventDropped,
	// or "" when the room was still connected at the recording's end.
	Ended string
}

// SilentSpan is a stretch a room was connected without sending audio.
type SilentSpan struct {
	Span
	// Reason as the recorder gave it: "no_packets", "digital_silence" or
	// "muted".
	Reason string
}

// RoomSummary is everything the minutes say about one room.
type RoomSummary struct {
	recording.Room
	// Configured is false for a room seen in events.jsonl but not in
	// meeting.json (a bot recording a server whose meeting it does not
	// have); such rooms appear in the page and the draft, not in the CSV.
	Configured bool

	Status Status
	// Late and LeftEarly may both hold; Status shows one (left_early wins,
	// since first_joined already shows lateness).
	Late, LeftEarly bool
	// FirstJoined is the first join ever logged, even before the recording
	// started (a room found connected when the recorder joined); zero when
	// none was.
	FirstJoined time.Time
	// LastLeft is the last left or dropped; zero when the room was still
	// connected at the recording's end, or never connected.
	LastLeft time.Time
	// ConnectedAtEnd: connected when the recording ended (or crashed).
	ConnectedAtEnd bool

	Connections []Connection // clipped to the recording, in order
	Drops       []time.Time  // each dropped that ended a connection
	Turns       []Span       // speaking turns, clipped to the recording, in order
	// Silent: connected, but no audio reached the recorder (audio_stopped
	// until audio_started or the connection's end), clipped.
	Silent    []SilentSpan
	Connected time.Duration
	Speaking  time.Duration
}

// Attended is whether the room was in the meeting at all.
func (r RoomSummary) Attended() bool { return r.Status != StatusAbsent }

// Summary is the one model every minutes file is rendered from.
type Summary struct {
	Meeting recording.Meeting
	// Start and End of the recording: offset 0 of every audio file, and
	// the end Build settled on (recording_ended_at, or after a crash the
	// last sign of life).
	Start, End time.Time
	// Unfinished: the recorder never logged recording_stopped after it
	// last started (a crash or a kill); End is then the last sign of life.
	// Read from the events rather than meeting.json, which the first
	// report completes, so that every rebuild says the same.
	Unfinished bool
	// Rooms: configured rooms in meeting-file order, then unconfigured
	// rooms seen in the events, by id.
	Rooms []RoomSummary
}

// Loc is the meeting's time zone.
func (s Summary) Loc() *time.Location { return s.Meeting.Location() }

// Count is how many rooms have each status.
func (s Summary) Count(st Status) int {
	n := 0
	for _, r := range s.Rooms {
		if r.Status == st {
			n++
		}
	}
	return n
}

// Attending is how many rooms attended.
func (s Summary) Attending() int { return len(s.Rooms) - s.Count(StatusAbsent) }

// SpeakingOrder is the rooms that spoke, by their first turn.
func (s Summary) SpeakingOrder() []RoomSummary {
	var out []RoomSummary
	for _, r := range s.Rooms {
		if len(r.Turns) > 0 {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Turns[0].Start.Before(out[j].Turns[0].Start) })
	return out
}

// Summarize derives every room's attendance, connections and speaking turns
// from the event log of a recording that ran from start to end. It is pure:
// the same input always gives the same summary.
//
// The rules, chosen to survive what a real log holds:
//   - A joined while already connected (a replaced session's successor, or
//     a restarted recorder finding the room connected) continues the
//     connection; it does not start a second one.
//   - left and dropped end the connection, unless they name a session other
//     than the current one (an old, already replaced connection). replaced
//     itself does not end it: the room reconnected at once.
//   - drops counts the dropped events that ended a connection.
//   - A speaking turn runs from speaking_started to speaking_stopped; it is
//     also ended by the room leaving, dropping, being replaced or muted,
//     by audio_stopped, and by the recorder losing the meeting; a turn
//     still open at the end is ended there. A turn that starts while the
//     room is not connected counts only if the room joins within
//     clockSkew (presence is timed by the server's clock, speaking by the
//     recorder's); otherwise it is noise from a connection already gone.
//   - A room is silent from audio_stopped to audio_started (or its next
//     turn), or to the end of its connection (a successor session is
//     judged afresh).
//   - Room events after end are ignored (the room was connected at the
//     end); everything is clipped to [start, end].
//   - late and left_early: by the meeting's Rules (the first
//     join after starts_at + late_after; not connected at the end, and gone
//     more than left_early_before before it).
func Summarize(m recording.Meeting, start, end time.Time, events []recording.Event) Summary {
	evs := append([]recording.Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.Before(evs[j].At) })

	s := Summary{Meeting: m, Start: start, End: end, Unfinished: true}
	rooms := map[string]*replayRoom{}
	var order []string
	state := func(id string) *replayRoom {
		r, ok := rooms[id]
		if !ok {
			r = &replayRoom{}
			rooms[id] = r
			order = append(order, id)
		}
		return r
	}
	for _, c := range m.Rooms {
		state(c.ID)
	}
	guestNames := map[string]string{} // what guests call themselves
	for _, e := range evs {
		if e.At.After(end) {
			break
		}
		if e.Room == "" {
			switch {
			case e.Event == recording.EventRecordingStopped:
				s.Unfinished = false
			case e.Event == recording.EventRecordingStarted, e.Event == recording.EventBotReconnected && e.Reason == "restarted":
				s.Unfinished = true
			}
			if e.Event == recording.EventBotDisconnected {
				for _, r := range rooms {
					r.stopTurn(e.At)
				}
			}
			continue
		}
		if e.Event == recording.EventJoined && e.Name != "" {
			guestNames[e.Room] = e.Name
		}
		state(e.Room).apply(e)
	}

	rules := RulesOf(m)
	var extra []string
	for _, id := range order {
		if _, ok := m.Room(id); !ok {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	ids := make([]string, 0, len(order))
	for _, c := range m.Rooms {
		ids = append(ids, c.ID)
	}
	ids = append(ids, extra...)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue // a duplicate id in a hand-edited meeting.json
		}
		seen[id] = true
		r := rooms[id]
		r.finish(end)
		rs := RoomSummary{Room: recording.Room{ID: id, Name: id}}
		if n := guestNames[id]; n != "" {
			rs.Name = n
		}
		if c, ok := m.Room(id); ok {
			rs.Room, rs.Configured = c, true
			if rs.Name == "" {
				rs.Name = id
			}
		}
		r.summarize(&rs, start, end)
		switch {
		case !r.attended:
			rs.Status = StatusAbsent
		default:
			_, rs.Late = rules.Late(rs.FirstJoined)
			rs.LeftEarly = rules.LeftEarly(rs.LastLeft, end, rs.ConnectedAtEnd)
			switch {
			case rs.LeftEarly:
				rs.Status = StatusLeftEarly
			case rs.Late:
				rs.Status = StatusLate
			default:
				rs.Status = StatusPresent
			}
		}
		s.Rooms = append(s.Rooms, rs)
	}
	return s
}

// replayRoom follows one room through the events.
type replayRoom struct {
	attended    bool
	firstJoined time.Time
	lastLeft    time.Time

	connected bool
	since     time.Time
	session   string
	conns     []Connection
	drops     []time.Time

	replaced map[string]bool // sessions replaced by a successor

	silent       bool
	silentStart  time.Time
	silentReason string
	silences     []SilentSpan

	speaking  bool
	tentative bool // speaking started while not connected
	turnStart time.Time
	turns     []Span
}

func (r *replayRoom) apply(e recording.Event) {
	switch e.Event {
	case recording.EventJoined:
		r.attended = true
		if r.firstJoined.IsZero() {
			r.firstJoined = e.At
		}
		if !r.connected {
			r.connected, r.since = true, e.At
		}
		if r.speaking && r.tentative {
			if e.At.Sub(r.turnStart) > clockSkew {
				r.turnStart = e.At
			}
			r.tentative = false
		}
		if e.Session != "" {
			r.session = e.Session
		}
	case recording.EventReplaced:
		r.stopTurn(e.At)
		r.stopSilence(e.At) // the successor's audio is judged afresh
		if e.Session != "" {
			if r.replaced == nil {
				r.replaced = map[string]bool{}
			}
			r.replaced[e.Session] = true
		}
		if r.connected && r.sameSession(e.Session) {
			r.session = "" // the successor's joined names the new one
		}
	case recording.EventLeft, recording.EventDropped:
		if !r.sameSession(e.Session) || r.replaced[e.Session] {
			return // an old connection, already replaced
		}
		r.stopTurn(e.At)
		r.stopSilence(e.At)
		switch {
		case r.connected:
			r.conns = append(r.conns, Connection{Span: Span{r.since, e.At}, Joined: r.since, Ended: e.Event})
			r.connected, r.session = false, ""
		case r.attended:
			return // said twice: the connection already ended
		}
		// A gone room never seen joining was connected before the
		// recording knew of it (the roster when the recorder joined).
		r.attended = true
		r.lastLeft = e.At
		if e.Event == recording.EventDropped {
			r.drops = append(r.drops, e.At)
		}
	case recording.EventMuted:
		r.stopTurn(e.At)
	case recording.EventAudioStopped:
		r.stopTurn(e.At)
		if r.connected && !r.silent {
			r.silent, r.silentStart, r.silentReason = true, e.At, e.Reason
		}
	case recording.EventAudioStarted:
		r.stopSilence(e.At)
	case recording.EventSpeakingStarted:
		r.stopSilence(e.At) // speaking is audio, whatever audio_started said
		if !r.speaking {
			r.speaking, r.tentative, r.turnStart = true, !r.connected, e.At
		}
	case recording.EventSpeakingStopped:
		r.stopTurn(e.At)
	}
}

// sameSession: events without a session (the roster's, after a recorder
// restart) match any.
func (r *replayRoom) sameSession(s string) bool {
	return s == "" || r.session == "" || s == r.session
}

func (r *replayRoom) stopTurn(at time.Time) {
	if r.speaking && !r.tentative {
		r.turns = append(r.turns, Span{r.turnStart, at})
	}
	r.speaking, r.tentative = false, false
}

func (r *replayRoom) stopSilence(at time.Time) {
	if r.silent {
		r.silences = append(r.silences, SilentSpan{Span{r.silentStart, at}, r.silentReason})
		r.silent = false
	}
}

// finish closes what is still open at the end.
func (r *replayRoom) finish(end time.Time) {
	r.stopTurn(end)
	r.stopSilence(end)
	if r.connected {
		r.conns = append(r.conns, Connection{Span: Span{r.since, end}, Joined: r.since})
	}
}

func (r *replayRoom) summarize(rs *RoomSummary, start, end time.Time) {
	rs.FirstJoined = r.firstJoined
	rs.ConnectedAtEnd = r.connected
	if !r.connected {
		rs.LastLeft = r.lastLeft
	}
	for _, c := range r.conns {
		if sp, ok := clip(c.Span, start, end); ok {
			c.Span = sp
			rs.Connections = append(rs.Connections, c)
			rs.Connected += sp.Duration()
		}
	}
	rs.Drops = r.drops
	for _, q := range r.silences {
		if sp, ok := clip(q.Span, start, end); ok {
			rs.Silent = append(rs.Silent, SilentSpan{sp, q.Reason})
		}
	}
	for _, t := range r.turns {
		if sp, ok := clip(t, start, end); ok {
			rs.Turns = append(rs.Turns, sp)
			rs.Speaking += sp.Duration()
		}
	}
}

// clip cuts s to [start, end]; ok is false when nothing is left.
func clip(s Span, start, end time.Time) (Span, bool) {
	if s.Start.Before(start) {
		s.Start = start
	}
	if s.End.After(end) {
		s.End = end
	}
	return s, s.End.After(s.Start)
}
