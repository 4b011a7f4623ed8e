package rtpdirect

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"go.uber.org/goleak"

	"github.com/samvad/samvad/media"
)

// TestMain fails the package's tests if any leaves a goroutine running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair is a real pion offerer (a relay that sends one track) and a real
// answerer (a recorder) whose API the receiver configures, over loopback.
type pair struct {
	offer, answer *webrtc.PeerConnection
	local         *webrtc.TrackLocalStaticRTP
	sender        *webrtc.RTPSender
	r             *Receiver
	remote        chan *webrtc.TrackRemote
}

func newAPI(t *testing.T, r *Receiver) *webrtc.API {
	t.Helper()
	me, err := media.NewMediaEngine()
	if err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if r != nil {
		if err := r.Configure(&se, nil); err != nil {
			t.Fatal(err)
		}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se))
}

func newPair(t *testing.T, opts ...Option) *pair {
	t.Helper()
	p := &pair{r: New(opts...), remote: make(chan *webrtc.TrackRemote, 1)}
	var err error
	if p.offer, err = newAPI(t, nil).NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	if p.answer, err = newAPI(t, p.r).NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.offer.Close()
		p.answer.Close()
		p.r.Close()
	})
	p.local, err = webrtc.NewTrackLocalStaticRTP(media.OpusCodec().RTPCodecCapability, "mic", "ranchi")
	if err != nil {
		t.Fatal(err)
	}
	if p.sender, err = p.offer.AddTrack(p.local); err != nil {
		t.Fatal(err)
	}
	p.answer.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { p.remote <- tr })
	offer, err := p.offer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.offer)
	if err := p.offer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := p.answer.SetRemoteDescription(*p.offer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	ans, err := p.answer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(p.answer)
	if err := p.answer.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := p.offer.SetRemoteDescription(*p.answer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	return p
}

// payload is packet seq's recognisable payload.
func payload(seq uint16) []byte { return []byte(fmt.Sprintf("opus frame %05d", seq)) }

// send sends packet seq with an RFC 6464 audio level, as rooms do: pion
// encrypts header extensions too (cryptex, RFC 9335) when both ends offer it.
func (p *pair) send(t *testing.T, seq uint16) {
	t.Helper()
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq,
		Timestamp: uint32(seq) * 960, SSRC: 1}, Payload: payload(seq)}
	for _, e := range p.sender.GetParameters().HeaderExtensions {
		if e.URI == media.AudioLevelURI {
			if err := pkt.SetExtension(uint8(e.ID), []byte{0x80 | 30}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(pkt.Extensions) == 0 {
		t.Fatal("no audio level extension negotiated")
	}
	if err := p.local.WriteRTP(pkt); err != nil {
		t.Fatal(err)
	}
}

// startSending sends a packet every 2 ms until the first reaches the
// answerer, and returns its track with that first packet read.
func (p *pair) firstTrack(t *testing.T) (*webrtc.TrackRemote, uint16) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var seq uint16
	for {
		p.send(t, seq)
		seq++
		select {
		case tr := <-p.remote:
			return tr, seq
		case <-ctx.Done():
			t.Fatal("no track within 10 s")
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// collector is a handler that keeps what it is given.
type collector struct {
	mu    sync.Mutex
	seqs  map[uint16][]byte
	calls int
	late  time.Duration // the longest a packet waited for its drain
}

func (c *collector) handle(pkts []Packet, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	for _, p := range pkts {
		var pkt rtp.Packet
		if err := pkt.Unmarshal(p.Data); err != nil {
			panic(err)
		}
		c.seqs[pkt.SequenceNumber] = bytes.Clone(pkt.Payload)
		if w := now.Sub(p.At); w > c.late {
			c.late = w
		}
	}
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seqs)
}

// readTrack reads what pion's path delivers into seen until the track ends.
func readTrack(tr *webrtc.TrackRemote, seen chan<- uint16) {
	defer close(seen)
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		seen <- pkt.SequenceNumber
	}
}

// claim claims tr's stream for a new collector, and reads what still comes
// up pion's path into the returned channel until the track ends.
func (p *pair) claim(t *testing.T, tr *webrtc.TrackRemote) (*collector, func(), <-chan uint16) {
	t.Helper()
	c := &collector{seqs: map[uint16][]byte{}}
	release, err := p.r.Claim(uint32(tr.SSRC()), c.handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	seen := make(chan uint16, 1000)
	go readTrack(tr, seen)
	return c, release, seen
}

// sendSome sends n packets from *next on, a millisecond apart.
func (p *pair) sendSome(t *testing.T, next *uint16, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		p.send(t, *next)
		*next++
		time.Sleep(time.Millisecond)
	}
}

// TestClaimedStreamComesDirect: after a claim, every packet of the stream
// arrives through the handler, decrypted, none through pion's track; what
// came before arrived through pion. Nothing is lost or doubled.
func TestClaimedStreamComesDirect(t *testing.T) {
	p := newPair(t, WithDrainInterval(10*time.Millisecond))
	tr, next := p.firstTrack(t)
	c, release, seen := p.claim(t, tr)
	const n = 300
	first := next
	p.sendSome(t, &next, n)
	// Wait for the direct path to have them (loopback loses nothing).
	deadline := time.Now().Add(5 * time.Second)
	for c.count() < n-20 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	release()

	viaPion := map[uint16]bool{}
	p.answer.Close() // ends the track and readTrack
	for s := range seen {
		viaPion[s] = true
	}
	st := p.r.Stats()
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := first; s != next; s++ {
		got, direct := c.seqs[s]
		switch {
		case direct && viaPion[s]:
			t.Errorf("packet %d came both ways", s)
		case direct && !bytes.Equal(got, payload(s)):
			t.Errorf("packet %d decrypted to %q", s, got)
		case !direct && !viaPion[s]:
			t.Errorf("packet %d lost", s)
		}
	}
	// A packet or two in pion's pipeline at the claim may still come its
	// way; the rest must have come direct.
	if len(c.seqs) < n-5 {
		t.Errorf("%d of %d packets came direct (stats %+v)", len(c.seqs), n, st)
	}
	if st.Returned != 0 {
		t.Errorf("%d packets did not decrypt on the direct path", st.Returned)
	}
	if c.calls < 5 {
		t.Errorf("handler called %d times for %d packets over ~%v: not draining in batches", c.calls, n, n*time.Millisecond)
	}
	t.Logf("%d direct, %d via pion, %d drains, longest wait %v", len(c.seqs), len(viaPion), c.calls, c.late)
}

// TestReleaseHandsBackToPion: a released stream's packets go up pion's
// path again, and the handler is not called after release returns.
func TestReleaseHandsBackToPion(t *testing.T) {
	p := newPair(t)
	tr, next := p.firstTrack(t)
	c, release, seen := p.claim(t, tr)
	if _, err := p.r.Claim(uint32(tr.SSRC()), c.handle); err == nil {
		t.Error("a second claim of the same stream was taken")
	}
	p.sendSome(t, &next, 50)
	time.Sleep(100 * time.Millisecond)
	release()
	calls := c.calls
	after := next
	p.sendSome(t, &next, 50)
	got := 0
	timeout := time.After(5 * time.Second)
	for got < 40 {
		select {
		case s := <-seen:
			if s-after < 50 {
				got++
			}
		case <-timeout:
			t.Fatalf("%d of 50 packets after release came up pion's path", got)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls != calls {
		t.Errorf("handler called %d times after release", c.calls-calls)
	}
	for s := after; s != next; s++ {
		if _, ok := c.seqs[s]; ok {
			t.Errorf("packet %d, sent after release, came direct", s)
		}
	}
}

// TestWrongKeysLoseNothing: keys that do not fit (here, a master secret
// with one bit flipped) make every packet fail to decrypt on the direct
// path, and every one goes up pion's path instead.
func TestWrongKeysLoseNothing(t *testing.T) {
	p := newPair(t)
	tr, next := p.firstTrack(t)
	p.r.keyMu.Lock()
	p.r.keys.master[0] ^= 1
	p.r.keyMu.Unlock()
	c, _, seen := p.claim(t, tr)
	first := next
	p.sendSome(t, &next, 100)
	got := map[uint16]bool{}
	timeout := time.After(5 * time.Second)
	for len(got) < 100 {
		select {
		case s := <-seen:
			if s-first < 100 {
				got[s] = true
			}
		case <-timeout:
			t.Fatalf("%d of 100 packets reached pion's track with wrong direct keys", len(got))
		}
	}
	if n := c.count(); n != 0 {
		t.Errorf("%d packets decrypted with wrong keys", n)
	}
	if st := p.r.Stats(); st.Returned < 100 || st.Direct != 0 {
		t.Errorf("stats %+v: want every packet returned", st)
	}
}

// TestClaimBeforeHandshake: a claim without keys fails with ErrNoKeys.
func TestClaimBeforeHandshake(t *testing.T) {
	r := New()
	defer r.Close()
	if _, err := r.Claim(1, func([]Packet, time.Time) {}); err == nil {
		t.Fatal("claim without keys succeeded")
	}
}

// TestGarbageAtTheSocket: datagrams from anyone, with the claimed SSRC and
// the look of RTP or without, are not handed over, cost the stream nothing,
// and the real packets after them still come direct.
func TestGarbageAtTheSocket(t *testing.T) {
	p := newPair(t)
	tr, next := p.firstTrack(t)
	c, _, _ := p.claim(t, tr)

	pair, err := p.answer.GetReceivers()[0].Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("no selected pair: %v", err)
	}
	to := &net.UDPAddr{IP: net.ParseIP(pair.Local.Address), Port: int(pair.Local.Port)}
	attacker, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer attacker.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	rtpLike := 0
	for i := 0; i < 500; i++ {
		b := make([]byte, rng.IntN(1400))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%2 == 0 && len(b) >= 12 { // RTP's version, a payload type, the claimed SSRC
			b[0], b[1] = 0x80, 111
			binary.BigEndian.PutUint32(b[8:12], uint32(tr.SSRC()))
			rtpLike++
		}
		if _, err := attacker.WriteToUDP(b, to); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond) // not faster than the socket's default buffer takes them
	}
	first := next
	p.sendSome(t, &next, 100)
	deadline := time.Now().Add(5 * time.Second)
	for c.count() < 100 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for s := first; s != next; s++ {
		if got, ok := c.seqs[s]; !ok || !bytes.Equal(got, payload(s)) {
			t.Errorf("real packet %d after the garbage: %q, %v", s, got, ok)
		}
	}
	if len(c.seqs) != 100 {
		t.Errorf("%d packets handed over, want the 100 real ones", len(c.seqs))
	}
	// The kernel may drop some of the garbage at a busy socket; what it
	// delivered that looked like the stream's RTP went up pion's path.
	st := p.r.Stats()
	t.Logf("%d of %d datagrams looked like the stream's RTP; stats %+v", rtpLike, 500, st)
	if st.Returned == 0 || st.Returned > uint64(rtpLike) {
		t.Errorf("stats %+v: of %d datagrams that looked like the stream's RTP, none (or more) went up pion's path", st, rtpLike)
	}
}
