package bot_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/bot"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/internal/stuntest"
	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/signaling"
)

// offeringServer is a hostile samvad server with a real pion PeerConnection:
// it welcomes the recorder to meeting test, offers it one audio line, and
// names every sink as a candidate, inline in the offer and trickled after
// it. connected is closed when its media connection with the bot is up.
func offeringServer(t *testing.T, inline, trickled *stuntest.Sinks) (url string, connected <-chan struct{}) {
	t.Helper()
	api := stuntest.LoopbackAPI(t)
	up := make(chan struct{})
	var served atomic.Bool
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Swap(true) {
			http.Error(w, "one recorder only", http.StatusConflict)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		pc, err := api.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Error(err)
			return
		}
		defer pc.Close()
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				close(up)
			}
		})
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			t.Error(err)
			return
		}
		offer, err := pc.CreateOffer(nil)
		if err != nil {
			t.Error(err)
			return
		}
		gathered := webrtc.GatheringCompletePromise(pc)
		if err := pc.SetLocalDescription(offer); err != nil {
			t.Error(err)
			return
		}
		<-gathered
		sdp := pc.LocalDescription().SDP
		for i := 0; inline != nil && i < inline.Len(); i++ {
			sdp += "a=" + inline.Candidate(i) + "\r\n"
		}
		send := func(m signaling.Message) {
			data, _ := json.Marshal(m)
			ws.WriteMessage(websocket.TextMessage, data)
		}
		send(signaling.Message{Type: signaling.TypeWelcome, Session: "s", Role: signaling.RoleRecorder,
			MeetingInfo: &signaling.MeetingInfo{ID: "test", Title: "T", StartsAt: "2023-11-21T14:00:00+05:30"}})
		send(signaling.Message{Type: signaling.TypeOffer, SDP: sdp})
		for i := 0; trickled != nil && i < trickled.Len(); i++ {
			mid, line := "0", uint16(0)
			send(signaling.Message{Type: signaling.TypeCandidate, Candidate: &webrtc.ICECandidateInit{Candidate: trickled.Candidate(i), SDPMid: &mid, SDPMLineIndex: &line}})
		}
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var m signaling.Message
			if json.Unmarshal(data, &m) != nil {
				continue
			}
			switch {
			case m.Type == signaling.TypeAnswer:
				// Take the answer a second late, as a hostile server may:
				// until this side nominates a pair, the bot checks every
				// pair it admitted; once one is chosen pion checks no new
				// ones. Without the wait, the count depended on whether
				// the trickled candidates were checked before a quick
				// nomination (0 of 400 under -race on a busy machine).
				time.Sleep(time.Second)
				if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP}); err != nil {
					t.Errorf("the bot's answer: %v", err)
				}
			case m.Type == signaling.TypeCandidate && m.Candidate != nil:
				pc.AddICECandidate(*m.Candidate)
			}
		}
	}))
	t.Cleanup(h.Close)
	return "ws" + strings.TrimPrefix(h.URL, "http") + "/ws", up
}

// TestBotCapsServerCandidates: a hostile server that names 400 candidates
// in its offer and trickles 400 more gets the bot's checks sent to at most
// the cap of them, and to none on loopback or private addresses other than
// its own unless the bot runs on the server's machine (Loopback) or the
// meeting file allows them.
func TestBotCapsServerCandidates(t *testing.T) {
	const n = 400
	const settle = 2 * time.Second
	for _, tc := range []struct {
		name            string
		inline, trickle bool
	}{{"inline", true, false}, {"trickled", false, true}, {"both", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			var inline, trickled *stuntest.Sinks
			if tc.inline {
				inline = stuntest.Listen(t, "127.0.0.2", n)
			}
			if tc.trickle {
				trickled = stuntest.Listen(t, "127.0.0.2", n)
			}
			url, connected := offeringServer(t, inline, trickled)
			// Loopback: the bot on the server's machine, as in samvad run,
			// so that 127.0.0.2 is allowed and only the cap holds.
			b := bot.New(bot.Config{URL: url, Meeting: "test", Token: "x", Dir: t.TempDir(), Loopback: true, Logger: quiet()})
			meetingtest.RunBot(t, b)
			select {
			case <-connected:
			case <-time.After(10 * time.Second):
				t.Fatal("the bot's media connection did not come up")
			}
			time.Sleep(settle)
			total := stuntest.ReachedAll(t, inline, trickled)
			if total > media.DefaultMaxCandidates {
				t.Errorf("the bot checked %d of the addresses the server named; the cap is %d", total, media.DefaultMaxCandidates)
			}
			if total == 0 {
				t.Error("no address the server named got a check: the test measures nothing")
			}
		})
	}
	t.Run("loopback refused", func(t *testing.T) {
		inline, trickled := stuntest.Listen(t, "127.0.0.2", 50), stuntest.Listen(t, "127.0.0.2", 50)
		url, _ := offeringServer(t, inline, trickled)
		b := bot.New(bot.Config{URL: url, Meeting: "test", Token: "x", Dir: t.TempDir(), Logger: quiet()})
		meetingtest.RunBot(t, b)
		<-b.Ready()
		time.Sleep(settle)
		if a, _ := inline.Reached(); a > 0 {
			t.Errorf("inline: %s", inline)
		}
		if c, _ := trickled.Reached(); c > 0 {
			t.Errorf("trickled: %s", trickled)
		}
	})
}
