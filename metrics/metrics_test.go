package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNilCountsNothing(t *testing.T) {
	var r *Relay
	var s *Signaling
	var b *Bot
	r.Source("x").Packet(10, 2)
	r.Source("x").End()
	s.Join("room")
	s.Refused("bad_token")
	s.Presence("joined")
	b.Reconnected()
	b.WriteError()
	room := b.Room("x")
	room.Packet(10)
	room.Written(10)
	room.Concealed()
	room.Silence()
	room.SegmentOpened()
	room.Dropped(Drops{Late: 1})
	room.End()
}

func TestHandlerServesEveryMetric(t *testing.T) {
	reg := NewRegistry()
	rl, sig, bot := NewRelay(reg), NewSignaling(reg), NewBot(reg)
	GaugeFunc(reg, "rooms_connected", "Rooms connected.", func() float64 { return 3 })
	src := rl.Source("dumka")
	src.Packet(100, 2)
	sig.Join("room")
	sig.Presence("replaced")
	room := bot.Room("dumka")
	room.Packet(100)
	room.Written(100)
	room.Concealed()
	room.Dropped(Drops{Late: 2, Duplicate: 1})
	room.Dropped(Drops{Late: 3, Duplicate: 1, Drift: 4})
	bot.Reconnected()

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`samvad_rooms_connected 3`,
		`samvad_relay_packets_received_total{room="dumka"} 1`,
		`samvad_relay_packets_forwarded_total{room="dumka"} 2`,
		`samvad_relay_bytes_forwarded_total{room="dumka"} 200`,
		`samvad_relay_sources 1`,
		`samvad_signaling_joins_total{role="room"} 1`,
		`samvad_signaling_presence_events_total{event="replaced"} 1`,
		`samvad_bot_packets_received_total{room="dumka"} 1`,
		`samvad_bot_packets_written_total{room="dumka"} 1`,
		`samvad_bot_frames_concealed_total{room="dumka"} 1`,
		`samvad_bot_packets_dropped_total{reason="late",room="dumka"} 3`,
		`samvad_bot_packets_dropped_total{reason="duplicate",room="dumka"} 1`,
		`samvad_bot_packets_dropped_total{reason="drift",room="dumka"} 4`,
		`samvad_bot_reconnects_total 1`,
		`samvad_bot_tracks_recording 1`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// The media path's counters are atomic adds: no allocation per packet.
func TestPerPacketCountersDoNotAllocate(t *testing.T) {
	reg := NewRegistry()
	src := NewRelay(reg).Source("ranchi")
	room := NewBot(reg).Room("ranchi")
	if n := testing.AllocsPerRun(1000, func() {
		src.Packet(120, 25)
		room.Packet(120)
		room.Written(120)
		room.Concealed()
		room.Dropped(Drops{Late: 1})
	}); n != 0 {
		t.Errorf("%v allocations per packet, want 0", n)
	}
}
