package livekit

import (
	"testing"

	"github.com/samvad/samvad/meeting"
)

func TestRoomOf(t *testing.T) {
	f := testFile(t)
	for _, tc := range []struct {
		identity, want string
		guest, ok      bool
	}{
		{"dumka", "dumka", false, true},
		{"samvad:recorder:x", "", false, false},
		{"", "", false, false},
		{"visitor", "guest-visitor", true, true},
		{"Ram Kumar", "guest-ram-kumar-", true, true},
		{"../../etc/passwd", "guest-etc-passwd-", true, true},
		{"दुमका", "guest-", true, true},
		{"a-very-long-identity-that-goes-on-and-on-and-on-forever", "guest-a-very-long-identity-that-goe", true, true},
	} {
		id, guest, ok := roomOf(f, tc.identity)
		if guest != tc.guest || ok != tc.ok || len(id) < len(tc.want) || id[:len(tc.want)] != tc.want {
			t.Errorf("roomOf(%q) = %q, %v, %v; want %q…, %v, %v", tc.identity, id, guest, ok, tc.want, tc.guest, tc.ok)
		}
		if ok && !meeting.ValidID(id) {
			t.Errorf("roomOf(%q) = %q: not a valid id", tc.identity, id)
		}
	}
	a, _, _ := roomOf(f, "Ram Kumar")
	b, _, _ := roomOf(f, "ram-kumar")
	if a == b {
		t.Errorf("two identities, one guest id %q", a)
	}
}
