package livekit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/signaling"
)

// RollCall is what the server's roll call takes from the LiveKit room;
// *signaling.Server is one.
type RollCall interface {
	SyncRooms(rooms []signaling.RoomState, now time.Time)
	Presence(room, session, event string, at time.Time)
	SetRecording(active bool)
	SetSpeaking(room string, speaking bool, at time.Time)
}

// Watch keeps rc in step with the LiveKit room until ctx ends: who is in
// it, muted and speaking, and whether a recorder is. It joins hidden,
// hearing nobody, and joins again whenever it loses the room. It returns
// early only when LiveKit refuses samvad's key (bot.ErrRefused).
func (s *Source) Watch(ctx context.Context, rc RollCall) error {
	wait := 500 * time.Millisecond
	var mu sync.Mutex // the SDK may call from more than one goroutine
	var speaking map[string]bool
	for ctx.Err() == nil {
		c, err := s.join(ctx, hooks{
			Handlers: bot.Handlers{Presence: func(p bot.Presence) { rc.Presence(p.Room, p.Session, p.Event, p.At) }},
			observe:  true, recording: rc.SetRecording,
			speakers: func(now map[string]bool, at time.Time) {
				mu.Lock()
				defer mu.Unlock()
				for id := range speaking {
					if !now[id] {
						rc.SetSpeaking(id, false, at)
					}
				}
				for id := range now {
					if !speaking[id] {
						rc.SetSpeaking(id, true, at)
					}
				}
				speaking = now
			},
		})
		if err != nil {
			if errors.Is(err, bot.ErrRefused) {
				return err
			}
			if ctx.Err() == nil {
				s.log.Warn("roll call cannot reach the LiveKit room; retrying", "err", err, "in", wait)
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		wait = 500 * time.Millisecond
		now := time.Now()
		rooms := make([]signaling.RoomState, 0, len(c.welcome.Rooms))
		for _, r := range c.welcome.Rooms {
			rooms = append(rooms, signaling.RoomState{Room: r.Room, Session: r.Session, State: r.State, Since: r.Since, Muted: r.Muted})
		}
		rc.SyncRooms(rooms, now)
		rc.SetRecording(c.room.IsRecording())
		select {
		case <-c.Done():
			s.log.Warn("roll call lost the LiveKit room; joining again", "err", c.Err())
		case <-ctx.Done():
		}
		c.Close()
	}
	return nil
}
