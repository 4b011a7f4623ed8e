package minutes

import (
	"fmt"
	"math"
	"time"
)

// How times are written for secretaries. Every wall-clock time is in the
// meeting's zone (the offset of starts_at), never the machine's: the
// minutes must read the same wherever `samvad report` runs.

// clock is hh:mm:ss in the meeting's zone.
func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04:05") }

// sheetTime is a date and time a spreadsheet recognises as such
// ("2023-11-21 14:02:07"), in the meeting's zone; "" for the zero time.
// Spreadsheets do not read an RFC 3339 offset, so the zone is left out
// here and stated in the README and the other files.
func sheetTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// zoneName is "UTC+05:30".
func zoneName(loc *time.Location, t time.Time) string {
	return "UTC" + t.In(loc).Format("-07:00")
}

// longDate is "Tuesday, 21 November 2023".
func longDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Monday, 2 January 2006")
}

// seconds is a duration in whole seconds, rounded: what the CSV's _s
// columns hold.
func seconds(d time.Duration) int64 { return int64(math.Round(d.Seconds())) }

// seek is the offset of t in the recording's audio files, in whole seconds,
// rounded down so that a player starts on or just before the moment: what
// mix.ogg#t=N and the page's player use.
func seek(t, start time.Time) int64 {
	s := int64(t.Sub(start) / time.Second)
	if s < 0 {
		return 0
	}
	return s
}

// human is a duration as people write it: "1h02m07s", "12m05s", "45s",
// and "<1s" for a moment that rounds to nothing.
func human(d time.Duration) string {
	s := seconds(d)
	switch {
	case s == 0 && d > 0:
		return "<1s"
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
