package rtpdirect

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// BenchmarkDirectPacket is the direct path's work per packet once a
// datagram is read: the SSRC lookup, SRTP decryption (AES-128-GCM, the
// profile pion picks, with the audio level in cryptex), the arrival's clock
// reading, the stream's queue,
// and the drain every 20 ms of a room (50 packets) to a handler that does
// nothing.
func BenchmarkDirectPacket(b *testing.B) {
	k := handshakeKeys{hash: sha256.New, profile: srtp.ProtectionProfileAeadAes128Gcm, helloSeen: true,
		clientRandom: make([]byte, 32), master: make([]byte, 48)}
	for i := range k.master {
		k.master[i] = byte(i)
	}
	r := New()
	defer r.Close()
	r.keys = k
	if err := r.ensureContext(); err != nil {
		b.Fatal(err)
	}
	// The sender's context: the same keys, seen from the DTLS client.
	cfg := srtp.Config{Profile: k.profile}
	if err := cfg.ExtractSessionKeysFromDTLS(&k, true); err != nil {
		b.Fatal(err)
	}
	send, err := srtp.CreateContext(cfg.Keys.LocalMasterKey, cfg.Keys.LocalMasterSalt, k.profile,
		srtp.Cryptex(srtp.CryptexModeEnabled))
	if err != nil {
		b.Fatal(err)
	}
	const ssrc = 0x5a3d
	s := &stream{h: func([]Packet, time.Time) {}}
	r.streams.Store(&map[uint32]*stream{ssrc: s})

	// Encrypted packets for every iteration, made before the clock starts:
	// the replay window wants a new sequence number each time.
	payload := make([]byte, 40) // a quiet room's Opus frame
	pkts := make([][]byte, b.N)
	for i := range pkts {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i),
			Timestamp: uint32(i) * 960, SSRC: ssrc}, Payload: payload}
		if err := p.SetExtension(1, []byte{0x80 | 40}); err != nil {
			b.Fatal(err)
		}
		raw, err := p.Marshal()
		if err != nil {
			b.Fatal(err)
		}
		if pkts[i], err = send.EncryptRTP(nil, raw, nil); err != nil {
			b.Fatal(err)
		}
	}
	scratch := make([]byte, 0, receiveMTU)
	b.ReportAllocs()
	b.ResetTimer()
	for i, p := range pkts {
		if !r.receive(p, &scratch) {
			b.Fatalf("packet %d not kept (stats %+v)", i, r.Stats())
		}
		if i%50 == 49 {
			s.drain()
		}
	}
}
