package signaling

import (
	"crypto/subtle"
	"net/netip"
	"time"

	"github.com/google/uuid"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/relay"
)

// handle acts on one decoded message; false means the connection is ending.
func (c *conn) handle(m Message) bool {
	if m.Type == TypeJoin {
		return c.join(m)
	}
	c.s.mu.Lock()
	joined, role := c.joined, c.role
	c.s.mu.Unlock()
	if !joined {
		return !c.strike(CodeNotJoined, "join first")
	}
	switch m.Type {
	case TypeAnswer:
		if c.peer == nil {
			return !c.strike(CodeBadMessage, "no offer to answer")
		}
		if err := c.peer.Answer(m.SDP); err != nil {
			return !c.strike(CodeBadMessage, err.Error())
		}
	case TypeCandidate:
		if c.peer == nil {
			return !c.strike(CodeBadMessage, "no media connection for this candidate")
		}
		if err := c.peer.AddCandidate(*m.Candidate); err != nil {
			return !c.strike(CodeBadMessage, err.Error())
		}
	case TypeMute:
		if role == RoleRoom {
			c.s.setMuted(c, *m.Muted)
		}
	case TypeStatus:
		if role == RoleRecorder && m.Status != nil {
			c.s.recorderStatus(*m.Status)
		}
	case TypeLeave:
		c.s.mu.Lock()
		c.ending = recording.EventLeft
		c.s.mu.Unlock()
		c.closeNormally()
		return false
	}
	return true
}

// join admits the client, or refuses it for good.
func (c *conn) join(m Message) bool {
	s := c.s
	s.mu.Lock()
	if c.joined {
		s.mu.Unlock()
		return !c.strike(CodeBadMessage, "already joined")
	}
	now := s.now()
	if wait := s.lockedOutLocked(c.ip, now); wait > 0 {
		// A locked-out address still gets its rooms in, but every join
		// from it costs a second, and a wrong token gets nothing more
		// than locked_out: guessing stays slow, and ten bad guesses from
		// a shared address (a reverse proxy, an office NAT) do not lock
		// out every district behind it.
		s.mu.Unlock()
		time.Sleep(lockedJoinDelay) // holds up only this connection's reader
		s.mu.Lock()
		if code, _ := s.admit(m); code != "" {
			s.mu.Unlock()
			c.logger().Warn("join refused: address locked out", "room", m.Room, "role", m.Role, "for", wait.Round(time.Second))
			s.metrics.Refused(CodeLockedOut)
			c.fatal(CodeLockedOut, lockoutText(wait))
			return false
		}
		c.logger().Info("right token from a locked-out address: admitted", "room", m.Room, "role", m.Role)
		now = s.now()
	}
	code, text := s.admit(m)
	var delay time.Duration
	if code == CodeBadToken || code == CodeUnknownRoom || code == CodeUnknownMeeting {
		var locked bool
		delay, locked = s.failedJoinLocked(c.ip, now)
		if locked {
			c.logger().Warn("address locked out after failed joins", "limit", s.limits.FailedJoinsPerIP, "for", s.limits.Lockout.D())
			code, text = CodeLockedOut, lockoutText(s.limits.Lockout.D())
		}
	}
	if code == "" {
		code, text = s.capacityLocked(m.Role)
	}
	if code != "" {
		s.forgetOldFailuresLocked(now)
		s.mu.Unlock()
		// Never log the token, only who tried.
		c.logger().Warn("join refused", "code", code, "meeting", m.Meeting, "role", m.Role, "room", m.Room)
		s.metrics.Refused(code)
		time.Sleep(delay) // holds up only this connection's reader
		c.fatal(code, text)
		return false
	}
	c.joined = true
	c.session = uuid.NewString()
	c.role = m.Role
	s.metrics.Join(c.role)
	c.receive = m.Receive == nil || *m.Receive
	if m.Role == RoleRoom {
		c.room = m.Room
	}
	c.log.Store(c.log.Load().With("session", c.session, "role", c.role, "room", c.room))

	var grant *MediaGrant
	if c.role == RoleRoom {
		if old := s.rooms[c.room]; old != nil {
			old.ending = recording.EventReplaced
			if s.granter == nil {
				s.broadcastLocked(Message{Type: TypePresence, Event: recording.EventReplaced, Room: c.room, Session: old.session, At: Timestamp(now)})
			}
			old.fatal(CodeReplaced, "this room joined again from another connection")
		}
		s.rooms[c.room] = c
		if s.granter != nil {
			r, _ := s.file.Room(c.room)
			g, err := s.granter.Grant(c.room, r.Name)
			if err != nil {
				delete(s.rooms, c.room)
				s.mu.Unlock()
				c.logger().Error("no media grant for the room", "err", err)
				c.fatal(CodeMediaFailed, "the server could not set up media: try again")
				return false
			}
			grant = g
		} else {
			s.roomJoinedLocked(c.room, c.session, now)
		}
	}
	s.joined[c] = struct{}{}
	if c.role == RoleStaff {
		s.staff++
	}
	welcome := s.welcomeLocked(c)
	welcome.Media = grant
	c.sendMsg(welcome)
	if c.role == RoleStaff && s.status != nil {
		c.sendMsg(Message{Type: TypeStatus, Status: s.status})
	}
	if c.role == RoleRoom && s.granter == nil {
		s.broadcastLocked(Message{Type: TypePresence, Event: recording.EventJoined, Room: c.room, Session: c.session, At: Timestamp(now)})
	}
	if c.role == RoleRecorder {
		wasRecording := s.recordingLocked()
		s.recorders++
		if !wasRecording {
			s.broadcastLocked(Message{Type: TypeRecording, Active: boolPtr(true)})
		}
	}
	s.mu.Unlock()
	c.logger().Info("joined")

	if s.relay == nil || c.role == RoleStaff || (s.granter != nil && c.role == RoleRoom) {
		return true
	}
	info := relay.PeerInfo{
		Session:  c.session,
		Room:     c.room,
		Recorder: c.role == RoleRecorder,
		Receive:  c.receive,
	}
	if a, err := netip.ParseAddr(c.ip); err == nil {
		info.Addr = a
	}
	if r, ok := s.file.Room(c.room); ok && r.Kind == meeting.KindHost {
		info.AlwaysHeard = true
	}
	peer, err := s.relay.Join(info, relay.Callbacks{
		Signal: c.relaySignal,
		Failed: func() { c.fatal(CodeMediaFailed, "the media connection failed: join again") },
	})
	if err != nil {
		c.logger().Error("media peer", "err", err)
		c.fatal(CodeMediaFailed, "the server could not set up media")
		return false
	}
	c.peer = peer
	return true
}

