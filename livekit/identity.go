package livekit

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/samvad/samvad/meeting"
)

// ownPrefix starts the identities of samvad's own participants (recorder,
// roll call): never a room, never a guest.
const ownPrefix = "samvad:"

// guestPrefix starts the room id of a participant the meeting file does
// not know.
const guestPrefix = "guest-"

// maxIdentity bounds the identity samvad looks at: LiveKit allows long
// ones, and they end up in logs.
const maxIdentity = 256

// roomOf is the samvad room id of a LiveKit identity: the identity itself
// when it is a room of the meeting, otherwise "guest-" and the identity
// made safe as a file name, with a short hash when that changed it (so
// that "Ram Kumar" and "ram-kumar" stay two guests). ok is false for
// samvad's own participants, which are no room.
func roomOf(f *meeting.File, identity string) (id string, guest, ok bool) {
	if strings.HasPrefix(identity, ownPrefix) || identity == "" {
		return "", false, false
	}
	if _, known := f.Room(identity); known {
		return identity, false, true
	}
	return guestID(identity), true, true
}

func guestID(identity string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(identity) {
		if b.Len() >= 30 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	safe := strings.TrimSuffix(b.String(), "-")
	if safe != identity || safe == "" {
		sum := sha256.Sum256([]byte(identity))
		if safe != "" {
			safe += "-"
		}
		safe += hex.EncodeToString(sum[:4])
	}
	return guestPrefix + safe
}

// guestName is how a guest is shown: its LiveKit name or identity, cut
// short and without control characters.
func guestName(name, identity string) string {
	if name == "" {
		name = identity
	}
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 80 {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
