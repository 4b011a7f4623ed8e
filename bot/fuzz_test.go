package bot

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/recording"
	"github.com/samvad/samvad/rollcall"
	"github.com/samvad/samvad/signaling"
)

// FuzzServerMessages feeds the bot what a hostile server could send: a
// welcome, then offers, candidates, presence, errors and anything else,
// one JSON frame a line (seeds in testdata/fuzz/FuzzServerMessages).
// Whatever comes, the bot must not panic, must refuse a welcome to another
// meeting, must never put an id unsafe as a file name into its roll call
// or its events, and must never hand pion more candidates than the cap or
// one on an address it does not send checks to.
func FuzzServerMessages(f *testing.F) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.Fuzz(func(t *testing.T, in string) {
		frames := strings.Split(in, "\n")
		var w signaling.Message
		if json.Unmarshal([]byte(frames[0]), &w) != nil {
			return
		}
		src := &SamvadSource{Meeting: "test"}
		// The bot's websocket went to 127.0.0.1; it may check that, and
		// public addresses, and nothing else.
		server := netip.MustParseAddr("127.0.0.1")
		remote := media.NewRemoteCandidates(src.participantConfig(log, nil).CandidatePolicy(server))
		checked := map[string]bool{}
		screen := func(kind, c string) {
			f := strings.Fields(strings.TrimPrefix(c, "candidate:"))
			a, err := netip.ParseAddr(f[4])
			if err != nil {
				t.Fatalf("%s candidate %q on a host name was let through", kind, c)
			}
			a = a.Unmap()
			if a != server && (a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast()) {
				t.Fatalf("%s candidate %q on an address the bot must not check was let through", kind, c)
			}
			port, _ := strconv.ParseUint(f[5], 10, 16)
			checked[fmt.Sprint(strings.ToLower(f[2]), a, port)] = true
		}
		wel, err := src.welcome(w, log)
		if err != nil {
			return
		}
		if wel.Meeting == nil || wel.Meeting.ID != "test" {
			t.Fatalf("welcome to %+v accepted", wel.Meeting)
		}
		var events []recording.Event
		rc := rollcall.NewLive(*wel.Meeting, 10*time.Second, func(e recording.Event) { events = append(events, e) })
		rc.Sync(wel.Rooms, time.Now())
		h := Handlers{Presence: rc.Presence}
		for _, fr := range frames[1:] {
			var m signaling.Message
			if json.Unmarshal([]byte(fr), &m) != nil {
				continue
			}
			switch m.Type {
			case signaling.TypeOffer:
				out, _ := remote.Screen(m.SDP)
				for _, line := range strings.Split(out, "\n") {
					if c, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "a=candidate:"); ok {
						screen("inline", "candidate:"+c)
					}
				}
			case signaling.TypeCandidate:
				if m.Candidate != nil && remote.Admit(m.Candidate.Candidate) == nil {
					screen("trickled", m.Candidate.Candidate)
				}
			default:
				src.onMessage(m, h, log)
			}
		}
		if len(checked) > media.DefaultMaxCandidates {
			t.Fatalf("pion would be given %d candidate addresses, more than the cap of %d", len(checked), media.DefaultMaxCandidates)
		}
		rc.Tick(time.Now().Add(time.Minute))
		rc.End(time.Now().Add(time.Hour))
		for _, id := range rc.RoomIDs() {
			if !recording.ValidRoomID(id) {
				t.Fatalf("roll call holds unsafe id %q", id)
			}
		}
		for _, e := range events {
			if e.Room != "" && !recording.ValidRoomID(e.Room) {
				t.Fatalf("event %s for unsafe id %q", e.Event, e.Room)
			}
		}
		for _, r := range wel.Meeting.Rooms {
			if !recording.ValidRoomID(r.ID) {
				t.Fatalf("meeting.json would hold unsafe id %q", r.ID)
			}
		}
	})
}
