package minutes

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/samvad/samvad/rollcall"
)

// How times are written for secretaries. Every wall-clock time is in the
// meeting's zone (the offset of starts_at), never the machine's: the
// minutes must read the same wherever `samvad report` runs.

// clock is hh:mm:ss in the meeting's zone.
func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04:05") }

// sheetTime is a date and time with its offset from UTC, in the meeting's
// zone ("2023-11-21 14:02:07+05:30", RFC 3339 with a space for the T, which
// Python's datetime.fromisoformat reads); "" for the zero time.
func sheetTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05-07:00")
}

// zoneName is "UTC+05:30".
func zoneName(loc *time.Location, t time.Time) string {
	return "UTC" + t.In(loc).Format("-07:00")
}

var (
	hindiWeekdays = [...]string{"रविवार", "सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार"}
	hindiMonths   = [...]string{"जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"}
)

// longDate is "मंगलवार, 21 नवंबर 2023 / Tuesday, 21 November 2023".
func longDate(t time.Time, loc *time.Location) Words {
	t = t.In(loc)
	return Words{
		fmt.Sprintf("%s, %d %s %d", hindiWeekdays[t.Weekday()], t.Day(), hindiMonths[t.Month()-1], t.Year()),
		t.Format("Monday, 2 January 2006"),
	}
}

// span is a stretch of the day with its date: "Tuesday, 21 November 2023,
// 13:58:00 to 15:00:00", and the second date too when it ends on another
// day.
func span(from, to time.Time, loc *time.Location) Words {
	d1 := longDate(from, loc)
	if from.In(loc).Format(time.DateOnly) == to.In(loc).Format(time.DateOnly) {
		return Words{
			fmt.Sprintf("%s, %s से %s तक", d1.Hi, clock(from, loc), clock(to, loc)),
			fmt.Sprintf("%s, %s to %s", d1.En, clock(from, loc), clock(to, loc)),
		}
	}
	d2 := longDate(to, loc)
	return Words{
		fmt.Sprintf("%s, %s से %s, %s तक", d1.Hi, clock(from, loc), d2.Hi, clock(to, loc)),
		fmt.Sprintf("%s, %s to %s, %s", d1.En, clock(from, loc), d2.En, clock(to, loc)),
	}
}

// seconds is a duration in whole seconds, rounded: what the CSV's _s
// columns hold.
func seconds(d time.Duration) int64 { return int64(math.Round(d.Seconds())) }

// seek is the offset of t in the recording's audio files, in seconds to the
// millisecond (rounded down), as mix.ogg#t=N and the page's player take it:
// "150", "1200.52". Whole seconds would start a turn at 14:18:00.900 nine
// tenths of a second early, in the previous speaker's words.
func seek(t, start time.Time) string {
	ms := t.Sub(start).Milliseconds()
	if ms <= 0 {
		return "0"
	}
	s := strconv.FormatInt(ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return s
}

// human and humanHi are durations in words, as the roll call says them.
func human(d time.Duration) string   { return rollcall.Duration(d) }
func humanHi(d time.Duration) string { return rollcall.DurationHi(d) }

// dur is a duration in both languages.
func dur(d time.Duration) Words { return Words{humanHi(d), human(d)} }
