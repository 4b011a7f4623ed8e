package livekit_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/livekittest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/livekit"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/signaling"
)

// TestRollCallOnLiveKit: with engine livekit the samvad server trades a
// room's token for a LiveKit grant in the welcome, and the roll call
// follows the LiveKit room: a room joining and leaving through LiveKit,
// the recorder arriving.
func TestRollCallOnLiveKit(t *testing.T) {
	lk := livekittest.Start(t, livekittest.Options{})
	f := meetingFile(t, "lk-roll", lk.URL)
	grants, err := livekit.NewGrants(f)
	if err != nil {
		t.Fatal(err)
	}
	srv := signaling.New(f, signaling.WithGranter(grants), signaling.WithLogger(quiet()))
	h := httptest.NewServer(srv.Handler())
	defer h.Close()
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(h.URL, "http") + "/ws"
	src, err := livekit.NewSource(livekit.SourceConfig{File: f, Logger: logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() { watched <- src.Watch(ctx, srv) }()
	defer func() {
		cancel()
		if err := <-watched; err != nil {
			t.Errorf("watch: %v", err)
		}
	}()

	staff := dial(t, wsURL, signaling.Message{Meeting: "lk-roll", Role: signaling.RoleStaff, Token: "staff-lk-roll"})
	if staff.Welcome.Media != nil {
		t.Errorf("staff got a media grant: %+v", staff.Welcome.Media)
	}
	// A room joins the way the join page does: samvad first, then LiveKit
	// with the grant from the welcome.
	page := dial(t, wsURL, signaling.Message{Meeting: "lk-roll", Role: signaling.RoleRoom, Room: "dumka", Token: "tok-dumka-lk-roll"})
	g := page.Welcome.Media
	if g == nil || g.Engine != "livekit" || g.URL != lk.URL || g.Room != "lk-roll" || g.Token == "" {
		t.Fatalf("welcome.media = %+v", g)
	}
	jctx, jcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer jcancel()
	room, err := livekit.JoinRoom(jctx, livekit.RoomConfig{URL: g.URL, Token: g.Token, Room: "dumka", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	joined := waitFor(t, staff, func(m signaling.Message) bool {
		return m.Type == signaling.TypePresence && m.Room == "dumka" && m.Event == recording.EventJoined
	})
	if at, err := time.Parse(time.RFC3339Nano, joined.At); err != nil || time.Since(at) > 10*time.Second {
		t.Errorf("joined at %q", joined.At)
	}
	room.Mute(true)
	waitFor(t, staff, func(m signaling.Message) bool {
		return m.Type == signaling.TypePresence && m.Room == "dumka" && m.Event == recording.EventMuted
	})

	// The recorder joins LiveKit hidden: the room is recording.
	rec, err := livekit.NewSource(livekit.SourceConfig{File: f, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(bot.Config{Source: rec, Dir: t.TempDir(), File: f, Logger: quiet()})
	stop := meetingtest.RunBot(t, b)
	waitFor(t, staff, func(m signaling.Message) bool {
		return m.Type == signaling.TypeRecording && m.Active != nil && *m.Active
	})

	room.Leave()
	waitFor(t, staff, func(m signaling.Message) bool {
		return m.Type == signaling.TypePresence && m.Room == "dumka" && m.Event == recording.EventLeft
	})
	stop()
	waitFor(t, staff, func(m signaling.Message) bool {
		return m.Type == signaling.TypeRecording && m.Active != nil && !*m.Active
	})
	if st := srv.Roster()["dumka"]; st != signaling.StateLeft {
		t.Errorf("dumka is %q on the roll call, want left", st)
	}
}

func dial(t *testing.T, url string, join signaling.Message) *signaling.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := signaling.Dial(ctx, url, join)
	if err != nil {
		t.Fatalf("%s %s joins: %v", join.Role, join.Room, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitFor(t *testing.T, c *signaling.Client, ok func(signaling.Message) bool) signaling.Message {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m, open := <-c.Messages():
			if !open {
				t.Fatalf("connection ended: %v", c.Err())
			}
			if ok(m) {
				return m
			}
		case <-deadline:
			t.Fatal("timed out waiting for a message")
		}
	}
}
