package stitch

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/audiotest"
	"github.com/samvad/samvad/internal/capturetest"
	"github.com/samvad/samvad/internal/disktest"
)

// TestOpusinfoFindsNothingToWarnAbout runs libopus' own opusinfo (Debian's
// opus-tools) on a segment and a stitched file: they must pass without a
// warning, as any player's parser would want.
func TestOpusinfoFindsNothingToWarnAbout(t *testing.T) {
	opusinfo, err := exec.LookPath("opusinfo")
	if err != nil {
		t.Skip("opusinfo not installed (apt-get install opus-tools): skipping the libopus check")
	}
	root, dir := disktest.TempRoot(t)
	rec := time.Date(2023, 11, 21, 14, 0, 0, 0, time.UTC)
	// Encoded with DTX, as a browser sends.
	pkts, err := audiotest.Encode(audiotest.Render(2*time.Second, []audiotest.Burst{burst(300, 200, 600)}), audiotest.EncodeConfig{DTX: true})
	if err != nil {
		t.Fatal(err)
	}
	capturetest.WriteSegment(t, root, "segments/ranchi/0001.ogg", rec.Add(time.Second), pkts, false)
	if _, err := Room(root, "rooms/ranchi.ogg", []SegmentRef{{Path: "segments/ranchi/0001.ogg", Start: rec.Add(time.Second)}},
		rec, rec.Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"segments/ranchi/0001.ogg", "rooms/ranchi.ogg"} {
		out, err := exec.Command(opusinfo, filepath.Join(dir, name)).CombinedOutput()
		if err != nil {
			t.Errorf("opusinfo %s: %v\n%s", name, err, out)
		}
		if s := string(out); strings.Contains(s, "WARNING") || strings.Contains(s, "ERROR") {
			t.Errorf("opusinfo %s complains:\n%s", name, s)
		}
	}
}
