// Package participant is the client side of a samvad meeting: a signalling
// connection plus one answering PeerConnection. The bot records through it,
// the simulator's rooms speak through it, and the tests use it as a room.
package participant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
	"github.com/samvad/samvad/rtpdirect"
	"github.com/samvad/samvad/signaling"
)

// ErrMediaFailed ends a participant whose PeerConnection failed.
var ErrMediaFailed = errors.New("participant: media connection failed")

// Config says how to join.
type Config struct {
	// URL of the server's websocket, ws:// or wss://.
	URL string
	// Join is the join message: meeting, role, room, token, receive.
	Join signaling.Message
	// Mic, when set, sends a microphone on the offer's first line.
	Mic bool
	// Loopback allows ICE over loopback, for tests and local runs: the
	// server's loopback candidates are used too.
	Loopback bool
	// PrivateCandidates uses the server's candidates on private, shared,
	// link-local and loopback addresses (server.ice.private_candidates).
	// Without it (and Loopback) the participant checks only public
	// addresses and the one its websocket went to: a hostile server cannot
	// point its checks at this machine's network.
	PrivateCandidates bool
	// MaxCandidates bounds the distinct addresses the server may name; 0
	// means media.DefaultMaxCandidates.
	MaxCandidates int
	// DialOptions for the websocket (TLS, Origin).
	DialOptions []signaling.DialOption
	Logger      *slog.Logger
	// SocketBuffer, when not 0, is the UDP receive and send buffer asked
	// for on the media socket (media.SocketBuffer for a recorder, which
	// receives every room on one socket); a kernel that grants less is
	// logged as a warning.
	SocketBuffer int
	// Direct, when set, is configured on the connection, so that a track
	// handler can claim its track's packets off the sockets, below pion's
	// receive pipeline (package rtpdirect): for a recorder, which hears
	// every room. The participant then answers as DTLS server. The caller
	// closes it after the participant.
	Direct *rtpdirect.Receiver
}

// CandidatePolicy is which of the server's ICE candidates a participant
// with this configuration sends checks to, when its websocket went to
// server.
func (c Config) CandidatePolicy(server netip.Addr) media.CandidatePolicy {
	return media.CandidatePolicy{Max: c.MaxCandidates, Private: c.PrivateCandidates, Loopback: c.Loopback, Peer: server.Unmap()}
}

// Handlers receive what the meeting sends. Each is called on the
// participant's own goroutines; they may block only as long as they are
// willing to hold up the same kind of event.
type Handlers struct {
	// OnTrack is called once for each forwarded track, on a goroutine of its
	// own that Close waits for: read the track until it ends. room is the
	// track's msid stream id.
	OnTrack func(room string, track *webrtc.TrackRemote, recv *webrtc.RTPReceiver)
	// OnMessage gets every message but offers and candidates: presence,
	// track, recording, status, error.
	OnMessage func(signaling.Message)
}

// Participant is one joined client.
type Participant struct {
	Client *signaling.Client

	cfg  Config
	h    Handlers
	log  *slog.Logger
	pc   *webrtc.PeerConnection
	mic  *Mic
	done chan struct{}

	micAdded bool // the microphone is on the PeerConnection; only the signalling goroutine uses it

	// remote screens the server's candidates; set before signalLoop starts.
	remote *media.RemoteCandidates

	mu         sync.Mutex
	err        error
	remoteSet  bool
	candidates []webrtc.ICECandidateInit
	wg         sync.WaitGroup
	closeOnce  sync.Once
}

// Join connects, joins and starts answering the server's offers.
func Join(ctx context.Context, cfg Config, h Handlers) (*Participant, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	api, err := newAPI(cfg.Loopback, cfg.SocketBuffer, cfg.Direct, log)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	p := &Participant{cfg: cfg, h: h, log: log, pc: pc, done: make(chan struct{})}
	if cfg.Mic {
		p.mic, err = NewMic(cfg.Join.Room)
		if err != nil {
			pc.Close()
			return nil, err
		}
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		if p.Client != nil {
			p.Client.Send(signaling.Message{Type: signaling.TypeCandidate, Candidate: &init})
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			p.end(ErrMediaFailed)
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if h.OnTrack == nil || !p.goFunc(func() { h.OnTrack(t.StreamID(), t, r) }) {
			return
		}
	})

	cfg.Join.Type = signaling.TypeJoin
	client, err := signaling.Dial(ctx, cfg.URL, cfg.Join, cfg.DialOptions...)
	if err != nil {
		pc.Close()
		return nil, err
	}
	p.Client = client
	var server netip.Addr
	if ap, err := netip.ParseAddrPort(client.RemoteAddr().String()); err == nil {
		server = ap.Addr()
	}
	p.remote = media.NewRemoteCandidates(cfg.CandidatePolicy(server))
	p.wg.Add(1)
	go p.signalLoop()
	return p, nil
}

