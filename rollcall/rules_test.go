package rollcall

import (
	"testing"
	"time"

	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// TestRules: the attendance rules the roll call and the minutes share.
func TestRules(t *testing.T) {
	ist := time.FixedZone("IST", 19800)
	start := time.Date(2023, 11, 21, 14, 0, 0, 0, ist)
	end := start.Add(time.Hour)
	r := RulesOf(recording.Meeting{StartsAt: start, LateAfter: meeting.Duration(10 * time.Minute), LeftEarlyBefore: meeting.Duration(5 * time.Minute)})
	for _, c := range []struct {
		name   string
		join   time.Time
		late   bool
		lateBy time.Duration
	}{
		{"before the start", start.Add(-3 * time.Minute), false, 0},
		{"at the limit", start.Add(10 * time.Minute), false, 0},
		{"just after", start.Add(10*time.Minute + time.Millisecond), true, 10*time.Minute + time.Millisecond},
		{"never joined", time.Time{}, false, 0},
	} {
		by, late := r.Late(c.join)
		if late != c.late || by != c.lateBy {
			t.Errorf("%s: late %v by %v, want %v by %v", c.name, late, by, c.late, c.lateBy)
		}
	}
	if _, late := (Rules{}).Late(start); late {
		t.Error("a meeting without a start makes a room late")
	}
	for _, c := range []struct {
		name      string
		lastLeft  time.Time
		connected bool
		want      bool
	}{
		{"left ten minutes before the end", end.Add(-10 * time.Minute), false, true},
		{"left at the limit", end.Add(-5 * time.Minute), false, false},
		{"left, then back at the end", end.Add(-10 * time.Minute), true, false},
		{"never left", time.Time{}, false, false},
	} {
		if got := r.LeftEarly(c.lastLeft, end, c.connected); got != c.want {
			t.Errorf("%s: left early %v, want %v", c.name, got, c.want)
		}
	}
	if !(Rules{}).LeftEarly(end.Add(-6*time.Minute), end, false) {
		t.Error("without left_early_before, 6 minutes before the end is not early (default 5m)")
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		en, hi string
	}{
		{0, "0s", "0 सेकंड"},
		{300 * time.Millisecond, "<1s", "1 सेकंड से कम"},
		{45 * time.Second, "45s", "45 सेकंड"},
		{12*time.Minute + 5*time.Second, "12m05s", "12 मिनट 5 सेकंड"},
		{time.Hour + 2*time.Minute + 7*time.Second, "1h02m07s", "1 घंटा 2 मिनट 7 सेकंड"},
		{26565*time.Hour + 13*time.Minute + 8*time.Second, "1106 days 21h13m", "1106 दिन 21 घंटे 13 मिनट"},
	} {
		if en, hi := Duration(c.d), DurationHi(c.d); en != c.en || hi != c.hi {
			t.Errorf("%v: %q / %q, want %q / %q", c.d, en, hi, c.en, c.hi)
		}
	}
}
