package mixer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/thesyncim/gopus/container/ogg"

	"github.com/samvad/samvad/oggopus"
)

// Check reports whether the mix file name (relative to root) is complete
// for a recording of length: it has its end-of-stream page and plays for
// length, to 2.5 ms. A live mix cut short by a crash is not, nor is one of
// another length or a missing file (which is not an error); `samvad report`
// then removes it and rebuilds it with MixFiles. Only reading errors are
// errors.
//
// A complete live mix may still lack audio that reached the bot later than
// Options.Latency (Stats.LateSamples); the bot should record that if it
// wants the report to rebuild the mix anyway.
func Check(root *os.Root, name string, length time.Duration) (bool, error) {
	f, err := root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mixer: check %s: %w", name, err)
	}
	defer f.Close()
	r, err := ogg.NewReader(io.LimitReader(f, 64<<10))
	if err != nil {
		return false, nil // no OpusHead: not a mix at all
	}
	preSkip := int64(r.PreSkip())
	info, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("mixer: check %s: %w", name, err)
	}
	// The end-of-stream page is the file's last; pages are small, so the
	// last few kilobytes hold it.
	tail := make([]byte, min(info.Size(), 16<<10))
	if _, err := f.ReadAt(tail, info.Size()-int64(len(tail))); err != nil {
		return false, fmt.Errorf("mixer: check %s: %w", name, err)
	}
	at := bytes.LastIndex(tail, []byte("OggS"))
	if at < 0 {
		return false, nil
	}
	page, n, err := ogg.ParsePage(tail[at:])
	if err != nil || at+n != len(tail) || !page.IsEOS() {
		return false, nil // cut short: the last page is torn or not the end
	}
	played := int64(page.GranulePos) - preSkip
	return abs64(played-oggopus.SamplesRounded(length)) <= 120, nil
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
