package meeting

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/samvad/samvad/recording"
)

const good = `
meeting:
  id: test
  title: "Test meeting"
  starts_at: 2023-11-21T14:00:00+05:30
  late_after: 10m
  demo: true
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: h}}
  - {id: dumka, kind: district, name: Dumka, name_hi: दुमका, token: {sha256: 0000000000000000000000000000000000000000000000000000000000000001}}
`

func TestLoadShippedConfigs(t *testing.T) {
	for _, path := range []string{"../configs/jmm-2023-11-21.yaml", "../configs/demo.yaml", "../configs/demo-livekit.yaml"} {
		f, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f.Meeting.LateAfter.D().Minutes() != 10 {
			t.Errorf("%s: late_after = %v", path, f.Meeting.LateAfter.D())
		}
	}
	f, _ := Load("../configs/jmm-2023-11-21.yaml")
	districts := 0
	for _, r := range f.Rooms {
		if r.Kind == KindDistrict {
			districts++
		}
		if r.NameHi == "" {
			t.Errorf("room %s has no Hindi name", r.ID)
		}
	}
	if districts != 24 || len(f.Rooms) != 26 {
		t.Errorf("jmm meeting: %d districts, %d rooms; want 24 and 26", districts, len(f.Rooms))
	}
	ranchi, ok := f.Room("ranchi")
	if !ok || ranchi.Location != "Samargarh Resort, Hazaribagh Road" || ranchi.NameHi != "रांची" {
		t.Errorf("ranchi = %+v", ranchi)
	}
	if _, off := f.Meeting.StartsAt.Zone(); off != 5*3600+1800 {
		t.Errorf("starts_at offset = %d, want +05:30", off)
	}
}