// capacityLocked refuses a staff page or recorder beyond the limits.
func (s *Server) capacityLocked(role string) (code, text string) {
	switch {
	case role == RoleStaff && s.staff >= s.limits.MaxStaff:
		return CodeTooManyClients, "too many roll-call pages are open"
	case role == RoleRecorder && s.recorders >= s.limits.MaxRecorders:
		return CodeTooManyClients, "too many recorders are connected"
	}
	return "", ""
}

// admit checks a join against the meeting file; it returns an error code
// and text, or "" to admit.
func (s *Server) admit(m Message) (code, text string) {
	if m.Meeting != s.file.Meeting.ID {
		return CodeUnknownMeeting, "this server runs another meeting"
	}
	switch m.Role {
	case RoleRoom:
		// A stranger learns nothing of which rooms exist: an unknown room
		// gets the answer of a wrong token, at the same cost, unless the
		// token is a room's own (its holder knows the meeting anyway).
		_, known := s.file.Room(m.Room)
		holder, valid := s.file.RoomOfToken(m.Token)
		switch {
		case valid && holder.ID == m.Room:
		case valid && !known:
			return CodeUnknownRoom, "no room \"" + m.Room + "\" in this meeting: check the link"
		default:
			return CodeBadToken, "wrong token for this room"
		}
	case RoleRecorder:
		internal := s.internalRecorder != "" &&
			subtle.ConstantTimeCompare([]byte(meeting.Hash(m.Token)), []byte(meeting.Hash(s.internalRecorder))) == 1
		if !internal && !s.file.RecorderToken.Match(m.Token) {
			return CodeBadToken, "wrong recorder token"
		}
	case RoleStaff:
		if !s.file.StaffToken.Match(m.Token) {
			return CodeBadToken, "wrong staff token"
		}
	}
	return "", ""
}

func (c *conn) relaySignal(sig relay.Signal) {
	switch {
	case sig.Offer != "":
		c.sendMsg(Message{Type: TypeOffer, SDP: sig.Offer})
	case sig.Candidate != nil:
		c.sendMsg(Message{Type: TypeCandidate, Candidate: sig.Candidate})
	case sig.Track != nil:
		t := sig.Track
		c.sendMsg(Message{Type: TypeTrack, Room: t.Room, Session: t.Session, Stream: t.Stream, Track: t.Track})
	}
}

func (s *Server) welcomeLocked(c *conn) Message {
	f := s.file
	roster := make([]RosterItem, 0, len(f.Rooms))
	for _, r := range f.Rooms {
		e := s.roster[r.ID]
		item := RosterItem{Room: r.ID, Name: r.Name, NameHi: r.NameHi, Kind: r.Kind, Location: r.Location,
			State: e.state, Muted: e.muted, Speaking: e.speaking, Silent: e.silent}
		if !e.since.IsZero() {
			item.Since = Timestamp(e.since)
		}
		if !e.first.IsZero() {
			item.FirstJoined = Timestamp(e.first)
		}
		item.Drops = e.drops
		roster = append(roster, item)
	}
	return Message{
		Type:    TypeWelcome,
		Session: c.session,
		Room:    c.room,
		Role:    c.role,
		MeetingInfo: &MeetingInfo{
			ID:        f.Meeting.ID,
			Title:     f.Meeting.Title,
			TitleHi:   f.Meeting.TitleHi,
			StartsAt:  f.Meeting.StartsAt.Format("2006-01-02T15:04:05Z07:00"),
			LateAfter: f.Meeting.LateAfter.String(),
		},
		Roster:    roster,
		Recording: boolPtr(s.recordingLocked()),
	}
}

