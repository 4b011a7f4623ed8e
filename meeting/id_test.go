package meeting

import (
	"strings"
	"testing"
)

// TestValidID: ids are safe file names on every system, Windows' device
// names included.
func TestValidID(t *testing.T) {
	for _, id := range []string{"ranchi", "east-singhbhum", "a", strings.Repeat("a", 48)} {
		if !ValidID(id) {
			t.Errorf("%q refused", id)
		}
	}
	for _, id := range []string{"", "-a", "a-", "A", "a_b", "../x", strings.Repeat("a", 49)} {
		if ValidID(id) {
			t.Errorf("%q accepted", id)
		}
	}
	for _, id := range []string{"con", "prn", "aux", "nul", "com0", "com9", "lpt1"} {
		if ValidID(id) {
			t.Errorf("%q is a Windows device name, accepted as an id", id)
		}
	}
	for _, id := range []string{"console", "com", "nul-1", "com10", "auxiliary"} {
		if !ValidID(id) {
			t.Errorf("%q is no Windows device name, refused", id)
		}
	}
}
