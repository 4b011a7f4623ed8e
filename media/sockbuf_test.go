package media

import (
	"errors"
	"testing"
)

// TestSetBufferHalvesOnRefusal is macOS's rule, checked on every system:
// setsockopt refuses a buffer above kern.ipc.maxsockbuf (ENOBUFS) instead
// of clamping it as Linux does, so the socket must ask again for less, or
// keep the system's small default.
func TestSetBufferHalvesOnRefusal(t *testing.T) {
	for _, tc := range []struct {
		limit, ask, want int
	}{
		{limit: 8 << 20, ask: 4 << 20, want: 4 << 20},           // macOS's default limit: granted at once
		{limit: 3 << 20, ask: 4 << 20, want: 2 << 20},           // the largest half that fits
		{limit: 200 << 10, ask: 4 << 20, want: 128 << 10},       // far down
		{limit: 32 << 10, ask: 4 << 20, want: 0},                // nothing worth having: the default stays
		{limit: 1 << 30, ask: SocketBuffer, want: SocketBuffer}, // Windows: no limit
	} {
		var asked []int
		got := 0
		setBuffer(func(n int) error {
			asked = append(asked, n)
			if n > tc.limit {
				return errors.New("setsockopt: no buffer space available")
			}
			got = n
			return nil
		}, tc.ask)
		if got != tc.want {
			t.Errorf("limit %d, asked %d: got %d after asking %v, want %d", tc.limit, tc.ask, got, asked, tc.want)
		}
	}
}
