package main

import (
	"fmt"
	"time"

	"github.com/samvad/samvad/meeting"
)

// rehearsalAfter: a meeting file whose starts_at is further in the past
// than this is being rehearsed, not held. No meeting starts half a day
// late, and a rehearsal is often run on the real file, days or years after
// its date (or with a file copied from a past meeting).
const rehearsalAfter = 12 * time.Hour

// rehearse makes a run of a meeting whose starts_at is long past a
// rehearsal: lateness is timed from now, when the rehearsal starts, in the
// meeting's zone (and the recording's folder is named for today, apart
// from the real meeting's). It returns what it did, in words, or "" for a
// meeting held on its day.
func rehearse(f *meeting.File, now time.Time) string {
	was := f.Meeting.StartsAt.Time
	past := now.Sub(was)
	if was.IsZero() || past <= rehearsalAfter {
		return ""
	}
	loc := was.Location()
	f.Meeting.StartsAt = meeting.Time{Time: now.Truncate(time.Millisecond).In(loc)}
	ago := fmt.Sprintf("%d hours", int(past.Hours()))
	if past >= 48*time.Hour {
		ago = fmt.Sprintf("%d days", int(past.Hours()/24))
	}
	return fmt.Sprintf("rehearsal: the meeting file's starts_at (%s) is %s past, so this is a rehearsal: lateness is timed from its start, %s",
		was.Format("Mon 2 Jan 2006 15:04 -07:00"), ago, f.Meeting.StartsAt.Format("15:04:05 -07:00"))
}
