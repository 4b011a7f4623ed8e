package livekit

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
)

// TestTokensAreNarrow: every access token samvad mints is short-lived and
// grants one identity in one room only what its role needs.
func TestTokensAreNarrow(t *testing.T) {
	m, err := NewMinter(testFile(t))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(token string) (time.Duration, *auth.ClaimGrants) {
		t.Helper()
		v, err := auth.ParseAPIToken(token)
		if err != nil {
			t.Fatal(err)
		}
		if v.APIKey() != "k" {
			t.Errorf("signed with key %q", v.APIKey())
		}
		if _, _, err := v.Verify("not the secret"); err == nil {
			t.Error("a token verifies with another secret")
		}
		claims, grants, err := v.Verify("secret")
		if err != nil {
			t.Fatal(err)
		}
		life := claims.ExpiresAt.Sub(claims.NotBefore.Time)
		if life <= 0 || life > TokenTTL {
			t.Errorf("valid for %v, want at most %v", life, TokenTTL)
		}
		return life, grants
	}
	common := func(what string, g *auth.ClaimGrants) {
		t.Helper()
		v := g.Video
		if v == nil || !v.RoomJoin || v.Room != "t" || v.RoomAdmin || v.RoomCreate || v.RoomList || v.RoomRecord || v.IngressAdmin || v.Agent {
			t.Errorf("%s: grant %+v: want joining room t, nothing more", what, v)
		}
		if v.CanPublishData == nil || *v.CanPublishData {
			t.Errorf("%s: may publish data", what)
		}
	}

	room, err := m.RoomToken("dumka", "Dumka")
	if err != nil {
		t.Fatal(err)
	}
	_, g := verify(room)
	common("room", g)
	if g.Identity != "dumka" || g.Name != "Dumka" {
		t.Errorf("room token: identity %q name %q", g.Identity, g.Name)
	}
	if v := g.Video; !slices.Equal(v.CanPublishSources, []string{"microphone"}) || v.CanSubscribe == nil || !*v.CanSubscribe || v.Hidden || v.Recorder {
		t.Errorf("room token: %+v: want its microphone only, hearing everyone, visible", v)
	}

	rec, err := m.RecorderToken()
	if err != nil {
		t.Fatal(err)
	}
	_, g = verify(rec)
	common("recorder", g)
	if v := g.Video; !strings.HasPrefix(g.Identity, RecorderIdentity) || !v.Hidden || !v.Recorder ||
		v.CanPublish == nil || *v.CanPublish || len(v.CanPublishSources) > 0 || v.CanSubscribe == nil || !*v.CanSubscribe {
		t.Errorf("recorder token: %s %+v: want hidden, recorder, hearing, publishing nothing", g.Identity, v)
	}
	rec2, _ := m.RecorderToken()
	if _, g2 := verify(rec2); g2.Identity == g.Identity {
		t.Error("two recorders get one identity: they would replace each other")
	}

	obs, err := m.ObserverToken()
	if err != nil {
		t.Fatal(err)
	}
	_, g = verify(obs)
	common("observer", g)
	if v := g.Video; !strings.HasPrefix(g.Identity, ObserverIdentity) || !v.Hidden || v.Recorder || v.CanPublish == nil || *v.CanPublish {
		t.Errorf("observer token: %s %+v: want hidden, publishing nothing, no recorder", g.Identity, v)
	}
	for _, id := range []string{g.Identity, RecorderIdentity + "x"} {
		if _, _, ok := roomOf(testFile(t), id); ok {
			t.Errorf("samvad's own participant %q is taken for a room", id)
		}
	}
}
