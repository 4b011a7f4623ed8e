package signaling

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samvad/samvad/meeting"
)

// TestSecretaryTokenJoinsNothing: the secretaries' token opens the
// recordings and nothing of the meeting: not the roll call, not a room,
// not the recorder's place.
func TestSecretaryTokenJoinsNothing(t *testing.T) {
	f, err := meeting.Parse("test.yaml", []byte(strings.Replace(testMeetingYAML, "staff_token: {plain: staff}",
		"staff_token: {plain: staff}\nsecretary_token: {plain: secretary}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	s := New(f, WithLogger(quietLogger()))
	h := httptest.NewServer(s.Handler())
	defer func() { s.Close(); h.Close() }()
	url := "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"
	for _, join := range []Message{
		{Meeting: "test", Role: RoleStaff, Token: "secretary"},
		{Meeting: "test", Role: RoleRecorder, Token: "secretary"},
		{Meeting: "test", Role: RoleRoom, Room: "ranchi", Token: "secretary"},
	} {
		_, err := Dial(context.Background(), url, join)
		var je *JoinError
		if !errors.As(err, &je) || je.Code != CodeBadToken {
			t.Errorf("%s with the secretary token: %v, want bad_token", join.Role, err)
		}
	}
}
