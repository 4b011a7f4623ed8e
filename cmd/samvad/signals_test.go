package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// signalRun gives handleSignals the first 1, 2, ... of sigs, each time
// to a fresh handler run to its end, and says what each had done: the
// clean stop, the stop at once, an exit.
func signalRun(t *testing.T, atOnce func(os.Signal) bool, sigs ...os.Signal) (states []string, out string) {
	t.Helper()
	for k := 1; k <= len(sigs); k++ {
		ctx, cancel := context.WithCancel(context.Background())
		hard := make(chan struct{})
		in := make(chan os.Signal, len(sigs))
		for _, s := range sigs[:k] {
			in <- s
		}
		close(in)
		var w strings.Builder
		exit := -1
		handleSignals(in, atOnce, cancel, hard, &w, func(code int) { exit = code })
		var state []string
		if ctx.Err() != nil {
			state = append(state, "clean")
		}
		select {
		case <-hard:
			state = append(state, "hard")
		default:
		}
		if exit >= 0 {
			state = append(state, fmt.Sprint("exit ", exit))
		}
		cancel()
		states = append(states, strings.Join(state, " "))
		out = w.String()
	}
	return states, out
}

func TestSignalsCleanThenAtOnce(t *testing.T) {
	never := func(os.Signal) bool { return false }
	states, out := signalRun(t, never, syscall.SIGTERM, os.Interrupt, os.Interrupt)
	want := []string{"clean", "clean hard", "clean hard exit 130"}
	if strings.Join(states, "|") != strings.Join(want, "|") {
		t.Errorf("after each signal %q, want %q", states, want)
	}
	if !strings.Contains(out, "stopping cleanly") || !strings.Contains(out, "stopping at once") {
		t.Errorf("said %q", out)
	}
}

// TestSignalsWindows is Windows' rule, checked here: Ctrl-C and Ctrl-Break
// (both os.Interrupt) end the meeting cleanly, while SIGTERM (the console
// closed, a logoff, a shutdown) leaves seconds before Windows ends the
// process, so the files are closed at once.
func TestSignalsWindows(t *testing.T) {
	states, _ := signalRun(t, windowsStopsAtOnce, os.Interrupt, os.Interrupt)
	if want := "clean|clean hard"; strings.Join(states, "|") != want {
		t.Errorf("Ctrl-C, Ctrl-Break: %q, want %q", states, want)
	}
	states, out := signalRun(t, windowsStopsAtOnce, syscall.SIGTERM, os.Interrupt)
	if want := "clean hard|clean hard exit 130"; strings.Join(states, "|") != want {
		t.Errorf("console closed, then Ctrl-C: %q, want %q", states, want)
	}
	if !strings.Contains(out, "samvad report") {
		t.Errorf("does not say how to build the report later: %q", out)
	}
	states, _ = signalRun(t, windowsStopsAtOnce, os.Interrupt, syscall.SIGTERM)
	if want := "clean|clean hard"; strings.Join(states, "|") != want {
		t.Errorf("Ctrl-C, then the console closed: %q, want %q", states, want)
	}
}
