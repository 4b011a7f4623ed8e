package participant

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any leaves a goroutine running: a
// closed participant's peer connection, websocket and timers must all be
// gone.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
