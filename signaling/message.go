// Package signaling is samvad's websocket signalling: the server that admits
// rooms, the recorder and IT staff to a meeting, tells everyone who is
// present, and relays SDP and ICE between each client and the media relay;
// and the client the bot and the simulator use to join. PROTOCOL.md in this
// directory is the wire protocol.
package signaling

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// MaxMessageSize is the largest frame a peer may send: what the contract
// allows everyone, and all a room ever needs.
const MaxMessageSize = 64 << 10

// MaxRecorderMessageSize is the largest frame a joined recorder may send.
// A recorder hears every room, one audio line each, and its answer grows by
// about 430 bytes a room: past about 140 rooms it no longer fits in 64 KiB.
// The larger limit applies only after the recorder token has been checked;
// the frame that carries the join is held to MaxMessageSize like any other.
const MaxRecorderMessageSize = 1 << 20

// Message types, client to server.
const (
	TypeJoin      = "join"
	TypeAnswer    = "answer"
	TypeCandidate = "candidate"
	TypeMute      = "mute"
	TypeLeave     = "leave"
)

// Message types, server to client.
const (
	TypeWelcome   = "welcome"
	TypeOffer     = "offer"
	TypePresence  = "presence"
	TypeTrack     = "track"
	TypeRecording = "recording"
	TypeError     = "error"
	// TypeStatus carries the recorder's health to staff; see PROTOCOL.md.
	TypeStatus = "status"
	// TypeActivity tells staff that a room started or stopped speaking, or
	// fell silent; see PROTOCOL.md.
	TypeActivity = "activity"
)

// Roles a client joins with.
const (
	RoleRoom     = "room"
	RoleRecorder = "recorder"
	RoleStaff    = "staff"
)

// Roster states.
const (
	StateAbsent    = "absent"
	StateConnected = "connected"
	StateDropped   = "dropped"
	StateLeft      = "left"
)

// Error codes. The fatal ones are followed by a close.
const (
	CodeBadToken       = "bad_token"
	CodeUnknownRoom    = "unknown_room"
	CodeUnknownMeeting = "unknown_meeting"
	CodeBadMessage     = "bad_message"
	CodeTooLarge       = "too_large"
	CodeNotJoined      = "not_joined"
	CodeReplaced       = "replaced"
	CodeJoinTimeout    = "join_timeout"
	CodeTooManyErrors  = "too_many_errors"
	CodeSlowClient     = "slow_client"
	CodeMediaFailed    = "media_failed"
	CodeShuttingDown   = "shutting_down"
	// Limits: see meeting.Limits.
	CodeTooManyConnections = "too_many_connections"
	CodeRateLimited        = "rate_limited"
	CodeLockedOut          = "locked_out"
	CodeTooManyClients     = "too_many_clients"
)

// Message is every message of the protocol: one JSON object with a type and
// the fields that type uses. Unknown fields are ignored.
type Message struct {
	Type string `json:"type"`

	// join; welcome and presence reuse Room and Session.
	Meeting string `json:"meeting,omitempty"`
	Room    string `json:"room,omitempty"`
	Role    string `json:"role,omitempty"`
	Token   string `json:"token,omitempty"`
	// Receive false asks the relay not to forward the meeting's audio to
	// this room: a simulated or listen-less room then costs no forwarding.
	Receive *bool `json:"receive,omitempty"`

	// offer, answer, candidate
	SDP       string                   `json:"sdp,omitempty"`
	Candidate *webrtc.ICECandidateInit `json:"candidate,omitempty"`

	// mute
	Muted *bool `json:"muted,omitempty"`

	// welcome
	Session     string       `json:"session,omitempty"`
	MeetingInfo *MeetingInfo `json:"-"`
	Roster      []RosterItem `json:"roster,omitempty"`
	Recording   *bool        `json:"recording,omitempty"`
	// Media is a room's grant to a media engine other than the server's
	// relay (LiveKit); see PROTOCOL.md.
	Media *MediaGrant `json:"media,omitempty"`

	// presence: recording.EventJoined, EventLeft, EventDropped,
	// EventReplaced, EventMuted or EventUnmuted, the words events.jsonl
	// records them by
	Event string `json:"event,omitempty"`
	At    string `json:"at,omitempty"`

	// track
	Stream string `json:"stream,omitempty"`
	Track  string `json:"track,omitempty"`

	// recording
	Active *bool `json:"active,omitempty"`

	// activity
	Speaking *bool `json:"speaking,omitempty"`
	Silent   *bool `json:"silent,omitempty"`

	// error
	Code string `json:"code,omitempty"`
	Text string `json:"message,omitempty"`

	// status (recorder → server → staff)
	Status *RecorderStatus `json:"status,omitempty"`
}

