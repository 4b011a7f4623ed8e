package mixer

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpusinfoAcceptsTheMix runs libopus' own opusinfo (Debian's
// opus-tools) on a live and a rebuilt mix: no warning, and the playback
// length it reports is the recording's.
func TestOpusinfoAcceptsTheMix(t *testing.T) {
	opusinfo, err := exec.LookPath("opusinfo")
	if err != nil {
		t.Skip("opusinfo not installed (apt-get install opus-tools): skipping the libopus check")
	}
	sc, rooms, dir := stitchMeeting(t)
	if _, err := MixFiles(reopen(t, dir), "mix.ogg", rooms, sc.end, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"live.ogg", "mix.ogg"} {
		out, err := exec.Command(opusinfo, filepath.Join(dir, name)).CombinedOutput()
		s := string(out)
		if err != nil || strings.Contains(s, "WARNING") || strings.Contains(s, "ERROR") {
			t.Errorf("opusinfo %s: %v\n%s", name, err, s)
		}
		if !strings.Contains(s, "Playback length: 0m:05.5") {
			t.Errorf("opusinfo %s: want a playback length of 5.5 s\n%s", name, s)
		}
	}
}
