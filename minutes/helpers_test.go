package minutes

// Helpers for the minutes' tests; the summary's own are rollcall's.

import (
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

var ist = time.FixedZone("", 5*3600+1800)

// at is a wall-clock time on the test meeting's day: "14:02:07.250".
func at(clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.000", "2023-11-21 "+clock, ist)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02 15:04:05", "2023-11-21 "+clock, ist)
	}
	if err != nil {
		panic(err)
	}
	return t
}

// ev is an event of room r; session may be "".
func ev(clock, event, room, session string) recording.Event {
	return recording.Event{At: at(clock), Event: event, Room: room, Session: session}
}

func testMeeting() recording.Meeting {
	return recording.Meeting{
		ID: "t", Title: "Test", StartsAt: at("14:00:00"), LateAfter: meeting.Duration(10 * time.Minute),
		Rooms: []recording.Room{{ID: "a", Kind: "district", Name: "A"}, {ID: "b", Kind: "district", Name: "B"}},
	}
}
