package cputime

import (
	"testing"
	"time"
)

// TestProcessCountsWork spins until the process has used 30 ms more CPU:
// a Process that does not count (or always says 0) never gets there.
func TestProcessCountsWork(t *testing.T) {
	before := Process()
	if before <= 0 {
		t.Fatalf("Process() = %v at start: a test binary has used some CPU by now", before)
	}
	deadline := time.Now().Add(20 * time.Second)
	x := 1.0
	for Process()-before < 30*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time went from %v to %v in 20 s of spinning", before, Process())
		}
		for i := range 100000 {
			x = x*1.0000001 + float64(i&1)
		}
	}
	if x == 0 {
		t.Log(x) // keeps the loop from being optimised away
	}
}
