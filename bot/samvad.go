package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rtpdirect"
	"github.com/samvad/samvad/signaling"
)

// SamvadSource is a meeting on a samvad server: the bot joins its
// websocket with the recorder token, and the relay forwards it every room.
type SamvadSource struct {
	// URL of the server's websocket.
	URL string
	// Meeting id and the recorder token.
	Meeting, Token string
	// Loopback allows ICE over loopback (tests, one-machine runs).
	Loopback bool
	// PrivateCandidates uses the server's candidates on private addresses
	// (server.ice.private_candidates); see participant.Config.
	PrivateCandidates bool
	DialOptions       []signaling.DialOption
	Logger            *slog.Logger
}

// ErrWrongMeeting is a server whose welcome is not the meeting the bot
// asked for, or says nothing of it.
var ErrWrongMeeting = errors.New("bot: the server welcomed the recorder to another meeting")

// joinTimeout bounds one join: dial, welcome.
const joinTimeout = 15 * time.Second

// Join joins the meeting as its recorder.
func (s *SamvadSource) Join(ctx context.Context, h Handlers) (Conn, error) {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	jctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	direct := rtpdirect.New(rtpdirect.WithLogger(log))
	p, err := participant.Join(jctx, s.participantConfig(log, direct), participant.Handlers{
		OnTrack: func(room string, t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
			h.Track(Track{Room: room, Session: strings.TrimPrefix(t.ID(), "mic-"), Remote: t, Receiver: r,
				LevelExtension: media.LevelExtension(r), Direct: direct})
		},
		OnMessage: func(m signaling.Message) { s.onMessage(m, h, log) },
	})
	if err != nil {
		direct.Close()
		var je *signaling.JoinError
		if errors.As(err, &je) && (je.Code == signaling.CodeBadToken || je.Code == signaling.CodeUnknownMeeting) {
			return nil, fmt.Errorf("%w: %s", ErrRefused, je.Text)
		}
		return nil, err
	}
	w, err := s.welcome(p.Welcome(), log)
	if err != nil {
		p.Close()
		direct.Close()
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return &samvadConn{p: p, w: w, direct: direct, log: log}, nil
}

// participantConfig is how the bot joins a samvad server.
func (s *SamvadSource) participantConfig(log *slog.Logger, direct *rtpdirect.Receiver) participant.Config {
	return participant.Config{
		URL:               s.URL,
		Join:              signaling.Message{Meeting: s.Meeting, Role: signaling.RoleRecorder, Token: s.Token},
		Loopback:          s.Loopback,
		PrivateCandidates: s.PrivateCandidates,
		DialOptions:       s.DialOptions,
		Logger:            log,
		// Every room comes in on this one socket.
		SocketBuffer: media.SocketBuffer,
		// and the bot takes its tracks off it below pion's pipeline.
		Direct: direct,
	}
}

// welcome checks the server's welcome, which the bot treats like anything
// else a peer sends: the meeting must be the one asked for, and a room id
// that is unsafe as a file name is left out (and logged).
func (s *SamvadSource) welcome(m signaling.Message, log *slog.Logger) (Welcome, error) {
	mi := m.MeetingInfo
	if mi == nil {
		return Welcome{}, fmt.Errorf("%w: its welcome names no meeting", ErrWrongMeeting)
	}
	if mi.ID != s.Meeting {
		return Welcome{}, fmt.Errorf("%w: asked for %q, welcomed to %.60q", ErrWrongMeeting, s.Meeting, mi.ID)
	}
	starts, err := time.Parse(time.RFC3339, mi.StartsAt)
	if err != nil {
		return Welcome{}, fmt.Errorf("%w: its starts_at %.40q is not an RFC 3339 time", ErrWrongMeeting, mi.StartsAt)
	}
	var lateAfter meeting.Duration
	if mi.LateAfter != "" {
		if lateAfter, err = meeting.ParseDuration(mi.LateAfter); err != nil {
			return Welcome{}, fmt.Errorf("%w: its late_after: %w", ErrWrongMeeting, err)
		}
	}
	meet := &recording.Meeting{ID: mi.ID, Title: mi.Title, TitleHi: mi.TitleHi, StartsAt: starts, LateAfter: lateAfter}
	w := Welcome{Meeting: meet}
	for _, r := range m.Roster {
		if !recording.ValidRoomID(r.Room) {
			log.Warn("the server's roster names a room id unsafe as a file name: left out", "room", fmt.Sprintf("%.60q", r.Room))
			continue
		}
		meet.Rooms = append(meet.Rooms, recording.Room{ID: r.Room, Kind: r.Kind, Name: r.Name, NameHi: r.NameHi, Location: r.Location})
		st := RoomState{Room: r.Room, State: r.State, Muted: r.Muted}
		if since, err := time.Parse(time.RFC3339Nano, r.Since); err == nil {
			st.Since = since
		}
		w.Rooms = append(w.Rooms, st)
	}
	return w, nil
}

func (s *SamvadSource) onMessage(m signaling.Message, h Handlers, log *slog.Logger) {
	switch m.Type {
	case signaling.TypePresence:
		if !recording.ValidRoomID(m.Room) {
			log.Warn("presence for a room id unsafe as a file name: ignored", "room", fmt.Sprintf("%.60q", m.Room))
			return
		}
		at, err := time.Parse(time.RFC3339Nano, m.At)
		if err != nil {
			at = time.Now()
		}
		h.Presence(Presence{Room: m.Room, Session: m.Session, Event: m.Event, At: at})
	case signaling.TypeError:
		log.Warn("server error", "code", m.Code, "msg", m.Text)
	}
}

type samvadConn struct {
	p      *participant.Participant
	w      Welcome
	direct *rtpdirect.Receiver
	log    *slog.Logger
}

func (c *samvadConn) Welcome() Welcome      { return c.w }
func (c *samvadConn) Done() <-chan struct{} { return c.p.Done() }
func (c *samvadConn) Err() error            { return c.p.Err() }
func (c *samvadConn) Leave()                { c.p.Leave(); c.closeDirect() }
func (c *samvadConn) Close()                { c.p.Close(); c.closeDirect() }

// closeDirect closes the direct receive path and says how it went: packets
// sent up pion's path are recorded too, but many of them mean the direct
// path could not decrypt (a server it does not understand).
func (c *samvadConn) closeDirect() {
	c.direct.Close()
	st := c.direct.Stats()
	log := c.log.Info
	if st.Returned > st.Direct/100 {
		log = c.log.Warn
	}
	log("recorder's receive path", "below_pion", st.Direct, "up_pion", st.Returned)
}

func (c *samvadConn) Report(st signaling.RecorderStatus) {
	c.p.Client.Send(signaling.Message{Type: signaling.TypeStatus, Status: &st})
}
