package rollcall

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Duration is a duration as people write it: "1h02m07s", "12m05s", "45s",
// "<1s" for a moment that rounds to nothing, and days past a day, without
// the seconds: "1106 days 21h13m".
func Duration(d time.Duration) string {
	s := seconds(d)
	switch {
	case s == 0 && d > 0:
		return "<1s"
	case s >= 2*86400:
		return fmt.Sprintf("%d days %dh%02dm", s/86400, s/3600%24, s/60%60)
	case s >= 86400:
		return fmt.Sprintf("1 day %dh%02dm", s/3600%24, s/60%60)
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// DurationHi is Duration in Hindi: "1 घंटा 2 मिनट 7 सेकंड", "45 सेकंड",
// "1106 दिन 21 घंटे 13 मिनट"; parts that are zero are left out.
func DurationHi(d time.Duration) string {
	s := seconds(d)
	if s == 0 {
		if d > 0 {
			return "1 सेकंड से कम"
		}
		return "0 सेकंड"
	}
	var parts []string
	add := func(n int64, unit string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, unit))
		}
	}
	hours := "घंटे"
	if s/3600%24 == 1 {
		hours = "घंटा"
	}
	add(s/86400, "दिन")
	if s >= 3600 {
		add(s/3600%24, hours)
	}
	add(s/60%60, "मिनट")
	if s < 86400 {
		add(s%60, "सेकंड")
	}
	return strings.Join(parts, " ")
}

func seconds(d time.Duration) int64 { return int64(math.Round(d.Seconds())) }
