package mixer

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine running: a
// Mixer's goroutines (MixFiles' decoder) must all be waited for.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
