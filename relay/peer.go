package relay

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/samvad/samvad/media"
)

// ErrUnexpectedAnswer is an answer that no offer of the relay asked for.
var ErrUnexpectedAnswer = errors.New("relay: answer without an offer")

// PeerInfo says who a peer is.
type PeerInfo struct {
	Session string
	// Room is the room id of a room's peer, empty for a recorder.
	Room string
	// Recorder peers receive every room and send nothing.
	Recorder bool
	// Receive is whether a room hears the meeting.
	Receive bool
	// AlwaysHeard: this room (the host) reaches every room even when the
	// meeting forwards only the loudest rooms.
	AlwaysHeard bool
	// Addr is the address the client's websocket comes from: the relay
	// may check candidates on it whatever its kind, unless it is loopback
	// (a reverse proxy on this machine, not the room).
	Addr netip.Addr
}

// forwarded is one source this peer hears: its sender and its output.
type forwarded struct {
	sender *webrtc.RTPSender
	out    *output
}

// Signal is one message the relay needs delivered to a peer's client:
// exactly one field is set.
type Signal struct {
	Offer     string
	Candidate *webrtc.ICECandidateInit
	Track     *TrackInfo
}

// Callbacks connect a peer to its client. Neither may block: the relay
// calls them with its locks held.
type Callbacks struct {
	// Signal delivers an offer, a candidate or a track announcement.
	Signal func(Signal)
	// Failed reports that the peer's media connection failed for good.
	Failed func()
}

// Peer is one client's PeerConnection with the relay.
type Peer struct {
	r    *Relay
	info PeerInfo
	pc   *webrtc.PeerConnection
	cb   Callbacks

	mu          sync.Mutex
	closed      bool
	negotiating bool // an offer is out, its answer not yet in
	pending     bool // something changed while negotiating
	remoteSet   bool
	candidates  []webrtc.ICECandidateInit // admitted before the answer
	remote      *media.RemoteCandidates
	warnedCap   bool                   // the candidate cap was logged
	senders     map[string]*forwarded  // by source session
	announce    []TrackInfo            // tracks the next offer carries
	source      atomic.Pointer[source] // this room's microphone
	act         *roomActivity          // a room's activity; nil for a recorder
}

// Join creates the relay's PeerConnection for a client and sends it the
// first offer: one audio line for a room's microphone, plus a line for every
// room it should hear.
func (r *Relay) Join(info PeerInfo, cb Callbacks) (*Peer, error) {
	pc, err := r.api.NewPeerConnection(r.config)
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	policy := r.candidates
	if info.Addr.IsValid() && !info.Addr.IsLoopback() {
		policy.Peer = info.Addr
	}
	p := &Peer{r: r, info: info, pc: pc, cb: cb, senders: map[string]*forwarded{}, remote: media.NewRemoteCandidates(policy)}
	if info.Room != "" && !info.Recorder {
		p.act = &roomActivity{since: time.Now(), silentAfter: r.silentAfter}
	}
	// Every peer gets a receive line first: a room's microphone, and for a
	// recorder an inactive line, since an offer needs at least one.
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		pc.Close()
		return nil, fmt.Errorf("add microphone line: %w", err)
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		init := c.ToJSON()
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.closed {
			cb.Signal(Signal{Candidate: &init})
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed {
			r.log.Info("media connection failed", "session", info.Session, "room", info.Room)
			if cb.Failed != nil {
				cb.Failed()
			}
		}
	})
	if info.Room != "" && !info.Recorder {
		pc.OnTrack(p.onTrack)
	}

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		pc.Close()
		return nil, ErrClosed
	}
	r.peers[p] = struct{}{}
	var hear []*source
	for _, src := range r.sources {
		if listens(p, src) {
			hear = append(hear, src)
		}
	}
	r.mu.Unlock()

	p.mu.Lock()
	for _, src := range hear {
		if p.r.wants(p, src) {
			p.addSenderLocked(src)
		}
	}
	err = p.negotiateLocked()
	p.mu.Unlock()
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// onTrack takes the room's microphone: the first audio track only.
func (p *Peer) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	if remote.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	src := newSource(p.info.Room, p.info.Session, p.info.AlwaysHeard)
	if !p.source.CompareAndSwap(nil, src) {
		return
	}
	p.r.log.Debug("microphone", "room", p.info.Room, "session", p.info.Session, "ssrc", remote.SSRC())
	var levelID uint8
	for _, e := range receiver.GetParameters().HeaderExtensions {
		if e.URI == media.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	p.r.goFunc(func() { drainRTCP(receiver.ReadRTCP) })
	p.r.goFunc(func() {
		p.r.addSource(src)
		if err := src.forward(remote, levelID, func(level int, now time.Time) {
			if p.act.packet(level, now) {
				p.r.reportActivity(p, now)
			}
		}, p.r.metrics.Source(p.info.Room)); err != nil {
			p.r.log.Debug("microphone ended", "room", p.info.Room, "err", err)
		}
		p.r.removeSource(src)
	})
}

