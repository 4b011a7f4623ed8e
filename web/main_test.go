package web

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine running:
// every server, recordings watcher and browser a test starts is stopped.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
