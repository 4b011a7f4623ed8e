package capture

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/disktest"
)

// TestSegmentOnFullTmpfs fills a real file system: a 256 KiB tmpfs holding
// a segment and a filler file that takes every block left. For 6 s the
// kernel refuses the segment's writes (ENOSPC, the first one usually cut
// short at the end of the file's last block); then the filler is deleted,
// the segment catches up, and the file ends up with exactly the packets a
// healthy disk gets: every burst at its wall-clock place. Needs root (to
// mount); skipped otherwise.
func TestSegmentOnFullTmpfs(t *testing.T) {
	mnt := disktest.Tmpfs(t, "256k")
	root, err := os.OpenRoot(mnt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() }) // before the unmount

	src := burstSource(t, 16)
	want := reference(t, src)
	name := SegmentName("dumka", 1)
	seg, err := CreateSegment(root, name, Config{})
	if err != nil {
		t.Fatal(err)
	}
	const full, freed = 100, 400 // packets: the disk is full from 2 s to 8 s
	var sizeFull int64
	size := func() int64 {
		fi, err := root.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	end := feed(t, seg, src, time.Unix(1700000000, 0), func(i int) {
		switch {
		case i == full:
			disktest.Fill(t, filepath.Join(mnt, "filler"))
		case i == full+75: // 1.5 s: past the file's last block, and a retry
			if err := seg.WriteErr(); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("disk full for 1.5 s: WriteErr %v, want ENOSPC", err)
			}
			sizeFull = size()
			data, err := root.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("full disk: the file stopped at %d bytes, %d of them a page cut short", sizeFull, wholePages(t, data))
		case i == freed:
			st := seg.Stats()
			if s := size(); s != sizeFull || st.HeldBytes < 10000 || st.WriteErrors < 8 {
				t.Fatalf("after 6 s on a full disk: file grew from %d to %d bytes; stats %+v", sizeFull, s, st)
			}
			t.Logf("6 s later: %d bytes held, %d failed writes", st.HeldBytes, st.WriteErrors)
			if err := root.Remove("filler"); err != nil {
				t.Fatal(err)
			}
		case i == freed+30:
			if err := seg.WriteErr(); err != nil || seg.Stats().WriteRecoveries != 1 || seg.Stats().HeldBytes > 4096 {
				t.Fatalf("600 ms after space returned: WriteErr %v, stats %+v", err, seg.Stats())
			}
		}
	})
	if err := seg.Close(end); err != nil {
		t.Fatal(err)
	}
	if st := seg.Stats(); st.HeldBytes != 0 || st.DroppedBytes != 0 || st.WriteRecoveries != 1 {
		t.Errorf("stats after Close: %+v", st)
	}
	data, err := root.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	samePackets(t, cleanScan(t, data), want)
	verify(t, data, src, straight(src, 0, 0))
}
