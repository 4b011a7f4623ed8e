package meeting

import (
	"fmt"
	"net/url"
	"strings"
)

// Media engines: where a meeting's audio travels.
const (
	// EngineSamvad is samvad's own relay, embedded in `samvad serve` and
	// `samvad run`: one machine.
	EngineSamvad = "samvad"
	// EngineLiveKit is a LiveKit server or cluster: the rooms publish to it,
	// the bot joins its room as a hidden recorder.
	EngineLiveKit = "livekit"
)

// Media says which engine carries the meeting's audio.
type Media struct {
	// Engine is EngineSamvad (the default) or EngineLiveKit.
	Engine  string  `yaml:"engine"`
	LiveKit LiveKit `yaml:"livekit"`
}

// LiveKit is how samvad reaches a LiveKit server or cluster.
type LiveKit struct {
	// URL is LiveKit's signalling URL, ws(s)://host:port, of any node.
	URL string `yaml:"url"`
	// PublicURL, when set, is the URL browsers use instead of URL (a
	// LiveKit behind a proxy or a name the server does not resolve).
	PublicURL string `yaml:"public_url"`
	// APIKey and APISecret sign the access tokens samvad mints. The secret
	// must be known to sign with: {env: NAME}, or {plain: TEXT} in demo
	// files.
	APIKey    string `yaml:"api_key"`
	APISecret Token  `yaml:"api_secret"`
	// Room is the LiveKit room's name; empty means the meeting's id.
	Room string `yaml:"room"`
}

// IsLiveKit reports whether the meeting's media runs on LiveKit.
func (f *File) IsLiveKit() bool { return f.Media.Engine == EngineLiveKit }

// LiveKitRoom is the LiveKit room the meeting runs in.
func (f *File) LiveKitRoom() string {
	if f.Media.LiveKit.Room != "" {
		return f.Media.LiveKit.Room
	}
	return f.Meeting.ID
}

// liveKitRoomMax bounds a room name: LiveKit takes up to 256 bytes, and
// samvad logs and shows it.
const liveKitRoomMax = 128

func (f *File) validateMedia(bad func(path, format string, args ...any)) {
	m := &f.Media
	switch m.Engine {
	case "":
		m.Engine = EngineSamvad
	case EngineSamvad, EngineLiveKit:
	default:
		bad("media.engine", "%q: want samvad (the built-in relay) or livekit", m.Engine)
		return
	}
	lk := &m.LiveKit
	if m.Engine != EngineLiveKit {
		if lk.URL != "" || lk.APIKey != "" || lk.APISecret.IsSet() {
			bad("media.livekit", "given, but media.engine is %s: set engine: livekit, or remove this section", m.Engine)
		}
		return
	}
	checkWS := func(path, v string, required bool) {
		if v == "" {
			if required {
				bad(path, "missing: want LiveKit's URL, like ws://127.0.0.1:7880 or wss://livekit.example.org")
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
			bad(path, "%q: want ws://host:port or wss://host[:port], nothing after the host", v)
		}
	}
	checkWS("media.livekit.url", lk.URL, true)
	checkWS("media.livekit.public_url", lk.PublicURL, false)
	switch {
	case lk.APIKey == "":
		bad("media.livekit.api_key", "missing: want the API key LiveKit was started with")
	case strings.ContainsAny(lk.APIKey, " \t\r\n") || len(lk.APIKey) > 256:
		bad("media.livekit.api_key", "want a key without spaces, at most 256 characters")
	}
	switch {
	case !lk.APISecret.IsSet():
		bad("media.livekit.api_secret", "missing: give {env: NAME}")
	case lk.APISecret.Form == "sha256":
		bad("media.livekit.api_secret", "a hash cannot sign tokens: give {env: NAME} (or {plain: TEXT} in a demo file)")
	default:
		f.checkToken(lk.APISecret, "media.livekit.api_secret", bad)
	}
	if r := lk.Room; r != "" {
		if len(r) > liveKitRoomMax || strings.ContainsAny(r, "/\\ \t\r\n") || !printable(r) {
			bad("media.livekit.room", "%q: want at most %d printable characters, no spaces or slashes", r, liveKitRoomMax)
		}
	}
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// String names the engine for logs: never the secret.
func (m Media) String() string {
	if m.Engine != EngineLiveKit {
		return EngineSamvad
	}
	return fmt.Sprintf("livekit %s (key %s)", m.LiveKit.URL, m.LiveKit.APIKey)
}
