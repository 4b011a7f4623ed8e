package minutes_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/recording"
)

// TestManifestListsTheMix: meeting.json gives mix.ogg's checksum, like
// every room's, so whoever receives the folder can check it.
func TestManifestListsTheMix(t *testing.T) {
	dir := recordingtest.Finished(t, t.TempDir())
	man, err := recording.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.Mix == nil {
		t.Fatal("meeting.json has no mix")
	}
	data, err := os.ReadFile(filepath.Join(dir, "mix.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if man.Mix.Path != "mix.ogg" || man.Mix.SHA256 != hex.EncodeToString(sum[:]) || man.Mix.Bytes != int64(len(data)) ||
		man.Mix.DurationS != recordingtest.Length.Seconds() {
		t.Errorf("meeting.json's mix %+v; the file has %d bytes, SHA-256 %x", *man.Mix, len(data), sum)
	}
}
