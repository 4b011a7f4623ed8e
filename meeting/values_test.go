package meeting

import (
	"encoding/json"
	"testing"
	"time"
)

// TestDurationJSON: the manifest's snapshot and the welcome carry a
// duration as the meeting file writes it, and read it back with the meeting
// file's rules, so a bad one is an error where it is read, not a silent 0.
func TestDurationJSON(t *testing.T) {
	for _, d := range []Duration{0, Duration(10 * time.Minute), Duration(90*time.Minute + 1500*time.Millisecond)} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if want := `"` + time.Duration(d).String() + `"`; string(b) != want {
			t.Errorf("%v written as %s, want %s", time.Duration(d), b, want)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("%s read back as %v, %v", b, time.Duration(back), err)
		}
	}
	for _, bad := range []string{`"ten minutes"`, `"-5m"`, `600`, `""`} {
		var d Duration
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s read as %v, want an error", bad, time.Duration(d))
		}
	}
}
