package handoff

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a hand-off leaves a goroutine behind: Run
// waits for every part it starts.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
