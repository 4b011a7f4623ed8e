package minutes

import (
	"time"

	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rollcall"
)

// The minutes are the roll call's account of a recording, replayed from
// events.jsonl by the same rules the live roll call kept (package
// rollcall); these names are the minutes' for its types.
type (
	Summary     = rollcall.Summary
	RoomSummary = rollcall.RoomSummary
	Status      = rollcall.Status
	Span        = rollcall.Span
)

// The statuses of a room in the minutes.
const (
	StatusPresent   = rollcall.StatusPresent
	StatusLate      = rollcall.StatusLate
	StatusLeftEarly = rollcall.StatusLeftEarly
	StatusAbsent    = rollcall.StatusAbsent
)

// Summarize replays a recording's events through the roll call's rules
// (rollcall.Summarize).
func Summarize(m recording.Meeting, start, end time.Time, events []recording.Event) Summary {
	return rollcall.Summarize(m, start, end, events)
}