// recordingLocked reports whether a recorder is in the meeting: joined
// here, or in the media engine's room.
func (s *Server) recordingLocked() bool { return s.recorders > 0 || s.externalRecording }

// connectedLocked counts the rooms connected now.
func (s *Server) connectedLocked() int {
	n := 0
	for _, e := range s.roster {
		if e.state == StateConnected {
			n++
		}
	}
	return n
}

// roomJoinedLocked puts a room on the roll call as connected since at.
// With the server's own relay the caller tells everyone (after the
// welcome); presence from a media engine is told here.
func (s *Server) roomJoinedLocked(room, session string, at time.Time) {
	e := s.roster[room]
	first := e.first
	if first.IsZero() {
		first = at
	}
	s.roster[room] = &rosterEntry{state: StateConnected, session: session, since: at, first: first, drops: e.drops}
	if s.granter != nil {
		s.broadcastLocked(Message{Type: TypePresence, Event: recording.EventJoined, Room: room, Session: session, At: Timestamp(at)})
	}
}

// roomGoneLocked puts a room on the roll call as left or dropped at at,
// and tells everyone.
func (s *Server) roomGoneLocked(room, session, event string, at time.Time) {
	state := StateDropped
	if event == recording.EventLeft {
		state = StateLeft
	}
	e := s.roster[room]
	drops := e.drops
	if state == StateDropped {
		drops++
	}
	s.roster[room] = &rosterEntry{state: state, since: at, first: e.first, drops: drops}
	s.broadcastLocked(Message{Type: TypePresence, Event: event, Room: room, Session: session, At: Timestamp(at)})
}

// broadcastLocked sends m to every joined client.
func (s *Server) broadcastLocked(m Message) {
	if m.Type == TypePresence {
		s.metrics.Presence(m.Event)
	}
	for c := range s.joined {
		c.sendMsg(m)
	}
}

func (s *Server) setMuted(c *conn, muted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.muted == muted || s.rooms[c.room] != c || s.granter != nil {
		return // with a media engine, mutes come from it
	}
	c.muted = muted
	s.roster[c.room].muted = muted
	ev := recording.EventUnmuted
	if muted {
		ev = recording.EventMuted
	}
	s.broadcastLocked(Message{Type: TypePresence, Event: ev, Room: c.room, Session: c.session, At: Timestamp(s.now())})
}

// onActivity passes a room's activity from the relay to staff.
func (s *Server) onActivity(a relay.Activity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.rooms[a.Room]
	if c == nil || c.session != a.Session {
		return // a connection already gone
	}
	e := s.roster[a.Room]
	if e.speaking == a.Speaking && e.silent == a.Silent {
		return
	}
	e.speaking, e.silent = a.Speaking, a.Silent
	s.activityLocked(a.Room, e, a.At)
}

// activityLocked tells staff a room's speaking and silence now.
func (s *Server) activityLocked(room string, e *rosterEntry, at time.Time) {
	m := Message{Type: TypeActivity, Room: room, Session: e.session,
		Speaking: boolPtr(e.speaking), Silent: boolPtr(e.silent), At: Timestamp(at.In(s.file.Location()))}
	for c := range s.joined {
		if c.role == RoleStaff {
			c.sendMsg(m)
		}
	}
}

func (s *Server) recorderStatus(st RecorderStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = &st
	for c := range s.joined {
		if c.role == RoleStaff {
			c.sendMsg(Message{Type: TypeStatus, Status: &st})
		}
	}
}

// finish runs when the reader ends: the session leaves the meeting, as left,
// replaced or dropped.
func (c *conn) finish() {
	s := c.s
	s.mu.Lock()
	delete(s.conns, c)
	if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
		delete(s.perIP, c.ip)
	}
	if c.joined {
		delete(s.joined, c)
		now := s.now()
		switch c.role {
		case RoleRoom:
			if s.rooms[c.room] == c {
				delete(s.rooms, c.room)
				ev := recording.EventDropped
				if c.ending == recording.EventLeft {
					ev = recording.EventLeft
				}
				if s.granter == nil {
					s.roomGoneLocked(c.room, c.session, ev, now)
				}
				c.logger().Info(ev)
			} else {
				c.logger().Info("replaced")
			}
		case RoleStaff:
			s.staff--
		case RoleRecorder:
			s.recorders--
			if !s.recordingLocked() {
				s.broadcastLocked(Message{Type: TypeRecording, Active: boolPtr(false)})
			}
			c.logger().Info("recorder gone")
		}
	}
	s.mu.Unlock()
	close(c.done)
	c.ws.Close()
	if c.peer != nil {
		c.peer.Close()
	}
}

// Roster reports each configured room's state (StateConnected, ...) by
// room id, for the metrics and tests.
func (s *Server) Roster() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.roster))
	for id, e := range s.roster {
		out[id] = e.state
	}
	return out
}