// MeetingInfo is the meeting as the welcome message describes it.
type MeetingInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	TitleHi  string `json:"title_hi,omitempty"`
	StartsAt string `json:"starts_at"`
	// LateAfter extends the contract's object so that a bot on another
	// machine can tell late rooms without the meeting file.
	LateAfter string `json:"late_after,omitempty"`
}

// RosterItem is one configured room in a welcome.
type RosterItem struct {
	Room   string `json:"room"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi,omitempty"`
	Kind   string `json:"kind"`
	// Location extends the contract's roster item, for the bot's manifest.
	Location string `json:"location,omitempty"`
	State    string `json:"state"`
	Since    string `json:"since,omitempty"`
	Muted    bool   `json:"muted,omitempty"`
	Speaking bool   `json:"speaking,omitempty"`
	Silent   bool   `json:"silent,omitempty"`
	// FirstJoined and Drops extend the contract's roster item: a roll call
	// opened mid-meeting can tell a late room from one that dropped.
	FirstJoined string `json:"first_joined,omitempty"`
	Drops       int    `json:"drops,omitempty"`
}

// RecorderStatus is the recorder's health, shown on the roll call.
type RecorderStatus struct {
	Recording      bool    `json:"recording"`
	SecondsWritten float64 `json:"seconds_written"`
	Segments       int     `json:"segments"`
	DiskFreeBytes  int64   `json:"disk_free_bytes"`
	WriteErrors    int     `json:"write_errors"`
	Folder         string  `json:"folder,omitempty"`
}

// messageJSON exists because welcome's "meeting" is an object while join's
// "meeting" is the meeting id: one JSON name, two shapes.
type messageJSON struct {
	*wireMessage
	Meeting json.RawMessage `json:"meeting,omitempty"`
}

type wireMessage Message

// MarshalJSON writes welcome's meeting as an object and every other
// message's meeting as the id.
func (m Message) MarshalJSON() ([]byte, error) {
	w := wireMessage(m)
	out := messageJSON{wireMessage: &w}
	switch {
	case m.MeetingInfo != nil:
		b, err := json.Marshal(m.MeetingInfo)
		if err != nil {
			return nil, err
		}
		out.Meeting = b
	case m.Meeting != "":
		b, _ := json.Marshal(m.Meeting)
		out.Meeting = b
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads "meeting" as an id or as a welcome's object.
func (m *Message) UnmarshalJSON(b []byte) error {
	var in messageJSON
	in.wireMessage = (*wireMessage)(m)
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	m.Meeting, m.MeetingInfo = "", nil
	if len(in.Meeting) > 0 && string(in.Meeting) != "null" {
		if in.Meeting[0] == '{' {
			m.MeetingInfo = new(MeetingInfo)
			if err := json.Unmarshal(in.Meeting, m.MeetingInfo); err != nil {
				return err
			}
		} else if err := json.Unmarshal(in.Meeting, &m.Meeting); err != nil {
			return err
		}
	}
	return nil
}

// ErrBadMessage is wrapped by every error of Decode.
var ErrBadMessage = errors.New("bad message")

// Decode parses one client-to-server frame and checks that it has what its
// type needs.
func Decode(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("%w: not a JSON object: %v", ErrBadMessage, err)
	}
	switch m.Type {
	case TypeJoin:
		switch m.Role {
		case RoleRoom:
			if m.Room == "" {
				return m, fmt.Errorf("%w: join as room needs \"room\"", ErrBadMessage)
			}
		case RoleRecorder, RoleStaff:
		case "":
			return m, fmt.Errorf("%w: join needs \"role\": room, recorder or staff", ErrBadMessage)
		default:
			return m, fmt.Errorf("%w: unknown role %q: want room, recorder or staff", ErrBadMessage, m.Role)
		}
		if m.Meeting == "" {
			return m, fmt.Errorf("%w: join needs \"meeting\"", ErrBadMessage)
		}
	case TypeAnswer:
		if m.SDP == "" {
			return m, fmt.Errorf("%w: answer needs \"sdp\"", ErrBadMessage)
		}
	case TypeCandidate:
		if m.Candidate == nil {
			return m, fmt.Errorf("%w: candidate needs \"candidate\"", ErrBadMessage)
		}
	case TypeMute:
		if m.Muted == nil {
			return m, fmt.Errorf("%w: mute needs \"muted\": true or false", ErrBadMessage)
		}
	case TypeLeave, TypeStatus:
	case "":
		return m, fmt.Errorf("%w: no \"type\"", ErrBadMessage)
	default:
		return m, fmt.Errorf("%w: unknown type %q", ErrBadMessage, m.Type)
	}
	return m, nil
}

// Timestamp formats an instant as the protocol's "at": RFC 3339 with
// milliseconds.
func Timestamp(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

func boolPtr(b bool) *bool { return &b }
