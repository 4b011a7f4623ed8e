// Package meeting loads and validates a samvad meeting file: the meeting's
// identity and schedule, how its server listens, where recordings go, and
// the rooms that may join with their tokens.
//
// A bad file is refused as a whole, with the file, the field path and the
// reason ("configs/x.yaml: rooms[3].id: duplicate \"dumka\" (first at rooms[1])"),
// so that IT staff find the mistake before the meeting, not during it.
package meeting

import (
	"cmp"
	"time"
)

// File is a loaded, validated meeting file. It is immutable after Load.
type File struct {
	// Path is the file the meeting was loaded from, for messages.
	Path string

	Meeting       Info      `yaml:"meeting"`
	Server        Server    `yaml:"server"`
	Recording     Recording `yaml:"recording"`
	Media         Media     `yaml:"media"`
	RecorderToken Token     `yaml:"recorder_token"`
	StaffToken    Token     `yaml:"staff_token"`
	// SecretaryToken, optional, opens the recordings page and nothing
	// else: the secretaries read the finished meetings with it.
	SecretaryToken Token  `yaml:"secretary_token"`
	Rooms          []Room `yaml:"rooms"`

	byID map[string]int
}

// Info identifies the meeting and its schedule.
type Info struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	TitleHi string `yaml:"title_hi"`
	// StartsAt is the scheduled start; its UTC offset is the meeting's time
	// zone for every time shown to secretaries.
	StartsAt Time `yaml:"starts_at"`
	// LateAfter: a room that first joins later than StartsAt+LateAfter is late.
	LateAfter Duration `yaml:"late_after"`
	// LeftEarlyBefore: a room gone (left or dropped, not back) more than
	// this before the recording ends left early. Default 5m.
	LeftEarlyBefore Duration `yaml:"left_early_before"`
	// Demo allows {plain: ...} tokens. Only demo and test meetings set it.
	Demo bool `yaml:"demo"`
}

// Server is how `samvad serve` and `samvad run` listen.
type Server struct {
	Listen         string   `yaml:"listen"`
	PublicURL      string   `yaml:"public_url"`
	ICE            ICE      `yaml:"ice"`
	TLS            TLS      `yaml:"tls"`
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedHosts are the names the server answers to besides
	// public_url's host, localhost and IP addresses: a request naming any
	// other host (a DNS rebinding page) is refused.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// MetricsListen, when set, serves /metrics and /healthz on this
	// address alone (e.g. 127.0.0.1:9090), off the public listener. Empty:
	// they stay on the public listener and answer only this machine.
	MetricsListen string `yaml:"metrics_listen"`
	// ForwardLoudest limits how many rooms each room hears at once, besides
	// the host: 0 means every room hears every other room. Recorders always
	// receive every room.
	ForwardLoudest int `yaml:"forward_loudest"`
	// Limits protect the meeting from a hostile or broken client.
	Limits Limits `yaml:"limits"`
}

// Limits bound what one client or one address may do. Zero fields take
// the defaults of DefaultLimits.
type Limits struct {
	// ConnectionsPerIP: websocket connections open at once from one address.
	ConnectionsPerIP int `yaml:"connections_per_ip"`
	// MessagesPerSecond: a connection's sustained rate (bursts of twice as
	// many are allowed: an offer/answer exchange trickles many candidates).
	MessagesPerSecond int `yaml:"messages_per_second"`
	// FailedJoinsPerIP: failed joins from one address within a minute before
	// it is locked out for Lockout.
	FailedJoinsPerIP int      `yaml:"failed_joins_per_ip"`
	Lockout          Duration `yaml:"lockout"`
	// MaxStaff and MaxRecorders bound the roll-call pages and bots.
	MaxStaff     int `yaml:"max_staff"`
	MaxRecorders int `yaml:"max_recorders"`
}

// DefaultLimits are generous for an honest meeting and tight for a script.
func DefaultLimits() Limits {
	return Limits{
		ConnectionsPerIP:  32,
		MessagesPerSecond: 50,
		FailedJoinsPerIP:  10,
		Lockout:           Duration(5 * time.Minute),
		MaxStaff:          20,
		MaxRecorders:      4,
	}
}

// WithDefaults fills zero fields from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	l.ConnectionsPerIP = cmp.Or(l.ConnectionsPerIP, d.ConnectionsPerIP)
	l.MessagesPerSecond = cmp.Or(l.MessagesPerSecond, d.MessagesPerSecond)
	l.FailedJoinsPerIP = cmp.Or(l.FailedJoinsPerIP, d.FailedJoinsPerIP)
	l.Lockout = cmp.Or(l.Lockout, d.Lockout)
	l.MaxStaff = cmp.Or(l.MaxStaff, d.MaxStaff)
	l.MaxRecorders = cmp.Or(l.MaxRecorders, d.MaxRecorders)
	return l
}

// ICE configures the media transport of the relay.
type ICE struct {
	// UDPPort, when not 0, carries all media on this one UDP port.
	UDPPort int `yaml:"udp_port"`
	// PublicIPs are announced instead of the host's own addresses, for a
	// server behind 1:1 NAT.
	PublicIPs []string `yaml:"public_ips"`
	// STUN servers as stun:host:port URLs.
	STUN []string `yaml:"stun"`
	// PrivateCandidates lets peers name ICE candidates on loopback,
	// private (RFC 1918, fc00::/7), shared (100.64.0.0/10) and link-local
	// addresses: for a meeting whose rooms and server share one private
	// network and cannot reach each other otherwise. Without it, checks go
	// only to public addresses and to the peer's own signalling address.
	PrivateCandidates bool `yaml:"private_candidates"`
}

// TLS names the certificate and key that turn ws/http into wss/https.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Enabled reports whether the server serves TLS.
func (t TLS) Enabled() bool { return t.Cert != "" }

// Recording is where and what the bot records.
type Recording struct {
	Dir string `yaml:"dir"`
	// Mix, when nil, defaults to true.
	Mix *bool `yaml:"mix"`
	// OnFinished hands a finished folder over (handoff.go).
	OnFinished OnFinished `yaml:"on_finished"`
}

// MixEnabled reports whether the bot writes mix.ogg.
func (r Recording) MixEnabled() bool { return r.Mix == nil || *r.Mix }

// Room kinds.
const (
	KindHost     = "host"
	KindCentral  = "central"
	KindDistrict = "district"
	KindGuest    = "guest"
)

// Room is one room that may join: the host, the central committee room, or a
// district committee's room.
type Room struct {
	ID       string `yaml:"id"`
	Kind     string `yaml:"kind"`
	Name     string `yaml:"name"`
	NameHi   string `yaml:"name_hi"`
	Location string `yaml:"location"`
	Token    Token  `yaml:"token"`
}

// Room returns the configured room with the given id.
func (f *File) Room(id string) (*Room, bool) {
	i, ok := f.byID[id]
	if !ok {
		return nil, false
	}
	return &f.Rooms[i], true
}

// Location returns the meeting's time zone: the UTC offset of starts_at.
func (f *File) Location() *time.Location {
	return f.Meeting.StartsAt.Location()
}
