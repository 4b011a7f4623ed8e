package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalWatch turns the process's stop signals into the meeting's two
// stops: the first ends the meeting cleanly (files closed, report built),
// the second stops at once (files closed and synced, no report), a third
// exits. Close stops watching and waits for its goroutine.
type signalWatch struct {
	sigs chan os.Signal
	done chan struct{}
}

// watchSignals starts watching this system's stop signals (stopSignals):
// cancel is the clean stop, hard is closed for the stop at once.
func watchSignals(cancel context.CancelFunc, hard chan struct{}, w io.Writer) *signalWatch {
	s := &signalWatch{sigs: make(chan os.Signal, 3), done: make(chan struct{})}
	signal.Notify(s.sigs, stopSignals()...)
	go func() {
		defer close(s.done)
		handleSignals(s.sigs, mustStopAtOnce, cancel, hard, w, os.Exit)
	}()
	return s
}

// Close stops watching: signals have their default effect again.
func (s *signalWatch) Close() {
	signal.Stop(s.sigs)
	close(s.sigs)
	<-s.done
}

// handleSignals is watchSignals' loop, apart from the process so that the
// tests give it signals of any system: atOnce says which signal leaves no
// time for a clean stop (Windows closing the console, logging off or
// shutting down).
func handleSignals(sigs <-chan os.Signal, atOnce func(os.Signal) bool, cancel context.CancelFunc, hard chan struct{}, w io.Writer, exit func(int)) {
	n := 0
	for sig := range sigs {
		n++
		switch {
		case n == 1 && atOnce(sig):
			fmt.Fprintln(w, "samvad: the system is closing samvad: stopping at once; what was received is kept (`samvad report DIR` builds the minutes later)")
			cancel()
			close(hard)
			n = 2
		case n == 1:
			fmt.Fprintln(w, "samvad: stopping cleanly (press Ctrl-C again to stop at once)")
			cancel()
		case n == 2:
			fmt.Fprintln(w, "samvad: stopping at once")
			close(hard)
		default:
			exit(130)
		}
	}
}

// windowsStopsAtOnce is Windows' rule for mustStopAtOnce, here so that the
// tests on every system check it: Ctrl-C and Ctrl-Break (os.Interrupt) end
// the meeting cleanly, but after SIGTERM (the console window closed, a
// logoff, a shutdown) Windows ends the process within about five seconds
// whatever it is doing, too soon for the report: the files are closed at
// once instead, and the report can be built later.
func windowsStopsAtOnce(sig os.Signal) bool { return sig == syscall.SIGTERM }
