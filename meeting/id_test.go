package meeting

import (
	"strings"
	"testing"

	"github.com/samvad/samvad/recording"
)

// TestIDRuleIsTheRecordersRule: the bot checks a server's room ids with the
// recording package's copy of this rule; the two must agree.
func TestIDRuleIsTheRecordersRule(t *testing.T) {
	for _, id := range []string{"ranchi", "east-singhbhum", "a", "con", "nul", "aux", "prn", "com1", "lpt9", "com", "lpt", "console", "nul-1", "com10",
		"", "-a", "a-", "A", "a_b", "../x", strings.Repeat("a", 48), strings.Repeat("a", 49)} {
		if ValidID(id) != recording.ValidRoomID(id) {
			t.Errorf("%q: meeting.ValidID %v, recording.ValidRoomID %v", id, ValidID(id), recording.ValidRoomID(id))
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
