package minutes

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine running
// (Build rebuilds mix.ogg with a decoding goroutine it must wait for).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
