// Package rtpdirect is the recorder's own receive path under pion. pion
// hands every incoming packet from goroutine to goroutine four times (the
// socket's reader, the DTLS/SRTP demultiplexer, the SRTP session, the
// track's reader), each a wake-up; for a recorder that hears 300 rooms
// those hand-offs cost more than the recording. A Receiver takes the RTP of
// the streams it is asked for straight off the PeerConnection's sockets,
// decrypts it there with the session's SRTP keys, and hands each stream its
// packets in one batch per drain, for all streams on one goroutine.
//
// pion still does everything else: ICE, DTLS, SRTCP, its receiver reports,
// and every packet of a stream nobody claimed or that does not decrypt
// here, which goes up pion's path as before. The keys come from pion's
// public hooks on the DTLS handshake (the ServerHello the local side sends
// and the key log), so the local side must be the DTLS server: Configure
// sets that.
package rtpdirect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"
)

// DefaultDrainInterval is how often claimed streams get their packets: a
// bound on the delay the direct path adds, and 50 wake-ups a second in all
// instead of one per packet.
const DefaultDrainInterval = 20 * time.Millisecond

// maxQueued bounds the bytes a stream holds between drains (pion's own
// buffer per stream is 1 MB): past it, packets go up pion's path instead.
const maxQueued = 1 << 20

// Errors of Claim.
var (
	// ErrNoKeys is a claim before the DTLS handshake gave usable keys, or
	// on a connection whose handshake the direct path cannot use.
	ErrNoKeys = errors.New("rtpdirect: no SRTP keys from the DTLS handshake")
	// ErrClaimed is a second claim of one SSRC.
	ErrClaimed = errors.New("rtpdirect: stream already claimed")
	// ErrClosed is a claim after Close.
	ErrClosed = errors.New("rtpdirect: receiver closed")
)

// Packet is one decrypted RTP packet and when it came off the socket.
type Packet struct {
	Data []byte
	At   time.Time
}

// Handler takes a claimed stream's packets that came since its last call,
// in arrival order (possibly none), and the time they were taken for it,
// which none of them is later than. It runs on
// the receiver's drain goroutine, one stream after another; the packets'
// bytes are reused once it returns.
type Handler func(pkts []Packet, now time.Time)

// Option configures a Receiver.
type Option func(*Receiver)

// WithDrainInterval sets how often handlers are called.
func WithDrainInterval(d time.Duration) Option { return func(r *Receiver) { r.every = d } }

// WithLogger sets the receiver's logger.
func WithLogger(l *slog.Logger) Option { return func(r *Receiver) { r.log = l } }

// Receiver is the direct path of one PeerConnection.
type Receiver struct {
	every time.Duration
	log   *slog.Logger

	keyMu sync.Mutex
	keys  handshakeKeys

	// ctxMu guards the SRTP context and its header: each socket has its
	// reader, and a connection may have several sockets.
	ctxMu sync.Mutex
	srtp  *srtp.Context
	hdr   rtp.Header

	claimMu sync.Mutex // serialises changes to streams
	streams atomic.Pointer[map[uint32]*stream]
	closed  bool // under claimMu

	drainMu sync.Mutex // held while handlers run

	direct, returned atomic.Uint64

	start sync.Once
	done  chan struct{}
	wg    sync.WaitGroup
}

// New makes a receiver; Configure puts it on a PeerConnection's settings.
func New(opts ...Option) *Receiver {
	r := &Receiver{every: DefaultDrainInterval, log: slog.Default(), done: make(chan struct{})}
	for _, o := range opts {
		o(r)
	}
	r.log = r.log.With("component", "rtpdirect")
	return r
}

// Configure sets what the receiver needs on a pion SettingEngine: its
// sockets are read through the receiver (n's sockets, or the system's when
// n is nil), the local side answers as DTLS server, and the handshake's
// ServerHello and key log tell the receiver the SRTP keys. The key log
// holds the session's master secret: the receiver keeps it in memory only,
// as pion does.
func (r *Receiver) Configure(se *webrtc.SettingEngine, n transport.Net) error {
	if n == nil {
		var err error
		if n, err = stdnet.NewNet(); err != nil {
			return fmt.Errorf("network interfaces: %w", err)
		}
	}
	if err := se.SetAnsweringDTLSRole(webrtc.DTLSRoleServer); err != nil {
		return fmt.Errorf("DTLS role: %w", err)
	}
	se.SetNet(directNet{Net: n, r: r})
	se.SetDTLSServerHelloMessageHook(func(m handshake.MessageServerHello) handshake.Message {
		r.keyMu.Lock()
		r.keys.serverHello(m)
		r.keyMu.Unlock()
		return &m
	})
	se.SetDTLSKeyLogWriter(keyLogWriter{r})
	return nil
}

type keyLogWriter struct{ r *Receiver }

// Write takes one key log line; pion only logs a write's error, so a line
// the receiver cannot read is logged here and the claims fail.
func (w keyLogWriter) Write(p []byte) (int, error) {
	w.r.keyMu.Lock()
	defer w.r.keyMu.Unlock()
	if err := w.r.keys.keyLog(p); err != nil {
		w.r.log.Warn("DTLS key log not understood: streams stay on pion's path", "err", err)
	}
	return len(p), nil
}

