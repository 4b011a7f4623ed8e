package disk

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestFreeMatchesDf compares Free with what df reports as available for
// the same folder. Other programs write meanwhile, so they may differ a
// little; a wrong block size or the root-only blocks would be far off.
func TestFreeMatchesDf(t *testing.T) {
	df, err := exec.LookPath("df")
	if err != nil {
		t.Skip("no df to compare with")
	}
	dir := t.TempDir()
	got, err := Free(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(df, "-P", "-k", dir).Output()
	if err != nil {
		t.Fatalf("df: %v", err)
	}
	// POSIX df -P -k: a header, then "fs 1024-blocks used available capacity mount".
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	fields := strings.Fields(lines[len(lines)-1])
	if len(lines) < 2 || len(fields) < 6 {
		t.Fatalf("df said %q", out)
	}
	kib, err := strconv.ParseInt(fields[3], 10, 64)
	if err != nil {
		t.Fatalf("df's available %q: %v", fields[3], err)
	}
	want := kib << 10
	if d := got - want; d < -64<<20 || d > 64<<20 {
		t.Fatalf("Free(%s) = %d bytes, df says %d available", dir, got, want)
	}
	if got <= 0 {
		t.Fatalf("Free(%s) = %d on a file system a test just wrote to", dir, got)
	}
}

func TestFreeMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	_, err := Free(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Free of a missing folder: %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Fatalf("error %q does not name the folder", err)
	}
}

// TestVolumeQuery is the Windows rule, checked on every system: a UNC path
// needs a trailing backslash, and one is added to any path without it.
func TestVolumeQuery(t *testing.T) {
	for in, want := range map[string]string{
		`\\fileserver\recordings\2023-11-21-jmm`: `\\fileserver\recordings\2023-11-21-jmm\`,
		`\\fileserver\recordings\`:               `\\fileserver\recordings\`,
		`C:\samvad\recordings\2023-11-21-jmm`:    `C:\samvad\recordings\2023-11-21-jmm\`,
		`recordings\2023-11-21-jmm`:              `recordings\2023-11-21-jmm\`,
		`recordings/2023-11-21-jmm/`:             `recordings/2023-11-21-jmm/`,
		`D:`:                                     `D:\`,
	} {
		if got := volumeQuery(in); got != want {
			t.Errorf("volumeQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