// Welcome is the server's welcome.
func (p *Participant) Welcome() signaling.Message { return p.Client.Welcome }

// Mic is the microphone, or nil without Config.Mic.
func (p *Participant) Mic() *Mic { return p.mic }

// Done is closed when the participant has ended, by Close or by failure.
func (p *Participant) Done() <-chan struct{} { return p.done }

// Err is why the participant ended.
func (p *Participant) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Mute tells the meeting the room is muted or not. It does not stop the
// microphone: the caller decides whether to send silence or nothing.
func (p *Participant) Mute(muted bool) error {
	return p.Client.Send(signaling.Message{Type: signaling.TypeMute, Muted: &muted})
}

// Leave says goodbye (the room shows as left) and closes.
func (p *Participant) Leave() error {
	p.Client.Leave()
	return p.Close()
}

// Close ends the participant without a goodbye (the room shows as dropped)
// and waits for its goroutines.
func (p *Participant) Close() error {
	p.end(signaling.ErrClientClosed)
	p.wg.Wait()
	return nil
}

func (p *Participant) end(err error) {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
		if p.Client != nil {
			p.Client.Close()
		}
		p.pc.Close()
	})
}

// goFunc runs f on a goroutine Close waits for, unless already ended.
func (p *Participant) goFunc(f func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return false
	default:
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
	return true
}

func (p *Participant) signalLoop() {
	defer p.wg.Done()
	for {
		select {
		case m, ok := <-p.Client.Messages():
			if !ok {
				p.end(fmt.Errorf("signalling ended: %w", p.Client.Err()))
				return
			}
			if err := p.handle(m); err != nil {
				p.log.Warn("signalling", "type", m.Type, "err", err)
			}
		case <-p.done:
			return
		}
	}
}

func (p *Participant) handle(m signaling.Message) error {
	switch m.Type {
	case signaling.TypeOffer:
		return p.answer(m.SDP)
	case signaling.TypeCandidate:
		if m.Candidate == nil || m.Candidate.Candidate == "" {
			return nil
		}
		if err := p.remote.Admit(m.Candidate.Candidate); err != nil {
			p.log.Debug("server's ICE candidate ignored", "err", err)
			return nil
		}
		p.mu.Lock()
		if !p.remoteSet {
			p.candidates = append(p.candidates, *m.Candidate)
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		return p.pc.AddICECandidate(*m.Candidate)
	default:
		if p.h.OnMessage != nil {
			p.h.OnMessage(m)
		}
	}
	return nil
}

func (p *Participant) answer(sdp string) error {
	sdp, screened := p.remote.Screen(sdp)
	if screened.Removed() > 0 {
		p.log.Debug("server's ICE candidates left out of its offer", "too_many", screened.TooMany, "address", screened.Address, "malformed", screened.Bad)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return fmt.Errorf("apply offer: %w", err)
	}
	if p.mic != nil && !p.micAdded {
		sender, err := p.pc.AddTrack(p.mic.Track())
		if err != nil {
			return fmt.Errorf("attach microphone: %w", err)
		}
		p.micAdded = true
		p.goFunc(func() { drainRTCP(sender) })
	}
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("create answer: %w", err)
	}
	if err := p.pc.SetLocalDescription(ans); err != nil {
		return fmt.Errorf("set answer: %w", err)
	}
	p.mu.Lock()
	p.remoteSet = true
	queued := p.candidates
	p.candidates = nil
	p.mu.Unlock()
	for _, c := range queued {
		if err := p.pc.AddICECandidate(c); err != nil {
			p.log.Debug("queued candidate refused", "err", err)
		}
	}
	return p.Client.Send(signaling.Message{Type: signaling.TypeAnswer, SDP: ans.SDP})
}

func drainRTCP(s *webrtc.RTPSender) {
	for {
		if _, _, err := s.ReadRTCP(); err != nil {
			return
		}
	}
}

// newAPI builds a pion API that answers the relay's offers: Opus and the
// audio-level extension, RTCP reports and nothing else (no NACK: a late
// retransmission is worse than concealment for audio; no TWCC or stats
// interceptors: nothing here reads them).
func newAPI(loopback bool, socketBuffer int, direct *rtpdirect.Receiver, log *slog.Logger) (*webrtc.API, error) {
	me, err := media.NewMediaEngine()
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	fs, err := ReportInterceptors()
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		reg.Add(f)
	}
	se := webrtc.SettingEngine{}
	var n transport.Net
	if socketBuffer > 0 {
		n, err = media.BufferedNet(socketBuffer, func(granted, asked int) { log.Warn(media.BufferWarning(granted, asked)) })
		if err != nil {
			return nil, err
		}
		se.SetNet(n)
	}
	if direct != nil {
		if err := direct.Configure(&se, n); err != nil {
			return nil, err
		}
	}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}
