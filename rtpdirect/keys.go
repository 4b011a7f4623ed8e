package rtpdirect

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/srtp/v3"
)

// replayWindow is the SRTP replay window pion's own sessions use.
const replayWindow = 64

// handshakeKeys collects what the bot's side of the DTLS handshake tells
// through pion's two public windows on it: the ServerHello the bot sends
// (server random, cipher suite, SRTP profile) and the key log (client
// random, master secret). Together they give the SRTP keys the same way
// pion's own DTLSTransport derives them (RFC 5764 section 4.2).
type handshakeKeys struct {
	serverRandom [handshake.RandomLength]byte
	hash         prf.HashFunc
	profile      srtp.ProtectionProfile
	helloSeen    bool

	clientRandom []byte
	master       []byte
}

// serverHello takes what the keys need from the ServerHello the bot sends.
// A hello the direct path cannot use (no SRTP, a master key identifier, a
// cipher suite with an unknown PRF hash) leaves it off.
func (k *handshakeKeys) serverHello(m handshake.MessageServerHello) {
	if m.CipherSuiteID == nil {
		return
	}
	hash := prfHash(dtls.CipherSuiteID(*m.CipherSuiteID))
	if hash == nil {
		return
	}
	for _, e := range m.Extensions {
		u, ok := e.(*extension.UseSRTP)
		if !ok || len(u.ProtectionProfiles) != 1 || len(u.MasterKeyIdentifier) > 0 {
			continue
		}
		k.serverRandom = m.Random.MarshalFixed()
		k.hash = hash
		k.profile = srtp.ProtectionProfile(u.ProtectionProfiles[0])
		k.helloSeen = true
		return
	}
}

// prfHash is the TLS 1.2 PRF hash of a cipher suite: SHA-384 for the
// suites named for it, SHA-256 for every other suite pion knows.
func prfHash(id dtls.CipherSuiteID) prf.HashFunc {
	name := dtls.CipherSuiteName(id)
	switch {
	case strings.HasPrefix(name, "0x"): // not a suite pion knows
		return nil
	case strings.HasSuffix(name, "SHA384"):
		return sha512.New384
	default:
		return sha256.New
	}
}

// errKeyLog is a key log line the direct path cannot read.
var errKeyLog = errors.New("rtpdirect: unreadable DTLS key log line")

// keyLog takes one line of pion's DTLS key log (NSS format): "CLIENT_RANDOM
// <client random> <master secret>", in hex.
func (k *handshakeKeys) keyLog(line []byte) error {
	f := strings.Fields(string(line))
	if len(f) != 3 || f[0] != "CLIENT_RANDOM" {
		return fmt.Errorf("%w: %d fields", errKeyLog, len(f))
	}
	cr, err := hex.DecodeString(f[1])
	if err != nil || len(cr) != handshake.RandomLength {
		return fmt.Errorf("%w: client random", errKeyLog)
	}
	ms, err := hex.DecodeString(f[2])
	if err != nil || len(ms) == 0 {
		return fmt.Errorf("%w: master secret", errKeyLog)
	}
	k.clientRandom, k.master = cr, ms
	return nil
}

// ready reports whether both halves have been seen.
func (k *handshakeKeys) ready() bool { return k.helloSeen && k.master != nil }

// ExportKeyingMaterial is RFC 5705's exporter for the bot as DTLS server,
// as pion's dtls.State computes it.
func (k *handshakeKeys) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("rtpdirect: exporter context not supported")
	}
	seed := bytes.Join([][]byte{[]byte(label), k.clientRandom, k.serverRandom[:]}, nil)
	return prf.PHash(k.master, seed, length, k.hash)
}

// remoteContext is the SRTP context that decrypts what the DTLS client
// (the relay) sends.
func (k *handshakeKeys) remoteContext() (*srtp.Context, error) {
	cfg := srtp.Config{Profile: k.profile}
	if err := cfg.ExtractSessionKeysFromDTLS(k, false); err != nil {
		return nil, fmt.Errorf("derive SRTP keys: %w", err)
	}
	// Cryptex (RFC 9335, header extensions encrypted too) is accepted as
	// well as plain packets: pion offers it, and the SDP that says whether
	// the remote side uses it is not the direct path's to read.
	c, err := srtp.CreateContext(cfg.Keys.RemoteMasterKey, cfg.Keys.RemoteMasterSalt, k.profile,
		srtp.SRTPReplayProtection(replayWindow), srtp.Cryptex(srtp.CryptexModeEnabled))
	if err != nil {
		return nil, fmt.Errorf("SRTP context: %w", err)
	}
	return c, nil
}
