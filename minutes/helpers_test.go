package minutes

// Helpers for the minutes' tests; the summary's own are rollcall's.

import (
	"github.com/samvad/samvad/internal/eventtest"
)

// The test meeting and its clock: package eventtest.
var (
	ist         = eventtest.IST
	at          = eventtest.At
	ev          = eventtest.Ev
	testMeeting = eventtest.Meeting
)
