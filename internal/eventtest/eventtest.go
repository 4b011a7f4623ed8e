// Package eventtest writes the events of a test meeting by the clock: the
// roll-call summary's and the minutes' table tests share one meeting and
// one way to name its times. It imports neither package, so both can use
// it from inside.
package eventtest

import (
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// IST is the test meeting's zone.
var IST = time.FixedZone("", 5*3600+1800)

// At is a wall-clock time on the test meeting's day: "14:02:07.250" or
// "14:02:07".
func At(clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.000", "2023-11-21 "+clock, IST)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02 15:04:05", "2023-11-21 "+clock, IST)
	}
	if err != nil {
		panic(err)
	}
	return t
}

// Ev is an event of room at clock; session may be "".
func Ev(clock, event, room, session string) recording.Event {
	return recording.Event{At: At(clock), Event: event, Room: room, Session: session}
}

// Meeting is the test meeting: two districts, a and b, starting at 14:00,
// late after 10 minutes.
func Meeting() recording.Meeting {
	return recording.Meeting{
		ID: "t", Title: "Test", StartsAt: At("14:00:00"), LateAfter: meeting.Duration(10 * time.Minute),
		Rooms: []recording.Room{{ID: "a", Kind: "district", Name: "A"}, {ID: "b", Kind: "district", Name: "B"}},
	}
}
