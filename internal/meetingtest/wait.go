package meetingtest

import (
	"testing"
	"time"
)

// pollEvery is how often Eventually looks again: often enough that a test
// does not wait long past the moment, rarely enough that looking (a scrape,
// a glob of the recording folder) costs little.
const pollEvery = 50 * time.Millisecond

// Eventually reports whether cond holds within d, asking it every 50 ms.
// A meeting's effects (packets heard, a segment written, a metric counted)
// come on goroutines and connections that give no signal of their own, so
// tests poll for them.
func Eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
	return true
}

// WaitUntil waits until cond holds (see Eventually) and ends the test if
// it does not within d; what says what the test was waiting for.
func WaitUntil(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if !Eventually(d, cond) {
		t.Fatalf("timed out waiting until %s", what)
	}
}
