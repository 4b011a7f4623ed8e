// Package rollcall is the meeting's roll call: who is connected, who came
// late or left early, who is silent and who speaks. Live follows a meeting
// as it happens, from the rooms' presence and their packets' audio levels,
// and says every change as an event (the bot writes them to events.jsonl);
// Summarize replays those events after the meeting into the attendance the
// minutes print. Both judge by one set of Rules, so what the roll call said
// on the day and what the minutes say agree; the rules are table-tested
// here, once.
package rollcall

import (
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// Rules are one meeting's attendance rules.
type Rules struct {
	// StartsAt is when the meeting starts; zero: no room is ever late.
	StartsAt time.Time
	// LateAfter: a first join more than this after StartsAt is late.
	LateAfter time.Duration
	// LeftEarlyBefore: a room gone for good more than this before the end
	// left early; 0 means meeting.DefaultLeftEarlyBefore.
	LeftEarlyBefore time.Duration
}

// RulesOf reads a meeting's rules from its snapshot in meeting.json.
func RulesOf(m recording.Meeting) Rules {
	return Rules{StartsAt: m.StartsAt, LateAfter: m.LateAfter.D(), LeftEarlyBefore: m.LeftEarlyBefore.D()}
}

// LateAt is the instant after which a first join is late (zero when the
// meeting has no start).
func (r Rules) LateAt() time.Time {
	if r.StartsAt.IsZero() {
		return time.Time{}
	}
	return r.StartsAt.Add(r.LateAfter)
}

// Late tells whether a room whose first join was at firstJoin is late, and
// by how much after the meeting's start.
func (r Rules) Late(firstJoin time.Time) (by time.Duration, late bool) {
	if r.StartsAt.IsZero() || firstJoin.IsZero() || !firstJoin.After(r.LateAt()) {
		return 0, false
	}
	return firstJoin.Sub(r.StartsAt), true
}

// LeftEarly tells whether a room that was last seen leaving (or dropping)
// at lastLeft, and was not connected when the meeting ended at end, left
// early.
func (r Rules) LeftEarly(lastLeft, end time.Time, connectedAtEnd bool) bool {
	before := r.LeftEarlyBefore
	if before <= 0 {
		before = meeting.DefaultLeftEarlyBefore
	}
	return !connectedAtEnd && !lastLeft.IsZero() && end.Sub(lastLeft) > before
}
