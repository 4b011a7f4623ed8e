package meeting

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Token is a room's, the recorder's or the staff's secret as the meeting file
// gives it: {sha256: HEX}, {env: NAME} or, in demo files only, {plain: TEXT}.
// Whatever the form, only the SHA-256 digest is kept for comparison, so every
// check compares 32 bytes in constant time.
type Token struct {
	// Form is "sha256", "env" or "plain"; empty when the token is missing.
	Form string
	// Env is the variable name for the env form.
	Env string

	digest [32]byte
	// secret is known for the env and plain forms, so that the simulator and
	// the bot of `samvad run` can join with it.
	secret string
	// envMissing is set when the env variable was unset at load.
	envMissing bool
}

// Hash returns the hex SHA-256 of a secret, as written in {sha256: ...}.
func Hash(secret string) string {
	d := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(d[:])
}

// Match reports, in constant time, whether secret is this token.
func (t Token) Match(secret string) bool {
	if t.Form == "" || t.envMissing {
		return false
	}
	d := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(d[:], t.digest[:]) == 1
}

// Secret returns the token's plaintext when the file gives it (plain or env).
func (t Token) Secret() (string, bool) {
	return t.secret, t.secret != ""
}

// IsSet reports whether the file gave a token at all.
func (t Token) IsSet() bool { return t.Form != "" }

// String never shows the secret: tokens must not reach logs.
func (t Token) String() string {
	if t.Form == "env" {
		return "{env: " + t.Env + "}"
	}
	if t.Form == "" {
		return "{}"
	}
	return "{" + t.Form + ": …}"
}

// MarshalYAML writes only the hash, so a snapshot never holds a secret.
func (t Token) MarshalYAML() (any, error) {
	return map[string]string{"sha256": hex.EncodeToString(t.digest[:])}, nil
}

// UnmarshalYAML reads one of the three forms and refuses anything else.
func (t *Token) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want {sha256: HEX}, {env: NAME} or {plain: TEXT}")
	}
	if len(n.Content) != 2 {
		return errors.New("want exactly one of sha256, env or plain")
	}
	key, val := n.Content[0], n.Content[1]
	if val.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s: want a string", key.Value)
	}
	v := strings.TrimSpace(val.Value)
	switch key.Value {
	case "sha256":
		b, err := hex.DecodeString(v)
		if err != nil || len(b) != sha256.Size {
			return errors.New("sha256: want 64 hexadecimal digits")
		}
		*t = Token{Form: "sha256"}
		copy(t.digest[:], b)
	case "env":
		if v == "" {
			return errors.New("env: want the name of an environment variable")
		}
		*t = Token{Form: "env", Env: v}
		secret, ok := os.LookupEnv(v)
		if !ok || secret == "" {
			t.envMissing = true
			return nil // reported by validate, which knows whether it matters
		}
		t.secret = secret
		t.digest = sha256.Sum256([]byte(secret))
	case "plain":
		if v == "" {
			return errors.New("plain: empty token")
		}
		*t = Token{Form: "plain", secret: v, digest: sha256.Sum256([]byte(v))}
	default:
		return fmt.Errorf("unknown token form %q: want sha256, env or plain", key.Value)
	}
	return nil
}

// RoomOfToken returns the room whose token secret is. It compares secret
// with every room's token, in constant time each and without stopping at
// a match, so that how long it takes tells nothing about which rooms
// exist or which one matched.
func (f *File) RoomOfToken(secret string) (*Room, bool) {
	d := sha256.Sum256([]byte(secret))
	found := -1
	for i := range f.Rooms {
		t := f.Rooms[i].Token
		usable := subtle.ConstantTimeEq(boolInt(t.Form != "" && !t.envMissing), 1)
		if subtle.ConstantTimeCompare(d[:], t.digest[:])&usable == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil, false
	}
	return &f.Rooms[found], true
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
