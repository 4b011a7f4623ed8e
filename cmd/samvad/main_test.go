package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine running:
// every server, bot, metrics listener and signal watcher a command starts
// is waited for before the command returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
