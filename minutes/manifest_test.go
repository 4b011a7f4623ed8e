package minutes

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/recording"
)

// TestManifestListsMix: meeting.json lists mix.ogg as it is on disk (path,
// size, SHA-256), after a rebuild of a broken mix and after a second
// report; and lists none when the meeting turned the mix off.
func TestManifestListsMix(t *testing.T) {
	dir := fixture(t, true)
	for run := 1; run <= 2; run++ {
		build(t, dir)
		m, err := recording.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		if m.Mix == nil {
			t.Fatalf("report %d: meeting.json lists no mix", run)
		}
		data, err := os.ReadFile(filepath.Join(dir, MixFile))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if m.Mix.Path != MixFile || m.Mix.Bytes != int64(len(data)) || m.Mix.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("report %d: meeting.json lists the mix as %+v; on disk it is %s, %d bytes, SHA-256 %x", run, *m.Mix, MixFile, len(data), sum)
		}
		if m.Mix.DurationS != 3720 {
			t.Errorf("report %d: mix lasts %v s in meeting.json, want the recording's 3720", run, m.Mix.DurationS)
		}
	}

	dir = fixture(t, false)
	build(t, dir)
	if m, err := recording.ReadManifest(dir); err != nil {
		t.Fatal(err)
	} else if m.Mix != nil {
		t.Errorf("a meeting without a mix lists one: %+v", *m.Mix)
	}
}
