package signaling

import (
	"encoding/json"
	"testing"
)

// FuzzDecode feeds the message decoder anything a hostile client could
// send: it must never panic, and what it accepts must survive a round trip.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","meeting":"m","room":"ranchi","role":"room","token":"x"}`,
		`{"type":"join","meeting":"m","role":"recorder","token":"x"}`,
		`{"type":"answer","sdp":"v=0\r\n"}`,
		`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}`,
		`{"type":"candidate","candidate":null}`,
		`{"type":"mute","muted":true}`,
		`{"type":"leave"}`,
		`{"type":"status","status":{"recording":true,"seconds_written":1.5}}`,
		`{"type":"welcome","meeting":{"id":"m"}}`,
		`{"type":"join","meeting":{"id":"m"}}`,
		`{"type":7}`, `[]`, `null`, `{"type":"join","role":"room"}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
		m2, err := Decode(out)
		if err != nil {
			t.Fatalf("accepted %q, encoded %q, which is refused: %v", data, out, err)
		}
		if m2.Type != m.Type || m2.Room != m.Room || m2.Role != m.Role || m2.Meeting != m.Meeting {
			t.Fatalf("round trip changed %+v into %+v", m, m2)
		}
	})
}
