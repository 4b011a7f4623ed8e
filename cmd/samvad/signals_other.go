//go:build !windows

package main

import (
	"os"
	"syscall"
)

// stopSignals: Ctrl-C (SIGINT) and SIGTERM (systemctl stop, kill).
func stopSignals() []os.Signal { return []os.Signal{os.Interrupt, syscall.SIGTERM} }

// mustStopAtOnce: a service manager waits for a clean stop (systemd for
// TimeoutStopSec), so every signal first ends the meeting cleanly.
func mustStopAtOnce(os.Signal) bool { return false }