// Claim takes stream ssrc's RTP off the sockets from now on and hands it
// to h on the drain goroutine; what came before went, and what does not
// decrypt here goes, up pion's path. release ends the claim: it hands h
// what is left and returns once h will not be called again. h must not
// call release.
func (r *Receiver) Claim(ssrc uint32, h Handler) (release func(), err error) {
	if err := r.ensureContext(); err != nil {
		return nil, err
	}
	s := &stream{h: h}
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	old := r.streams.Load()
	next := make(map[uint32]*stream, 1)
	if old != nil {
		if _, ok := (*old)[ssrc]; ok {
			return nil, fmt.Errorf("%w: SSRC %d", ErrClaimed, ssrc)
		}
		for k, v := range *old {
			next[k] = v
		}
	}
	next[ssrc] = s
	r.streams.Store(&next)
	r.start.Do(func() {
		r.wg.Add(1)
		go r.run()
	})
	var once sync.Once
	return func() { once.Do(func() { r.release(ssrc, s) }) }, nil
}

// ensureContext derives the SRTP context once the handshake has told both
// halves of the keys.
func (r *Receiver) ensureContext() error {
	r.ctxMu.Lock()
	ready := r.srtp != nil
	r.ctxMu.Unlock()
	if ready {
		return nil
	}
	r.keyMu.Lock()
	defer r.keyMu.Unlock()
	if !r.keys.ready() {
		return ErrNoKeys
	}
	c, err := r.keys.remoteContext()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoKeys, err)
	}
	r.ctxMu.Lock()
	if r.srtp == nil {
		r.srtp = c
	}
	r.ctxMu.Unlock()
	return nil
}

func (r *Receiver) release(ssrc uint32, s *stream) {
	r.claimMu.Lock()
	if old := r.streams.Load(); old != nil {
		next := make(map[uint32]*stream, len(*old))
		for k, v := range *old {
			if k != ssrc {
				next[k] = v
			}
		}
		r.streams.Store(&next)
	}
	r.claimMu.Unlock()
	s.mu.Lock()
	s.released = true // a socket that found s before the map changed sends its packet up pion's path
	s.mu.Unlock()
	r.drainMu.Lock()
	s.drain()
	r.drainMu.Unlock()
}

// receive keeps packet b, just read, if it belongs to a claimed stream and
// decrypts; scratch is the reading socket's buffer for the plaintext. The
// clock is read only for a claimed stream's packet, before its decryption.
func (r *Receiver) receive(b []byte, scratch *[]byte) bool {
	m := r.streams.Load()
	if m == nil {
		return false
	}
	s := (*m)[binary.BigEndian.Uint32(b[8:12])]
	if s == nil {
		return false
	}
	at := time.Now()
	r.ctxMu.Lock()
	out, err := r.srtp.DecryptRTP((*scratch)[:0], b, &r.hdr)
	r.ctxMu.Unlock()
	if err != nil {
		r.returned.Add(1)
		return false
	}
	*scratch = out[:0]
	if !s.push(out, at) {
		r.returned.Add(1)
		return false
	}
	r.direct.Add(1)
	return true
}

// Stats are the receiver's counts so far.
type Stats struct {
	// Direct is packets taken off the sockets for a claimed stream.
	Direct uint64
	// Returned is packets of claimed streams sent up pion's path instead:
	// they did not decrypt here (a duplicate, a stream that is not
	// authentic, keys that do not fit) or their stream's queue was full.
	Returned uint64
}

// Stats returns the counts so far.
func (r *Receiver) Stats() Stats {
	return Stats{Direct: r.direct.Load(), Returned: r.returned.Load()}
}

func (r *Receiver) run() {
	defer r.wg.Done()
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
			r.drainAll()
		}
	}
}

func (r *Receiver) drainAll() {
	r.drainMu.Lock()
	defer r.drainMu.Unlock()
	if m := r.streams.Load(); m != nil {
		for _, s := range *m {
			s.drain()
		}
	}
}

// Close stops the drain goroutine and waits for it; claims not released
// get no further packets.
func (r *Receiver) Close() error {
	r.claimMu.Lock()
	if !r.closed {
		r.closed = true
		close(r.done)
	}
	r.claimMu.Unlock()
	r.wg.Wait()
	return nil
}

// stream is one claimed SSRC: the sockets append, the drain takes.
type stream struct {
	h Handler

	mu       sync.Mutex
	data     []byte // packets back to back
	marks    []mark
	released bool

	// The drain's side, under the receiver's drainMu: the buffers swapped
	// out of data and marks, and the packets handed over.
	dData  []byte
	dMarks []mark
	pkts   []Packet
}

type mark struct {
	end int
	at  time.Time
}

func (s *stream) push(p []byte, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released || len(s.data)+len(p) > maxQueued {
		return false
	}
	s.data = append(s.data, p...)
	s.marks = append(s.marks, mark{end: len(s.data), at: at})
	return true
}

// drain hands the stream's packets to its handler with the time they were
// taken: no packet of the batch came later, so the handler may let time pass
// up to it. (One being decrypted at that moment comes in the next batch,
// stamped microseconds before it: as if it had come a little later.)
func (s *stream) drain() {
	s.mu.Lock()
	s.data, s.dData = s.dData[:0], s.data
	s.marks, s.dMarks = s.dMarks[:0], s.marks
	s.mu.Unlock()
	now := time.Now()
	s.pkts = s.pkts[:0]
	start := 0
	for _, m := range s.dMarks {
		s.pkts = append(s.pkts, Packet{Data: s.dData[start:m.end:m.end], At: m.at})
		start = m.end
	}
	s.h(s.pkts, now)
}
