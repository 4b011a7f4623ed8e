package main

import (
	"os"
	"syscall"
)

// stopSignals: Ctrl-C and Ctrl-Break both arrive as os.Interrupt; closing
// the console window, logging off and shutting down arrive as SIGTERM.
func stopSignals() []os.Signal { return []os.Signal{os.Interrupt, syscall.SIGTERM} }

func mustStopAtOnce(sig os.Signal) bool { return windowsStopsAtOnce(sig) }
