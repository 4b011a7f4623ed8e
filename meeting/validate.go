package meeting

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// idPattern keeps room and meeting ids safe as file and folder names on
// every system: lower-case ASCII, digits and inner hyphens, nothing that a
// path could be built from.
var idPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$`)

// DefaultLeftEarlyBefore is meeting.left_early_before when the file does
// not say: a room that drops in the last minutes, while the meeting is
// saying goodbye, was present.
const DefaultLeftEarlyBefore = 5 * time.Minute

// MaxRooms bounds the rooms of one meeting.
const MaxRooms = 1000

// windowsDevice matches the names Windows keeps for devices: a room
// "con" would record into segments/con/, which Windows cannot create, and
// a folder recorded elsewhere with rooms/con.ogg could not be copied to a
// secretary's Windows laptop.
var windowsDevice = regexp.MustCompile(`^(con|prn|aux|nul|com[0-9]|lpt[0-9])$`)

// ValidID reports whether s is usable as a room or meeting id.
func ValidID(s string) bool { return idPattern.MatchString(s) && !windowsDevice.MatchString(s) }

const idRule = "want 1-48 of a-z, 0-9 and inner '-', and not a Windows device name (con, prn, aux, nul, com0-9, lpt0-9)"

func (f *File) validate(root *yaml.Node) []Problem {
	var ps []Problem
	bad := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Line: lineOf(root, path), Msg: fmt.Sprintf(format, args...)})
	}

	m := &f.Meeting
	switch {
	case m.ID == "":
		bad("meeting.id", "missing")
	case !ValidID(m.ID):
		bad("meeting.id", "%q: %s", m.ID, idRule)
	}
	if strings.TrimSpace(m.Title) == "" {
		bad("meeting.title", "missing")
	}
	if m.StartsAt.IsZero() {
		bad("meeting.starts_at", "missing: want a time like 2023-11-21T14:00:00+05:30")
	}
	if m.LeftEarlyBefore == 0 {
		m.LeftEarlyBefore = Duration(DefaultLeftEarlyBefore)
	}

	s := &f.Server
	if s.Listen == "" {
		s.Listen = ":8080"
	}
	if _, port, err := net.SplitHostPort(s.Listen); err != nil || port == "" {
		bad("server.listen", "%q: want host:port or :port", s.Listen)
	}
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("server.public_url", "%q: want http(s)://host[:port]", s.PublicURL)
		}
	}
	if s.ICE.UDPPort < 0 || s.ICE.UDPPort > 65535 {
		bad("server.ice.udp_port", "%d: want 0 (any) or a port 1-65535", s.ICE.UDPPort)
	}
	for i, ip := range s.ICE.PublicIPs {
		if net.ParseIP(ip) == nil {
			bad(fmt.Sprintf("server.ice.public_ips[%d]", i), "%q is not an IP address", ip)
		}
	}
	for i, u := range s.ICE.STUN {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			bad(fmt.Sprintf("server.ice.stun[%d]", i), "%q: want stun:host:port", u)
		}
	}
	if (s.TLS.Cert == "") != (s.TLS.Key == "") {
		bad("server.tls", "give both cert and key, or neither")
	}
	for i, o := range s.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad(fmt.Sprintf("server.allowed_origins[%d]", i), "%q: want an origin like https://samvad.example.org", o)
		}
	}
	for i, h := range s.AllowedHosts {
		if !validHostName(h) {
			bad(fmt.Sprintf("server.allowed_hosts[%d]", i), "%q: want a host name like samvad.example.org (no scheme, port or path)", h)
		}
	}
	if s.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(s.MetricsListen); err != nil || port == "" {
			bad("server.metrics_listen", "%q: want host:port, like 127.0.0.1:9090", s.MetricsListen)
		} else if s.MetricsListen == s.Listen && port != "0" {
			bad("server.metrics_listen", "%q: the same as server.listen; leave it empty to keep /metrics there, for this machine only", s.MetricsListen)
		}
	}
	if s.ForwardLoudest < 0 {
		bad("server.forward_loudest", "%d: want 0 (everyone hears everyone) or more", s.ForwardLoudest)
	}
	for _, l := range []struct {
		name string
		v    int
	}{
		{"connections_per_ip", s.Limits.ConnectionsPerIP}, {"messages_per_second", s.Limits.MessagesPerSecond},
		{"failed_joins_per_ip", s.Limits.FailedJoinsPerIP}, {"max_staff", s.Limits.MaxStaff}, {"max_recorders", s.Limits.MaxRecorders},
	} {
		if l.v < 0 {
			bad("server.limits."+l.name, "%d: want a positive number, or 0 for the default", l.v)
		}
	}
	s.Limits = s.Limits.WithDefaults()
	if f.Recording.Dir == "" {
		f.Recording.Dir = "recordings"
	}

	f.validateMedia(bad)
	f.validateOnFinished(bad)

	f.checkToken(f.RecorderToken, "recorder_token", bad)
	f.checkToken(f.StaffToken, "staff_token", bad)
	if f.SecretaryToken.IsSet() {
		f.checkToken(f.SecretaryToken, "secretary_token", bad)
	}

	if len(f.Rooms) == 0 {
		bad("rooms", "no rooms: a meeting needs at least one")
	}
	if len(f.Rooms) > MaxRooms {
		bad("rooms", "%d rooms, more than the %d allowed", len(f.Rooms), MaxRooms)
	}
	f.byID = make(map[string]int, len(f.Rooms))
	secrets := map[[32]byte]string{
		f.RecorderToken.digest: "recorder_token",
		f.StaffToken.digest:    "staff_token",
	}
	if f.RecorderToken.IsSet() && f.RecorderToken.digest == f.StaffToken.digest {
		bad("staff_token", "same as recorder_token: each role needs its own")
	}
	if t := f.SecretaryToken; t.IsSet() {
		if other, ok := secrets[t.digest]; ok {
			bad("secretary_token", "same as %s: each role needs its own", other)
		} else {
			secrets[t.digest] = "secretary_token"
		}
	}
	for i := range f.Rooms {
		r := &f.Rooms[i]
		p := fmt.Sprintf("rooms[%d]", i)
		switch {
		case r.ID == "":
			bad(p+".id", "missing")
		case !ValidID(r.ID):
			bad(p+".id", "%q: %s", r.ID, idRule)
		default:
			if j, dup := f.byID[r.ID]; dup {
				bad(p+".id", "duplicate %q (first at rooms[%d])", r.ID, j)
			} else {
				f.byID[r.ID] = i
			}
		}
		switch r.Kind {
		case KindHost, KindCentral, KindDistrict, KindGuest:
		case "":
			bad(p+".kind", "missing: want host, central, district or guest")
		default:
			bad(p+".kind", "%q: want host, central, district or guest", r.Kind)
		}
		if strings.TrimSpace(r.Name) == "" {
			bad(p+".name", "missing")
		}
		f.checkToken(r.Token, p+".token", bad)
		if r.Token.IsSet() {
			if other, ok := secrets[r.Token.digest]; ok {
				bad(p+".token", "same as %s: every room and role needs its own token", other)
			} else {
				secrets[r.Token.digest] = p + ".token"
			}
		}
	}
	f.handoffSecretsOwn(secrets, bad)
	if lk := f.Media.LiveKit.APISecret; f.IsLiveKit() && lk.IsSet() && lk.Form != "sha256" {
		if other, ok := secrets[lk.digest]; ok {
			bad("media.livekit.api_secret", "same as %s: whoever holds that token could mint LiveKit access of any kind", other)
		}
	}
	return ps
}

func (f *File) checkToken(t Token, path string, bad func(string, string, ...any)) {
	switch {
	case !t.IsSet():
		bad(path, "missing: give {sha256: HEX} (see `samvad tokens`) or {env: NAME}")
	case t.envMissing:
		bad(path+".env", "environment variable %s is not set", t.Env)
	case t.Form == "plain" && !f.Meeting.Demo:
		bad(path+".plain", "plain tokens are allowed only in demo meeting files (meeting.demo: true); use {sha256: ...} or {env: ...}")
	}
}

// hostNamePattern is a DNS name: labels of letters, digits and inner
// hyphens, dot-separated.
var hostNamePattern = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))*$`)

func validHostName(h string) bool { return len(h) <= 253 && hostNamePattern.MatchString(h) }

// lineOf finds the line of a dotted field path like "rooms[3].id" in the
// node tree, or 0.
func lineOf(root *yaml.Node, path string) int {
	n := root
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		name, idx, hasIdx := strings.Cut(part, "[")
		next := mappingValue(n, name)
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if hasIdx {
			var i int
			fmt.Sscanf(idx, "%d]", &i)
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n, line = n.Content[i], n.Content[i].Line
		}
	}
	return line
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