func TestTokens(t *testing.T) {
	f, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := f.Room("host")
	if !h.Token.Match("h") || h.Token.Match("H") || h.Token.Match("") {
		t.Error("plain token does not match exactly")
	}
	if s, ok := h.Token.Secret(); !ok || s != "h" {
		t.Error("plain token secret not available")
	}
	if strings.Contains(h.Token.String(), "h}") {
		t.Errorf("String leaks the secret: %s", h.Token)
	}
	d, _ := f.Room("dumka")
	if _, ok := d.Token.Secret(); ok {
		t.Error("a sha256 token must not claim to know its secret")
	}
	if d.Token.Match("anything") {
		t.Error("sha256 token matched a wrong secret")
	}
	t.Setenv("SAMVAD_TEST_TOKEN", "from-env")
	f, err = Parse("env.yaml", []byte(strings.Replace(good, "{plain: rec}", "{env: SAMVAD_TEST_TOKEN}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !f.RecorderToken.Match("from-env") {
		t.Error("env token does not match its variable")
	}
	f, err = Parse("hash.yaml", []byte(strings.Replace(good, "{plain: rec}", "{sha256: "+Hash("hashed")+"}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !f.RecorderToken.Match("hashed") {
		t.Error("sha256 token does not match its secret")
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string // "path: reason" fragment
	}{
		{"unknown top field", "rooms:", "colour: red\nrooms:", "colour: unknown field"},
		{"unknown room field", "name: Dumka,", "name: Dumka, colour: red,", "rooms[1].colour: unknown field"},
		{"duplicate room", "id: dumka", "id: host", `rooms[1].id: duplicate "host" (first at rooms[0])`},
		{"malformed id", "id: dumka", "id: ../etc", `rooms[1].id: "../etc"`},
		{"upper-case id", "id: dumka", "id: Dumka", `rooms[1].id: "Dumka"`},
		{"windows device id", "id: dumka", "id: aux", `rooms[1].id: "aux": want 1-48 of a-z, 0-9 and inner '-', and not a Windows device name`},
		{"windows device meeting id", "id: test", "id: com1", `meeting.id: "com1"`},
		{"missing id", "id: dumka, ", "", "rooms[1].id: missing"},
		{"missing token", ", token: {plain: h}", "", "rooms[0].token: missing"},
		{"bad token form", "{plain: h}", "{md5: h}", `rooms[0].token: unknown token form "md5"`},
		{"short hash", "0000000000000000000000000000000000000000000000000000000000000001", "abc", "rooms[1].token: sha256: want 64 hexadecimal digits"},
		{"env unset", "{plain: rec}", "{env: SAMVAD_SURELY_UNSET}", "recorder_token.env: environment variable SAMVAD_SURELY_UNSET is not set"},
		{"plain outside demo", "  demo: true\n", "", "recorder_token.plain: plain tokens are allowed only in demo"},
		{"shared token", "{plain: h}", "{plain: staff}", "rooms[0].token: same as staff_token"},
		{"bad duration", "late_after: 10m", "late_after: ten minutes", `meeting.late_after: bad duration "ten minutes"`},
		{"negative duration", "late_after: 10m", "late_after: -5m", "meeting.late_after: negative duration"},
		{"time without offset", "2023-11-21T14:00:00+05:30", "2023-11-21 14:00", "meeting.starts_at: bad time"},
		{"missing starts_at", "  starts_at: 2023-11-21T14:00:00+05:30\n", "", "meeting.starts_at: missing"},
		{"bad kind", "kind: district", "kind: city", `rooms[1].kind: "city"`},
		{"list where mapping", "recorder_token: {plain: rec}", "recorder_token: [rec]", "recorder_token: want {sha256: HEX}"},
		{"given twice", "  demo: true\n", "  demo: true\n  demo: true\n", "meeting.demo: given twice"},
		{"bad listen", "recorder_token:", "server: {listen: localhost}\nrecorder_token:", `server.listen: "localhost"`},
		{"bad udp port", "recorder_token:", "server: {ice: {udp_port: 70000}}\nrecorder_token:", "server.ice.udp_port: 70000"},
		{"udp port not a number", "recorder_token:", "server: {ice: {udp_port: many}}\nrecorder_token:", `server.ice.udp_port: want a whole number, not "many"`},
		{"bad public ip", "recorder_token:", "server: {ice: {public_ips: [1.2.3]}}\nrecorder_token:", `server.ice.public_ips[0]: "1.2.3" is not an IP address`},
		{"tls half", "recorder_token:", "server: {tls: {cert: a.pem}}\nrecorder_token:", "server.tls: give both cert and key"},
		{"bad origin", "recorder_token:", "server: {allowed_origins: [example.org]}\nrecorder_token:", `server.allowed_origins[0]: "example.org"`},
		{"not yaml", "rooms:", "rooms: [", "not valid YAML"},
		{"unknown engine", "rooms:", "media: {engine: jitsi}\nrooms:", `media.engine: "jitsi": want samvad`},
		{"livekit without url", "rooms:", "media: {engine: livekit, livekit: {api_key: k, api_secret: {plain: s}}}\nrooms:", "media.livekit.url: missing"},
		{"livekit http url", "rooms:", lk("http://127.0.0.1:7880", "k", "{plain: s}", ""), `media.livekit.url: "http://127.0.0.1:7880": want ws://`},
		{"livekit url with path", "rooms:", lk("ws://h:7880/rtc?x=1", "k", "{plain: s}", ""), `media.livekit.url: "ws://h:7880/rtc?x=1"`},
		{"livekit without key", "rooms:", lk("ws://127.0.0.1:7880", "", "{plain: s}", ""), "media.livekit.api_key: missing"},
		{"livekit key with space", "rooms:", lk("ws://127.0.0.1:7880", "a b", "{plain: s}", ""), "media.livekit.api_key: want a key without spaces"},
		{"livekit without secret", "rooms:", "media: {engine: livekit, livekit: {url: ws://h:1, api_key: k}}\nrooms:", "media.livekit.api_secret: missing"},
		{"livekit hashed secret", "rooms:", lk("ws://127.0.0.1:7880", "k", "{sha256: "+Hash("s")+"}", ""), "media.livekit.api_secret: a hash cannot sign tokens"},
		{"livekit secret env unset", "rooms:", lk("ws://127.0.0.1:7880", "k", "{env: SAMVAD_SURELY_UNSET}", ""), "media.livekit.api_secret.env: environment variable SAMVAD_SURELY_UNSET is not set"},
		{"livekit secret is a room's token", "rooms:", lk("ws://127.0.0.1:7880", "k", "{plain: h}", ""), "media.livekit.api_secret: same as rooms[0].token"},
		{"livekit room with slash", "rooms:", lk("ws://127.0.0.1:7880", "k", "{plain: s}", "a/b"), `media.livekit.room: "a/b"`},
		{"livekit section, samvad engine", "rooms:", "media: {livekit: {url: ws://h:1}}\nrooms:", "media.livekit: given, but media.engine is samvad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test case edits %q, which is not in the file", tc.from)
			}
			_, err := Parse("bad.yaml", []byte(strings.Replace(good, tc.from, tc.to, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "bad.yaml") {
				t.Errorf("error\n  %v\nwant it to start with the file and contain\n  %s", err, tc.want)
			}
		})
	}
}

// lk is a media section for the LiveKit engine.
func lk(url, key, secret, room string) string {
	return fmt.Sprintf("media:\n  engine: livekit\n  livekit: {url: %q, api_key: %q, api_secret: %s, room: %q}\nrooms:", url, key, secret, room)
}

func TestLiveKitMedia(t *testing.T) {
	f, err := Parse("lk.yaml", []byte(strings.Replace(good, "rooms:", lk("wss://lk.example.org", "devkey", "{plain: secret}", ""), 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !f.IsLiveKit() || f.LiveKitRoom() != "test" || f.Media.LiveKit.APIKey != "devkey" {
		t.Errorf("media = %+v, room %q", f.Media, f.LiveKitRoom())
	}
	if s, ok := f.Media.LiveKit.APISecret.Secret(); !ok || s != "secret" {
		t.Error("the API secret is not available to sign with")
	}
	if strings.Contains(f.Media.String(), "secret") {
		t.Errorf("Media.String shows the secret: %s", f.Media)
	}
	f, err = Parse("lk.yaml", []byte(strings.Replace(good, "rooms:", lk("ws://127.0.0.1:7880", "devkey", "{plain: secret}", "district-meet"), 1)))
	if err != nil || f.LiveKitRoom() != "district-meet" {
		t.Fatalf("room = %v, %v", f, err)
	}
	_, err = Parse("lk.yaml", []byte(strings.Replace(good, "rooms:", lk("http://x:1", "k", "{plain: s}", ""), 1)))
	if err == nil || !strings.HasPrefix(err.Error(), "lk.yaml:12: media.livekit.url") {
		t.Errorf("error %v does not name the file, line 12 and the field", err)
	}
	f, err = Parse("samvad.yaml", []byte(good))
	if err != nil || f.IsLiveKit() || f.Media.Engine != EngineSamvad {
		t.Fatalf("default engine: %+v, %v", f.Media, err)
	}
}

func TestErrorNamesLine(t *testing.T) {
	_, err := Parse("bad.yaml", []byte(strings.Replace(good, "id: dumka", "id: host", 1)))
	if err == nil || !strings.HasPrefix(err.Error(), "bad.yaml:12: rooms[1].id") {
		t.Errorf("error %v does not name line 12", err)
	}
}

func TestNoRooms(t *testing.T) {
	head, _, _ := strings.Cut(good, "rooms:")
	_, err := Parse("empty.yaml", []byte(head+"rooms: []\n"))
	if err == nil || !strings.Contains(err.Error(), "rooms: no rooms") {
		t.Errorf("got %v, want rooms: no rooms", err)
	}
}

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
