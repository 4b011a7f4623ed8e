//go:build unix

package main

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
)

// TestWatchSignalsReal sends this process a real SIGINT, then a SIGTERM:
// the first ends the meeting cleanly, the second stops it at once, and
// after Close the process no longer listens.
func TestWatchSignalsReal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hard := make(chan struct{})
	var w logtest.Buffer
	s := watchSignals(cancel, hard, &w)
	defer s.Close()

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not end the meeting")
	}
	select {
	case <-hard:
		t.Fatal("the first signal stopped at once")
	case <-time.After(50 * time.Millisecond):
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hard:
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not stop at once")
	}
	if out := w.String(); !strings.Contains(out, "stopping cleanly") || !strings.Contains(out, "stopping at once") {
		t.Errorf("said %q", out)
	}
}
