package relay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/stuntest"
	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/relay"
	"github.com/samvad/samvad/signaling"
)

// hostileRoom joins as ranchi with a real pion PeerConnection that
// answers the relay honestly, but also names every sink as a candidate:
// inline in its answer, or trickled before it. It returns once its own
// media connection is up.
func hostileRoom(t *testing.T, ms *meetingtest.Server, inline, trickled *stuntest.Sinks) {
	t.Helper()
	pc, err := stuntest.LoopbackAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	connected := make(chan struct{})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			close(connected)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := signaling.Dial(ctx, ms.URL, signaling.Message{Meeting: "test", Role: signaling.RoleRoom, Room: "ranchi", Token: "t-ranchi"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var offer string
	for offer == "" {
		select {
		case m := <-c.Messages():
			if m.Type == signaling.TypeOffer {
				offer = m.SDP
			}
		case <-ctx.Done():
			t.Fatal("no offer from the relay")
		}
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	// The relay's own candidates are trickled.
	done := make(chan struct{})
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	go func() {
		defer close(done)
		for m := range c.Messages() {
			if m.Type == signaling.TypeCandidate && m.Candidate != nil {
				pc.AddICECandidate(*m.Candidate)
			}
		}
	}()
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	sdp := pc.LocalDescription().SDP
	if !strings.Contains(sdp, "a=candidate:") {
		t.Fatalf("the honest answer has no candidate:\n%s", sdp)
	}
	for i := 0; trickled != nil && i < trickled.Len(); i++ {
		mid, line := "0", uint16(0)
		c.Send(signaling.Message{Type: signaling.TypeCandidate, Candidate: &webrtc.ICECandidateInit{Candidate: trickled.Candidate(i), SDPMid: &mid, SDPMLineIndex: &line}})
	}
	var extra strings.Builder
	for i := 0; inline != nil && i < inline.Len(); i++ {
		extra.WriteString("a=" + inline.Candidate(i) + "\r\n")
	}
	if err := c.Send(signaling.Message{Type: signaling.TypeAnswer, SDP: sdp + extra.String()}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the room's own media connection did not come up")
	}
}

// TestRemoteCandidatesCapped: a joined room that names 400 candidates
// inline and 400 trickled gets checks sent to at most the cap of them
// (and its own connection still works); candidates on loopback and
// private addresses get none unless the meeting allows them.
func TestRemoteCandidatesCapped(t *testing.T) {
	const n = 400
	// The checks go out at once when the answer is applied, and are
	// repeated for seconds: two seconds after connecting, every address
	// pion was given has had some.
	const settle = 2 * time.Second
	for _, tc := range []struct {
		name            string
		inline, trickle bool
	}{
		{"inline", true, false},
		{"trickled", false, true},
		{"both", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A private network, allowed: only the cap holds. The message
			// rate is raised so that 400 candidates arrive before the
			// answer: the cap is what is tested, not the rate limit.
			ms := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{LoopbackOnly: true, PrivateCandidates: true},
				signaling.WithLimits(meeting.Limits{MessagesPerSecond: 1000}))
			var inline, trickled *stuntest.Sinks
			if tc.inline {
				inline = stuntest.Listen(t, "127.0.0.2", n)
			}
			if tc.trickle {
				trickled = stuntest.Listen(t, "127.0.0.2", n)
			}
			hostileRoom(t, ms, inline, trickled)
			time.Sleep(settle)
			total := stuntest.ReachedAll(t, inline, trickled)
			// Trickled ones come first and may take every place: the
			// room's own candidate is then refused, and it gets in
			// through its own checks.
			if total > media.DefaultMaxCandidates {
				t.Errorf("checks went to %d of the %d addresses the room named; the cap is %d", total, n, media.DefaultMaxCandidates)
			}
			if total == 0 {
				t.Error("no address the room named got a check: the test measures nothing")
			}
		})
	}

	t.Run("loopback and private refused by default", func(t *testing.T) {
		// Media on every interface, as a real server: loopback candidates
		// from rooms are not used, the room gets in through its own checks.
		ms := meetingtest.StartServer(t, meetingtest.MeetingYAML, relay.Config{Loopback: true})
		sinks := stuntest.Listen(t, "127.0.0.2", 50)
		hostileRoom(t, ms, sinks, nil)
		time.Sleep(settle)
		if got, _ := sinks.Reached(); got > 0 {
			t.Errorf("%s: checks went to loopback addresses a room named", sinks)
		}
	})
}
