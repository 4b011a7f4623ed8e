//go:build unix

package recording

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSegmentsAreRegularFiles: something other than a file in a room's
// segments folder (a FIFO would block the report that opens it) is not a
// segment, and its number is not taken again.
func TestSegmentsAreRegularFiles(t *testing.T) {
	f, err := Open(t.TempDir(), testMeeting(), time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := filepath.Join(f.Path, SegmentsDir, "ranchi")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "0001.ogg"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "0002.ogg"), 0o640); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if got := f.Segments("ranchi"); len(got) != 1 || got[0] != "segments/ranchi/0001.ogg" {
		t.Errorf("Segments = %v, want the regular file alone", got)
	}
	if next, err := f.NextSegment("ranchi"); err != nil || next != "segments/ranchi/0003.ogg" {
		t.Errorf("NextSegment = %q, %v; want 0003 (0002 is taken, if not by a file)", next, err)
	}
}
