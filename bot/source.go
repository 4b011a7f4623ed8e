package bot

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rollcall"
	"github.com/samvad/samvad/rtpdirect"
	"github.com/samvad/samvad/signaling"
)

// Source is where the bot's meeting comes from: which rooms are connected
// and their audio. The samvad server's signalling and relay is one source
// (SamvadSource), a LiveKit room another (package livekit). The roll call,
// the recorder, the live mix and the minutes never know which fed them.
type Source interface {
	// Join joins the meeting once, as the recorder. The Conn it returns is
	// in the meeting; it reports rooms and tracks to h until it ends. An
	// error wrapping ErrRefused is final: retrying cannot fix it.
	Join(ctx context.Context, h Handlers) (Conn, error)
}

// Handlers take what a Conn reports, on the Conn's own goroutines.
type Handlers struct {
	// Presence is a room joining, leaving, dropping or muting.
	Presence func(Presence)
	// Track is one connection's audio of one room. It runs on a goroutine
	// the Conn owns and waits for on Close, and returns when the track
	// ends.
	Track func(Track)
	// Link is the bot's own connection going down and coming back within
	// a Conn (a source that reconnects by itself, as LiveKit's does).
	Link func(Link)
}

// Link is the bot's connection to the meeting lost or regained.
type Link struct {
	Up     bool
	At     time.Time
	Reason string
}

// Conn is the bot in the meeting, once.
type Conn interface {
	// Welcome is the meeting as found on joining.
	Welcome() Welcome
	// Done is closed when the connection has ended, by Close or by loss.
	Done() <-chan struct{}
	// Err is why it ended.
	Err() error
	// Report passes the recorder's health to whoever shows it (the roll
	// call); a source with nobody to tell drops it.
	Report(signaling.RecorderStatus)
	// Leave says goodbye and closes; Close closes without one. Both wait
	// for every Track handler to return.
	Leave()
	Close()
}

// Welcome is what a source tells on joining.
type Welcome struct {
	// Meeting is the meeting as the source describes it, or nil when it
	// does not (a LiveKit room knows nothing of samvad's meeting: the bot
	// has the meeting file then).
	Meeting *recording.Meeting
	// Rooms are the rooms' states at the moment of joining: changes the
	// bot missed while away are logged at the times given here.
	Rooms []RoomState
}

// RoomState and Presence are what a source tells of rooms: the roll
// call's input (package rollcall).
type (
	RoomState = signaling.RoomState
	Presence  = rollcall.Presence
)

// Track is one connection's audio of one room.
type Track struct {
	Room string
	// Session is the connection it belongs to: a room that reconnects
	// comes back with another, and its audio goes to a new segment.
	Session string
	Remote  *webrtc.TrackRemote
	// Receiver, when set, has its RTCP read (and dropped) by the bot, as
	// pion's interceptors need; a source whose own code reads it leaves it
	// nil.
	Receiver *webrtc.RTPReceiver
	// LevelExtension is the id of the RFC 6464 audio-level header
	// extension, 0 when it was not negotiated (the bot then measures the
	// level by decoding).
	LevelExtension uint8
	// Direct, when set, lets the bot take the track's packets off the
	// connection's sockets, below pion's pipeline; what it does not take
	// still comes through Remote.
	Direct *rtpdirect.Receiver
	// Done, when not nil, is closed when the source ends the track while
	// its reads may still go on (an unsubscribed track).
	Done <-chan struct{}
}