// Answer applies the client's answer to the relay's last offer, and sends
// the next offer if anything changed meanwhile.
func (p *Peer) Answer(sdp string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.negotiating {
		return ErrUnexpectedAnswer
	}
	sdp, screened := p.remote.Screen(sdp)
	if screened.Removed() > 0 {
		p.screenedLocked(screened)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("apply answer: %w", err)
	}
	p.negotiating = false
	p.remoteSet = true
	for _, c := range p.candidates {
		if err := p.pc.AddICECandidate(c); err != nil {
			p.r.log.Debug("queued candidate refused", "session", p.info.Session, "err", err)
		}
	}
	p.candidates = nil
	if p.pending {
		p.pending = false
		return p.negotiateLocked()
	}
	return nil
}

// AddCandidate adds a client's ICE candidate, keeping it until the answer
// when it comes early. A candidate the policy refuses (beyond the cap, on
// an address not allowed) is dropped and nil returned: honest browsers
// name private addresses all the time. Only a malformed one is an error.
func (p *Peer) AddCandidate(c webrtc.ICECandidateInit) error {
	if c.Candidate == "" {
		return nil // end of candidates
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.remote.Admit(c.Candidate); err != nil {
		if errors.Is(err, media.ErrBadCandidate) {
			return fmt.Errorf("add candidate: %w", err)
		}
		p.refusedLocked(err)
		return nil
	}
	if !p.remoteSet {
		p.candidates = append(p.candidates, c)
		return nil
	}
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("add candidate: %w", err)
	}
	return nil
}

// screenedLocked logs the candidates taken out of an answer.
func (p *Peer) screenedLocked(s media.Screened) {
	if s.TooMany > 0 {
		p.refusedLocked(media.ErrTooManyCandidates)
	}
	p.r.log.Debug("candidates left out of the answer", "session", p.info.Session, "room", p.info.Room,
		"too_many", s.TooMany, "address", s.Address, "malformed", s.Bad)
}

// refusedLocked logs a refused candidate: the first one over the cap as a
// warning (no honest client gets there), the others at debug level.
func (p *Peer) refusedLocked(err error) {
	if errors.Is(err, media.ErrTooManyCandidates) && !p.warnedCap {
		p.warnedCap = true
		p.r.log.Warn("ICE candidates beyond the cap ignored", "session", p.info.Session, "room", p.info.Room, "accepted", p.remote.Accepted())
		return
	}
	p.r.log.Debug("ICE candidate ignored", "session", p.info.Session, "room", p.info.Room, "err", err)
}

// Close ends the peer: its microphone leaves every listener.
func (p *Peer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	p.r.mu.Lock()
	delete(p.r.peers, p)
	p.r.mu.Unlock()
	if src := p.source.Load(); src != nil {
		p.r.removeSource(src)
	}
	return p.pc.Close()
}

// subscribe adds src to what this peer hears, or switches it back on.
func (p *Peer) subscribe(src *source) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || src.gone.Load() {
		return
	}
	if f, ok := p.senders[src.session]; ok {
		f.out.setEnabled(true, time.Now())
		return
	}
	if p.addSenderLocked(src) {
		if err := p.negotiateLocked(); err != nil {
			p.r.log.Warn("renegotiate", "session", p.info.Session, "err", err)
		}
	}
}

// unsubscribe removes src from what this peer hears.
func (p *Peer) unsubscribe(src *source) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, ok := p.senders[src.session]
	if !ok || p.closed {
		return
	}
	delete(p.senders, src.session)
	src.removeOutput(f.out)
	for i, t := range p.announce {
		if t.Session == src.session {
			p.announce = append(p.announce[:i], p.announce[i+1:]...)
			break
		}
	}
	if err := p.pc.RemoveTrack(f.sender); err != nil {
		p.r.log.Debug("remove track", "session", p.info.Session, "err", err)
		return
	}
	if err := p.negotiateLocked(); err != nil {
		p.r.log.Warn("renegotiate", "session", p.info.Session, "err", err)
	}
}

func (p *Peer) addSenderLocked(src *source) bool {
	if _, ok := p.senders[src.session]; ok {
		return false
	}
	out := newOutput(src, true)
	sender, err := p.pc.AddTrack(out)
	if err != nil {
		p.r.log.Warn("forward track", "session", p.info.Session, "from", src.room, "err", err)
		return false
	}
	src.addOutput(out)
	p.senders[src.session] = &forwarded{sender: sender, out: out}
	p.announce = append(p.announce, src.info())
	p.r.goFunc(func() { drainRTCP(sender.ReadRTCP) })
	return true
}

// negotiateLocked sends an offer now, or after the outstanding answer.
func (p *Peer) negotiateLocked() error {
	if p.closed {
		return nil
	}
	if p.negotiating {
		p.pending = true
		return nil
	}
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("set local offer: %w", err)
	}
	for i := range p.announce {
		p.cb.Signal(Signal{Track: &p.announce[i]})
	}
	p.announce = nil
	p.negotiating = true
	p.cb.Signal(Signal{Offer: offer.SDP})
	return nil
}

// drainRTCP reads RTCP until the stream ends: the report interceptors only
// see what is read, and an unread stream would fill its buffer.
func drainRTCP(read func() ([]rtcp.Packet, interceptor.Attributes, error)) {
	for {
		if _, _, err := read(); err != nil {
			return
		}
	}
}
