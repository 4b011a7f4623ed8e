package stitch

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/samvad/samvad/internal/newfile"
	"github.com/samvad/samvad/oggopus"
)

// ErrInvalidRange is returned by Room when the recording ends before it
// starts.
var ErrInvalidRange = errors.New("stitch: recording ends before it starts")

// MinPreSkip is the smallest pre-skip Room writes: libopus' encoder
// lookahead, the customary minimum (RFC 7845 section 4.2).
const MinPreSkip = 312

// SegmentRef names a segment to stitch and when it started.
type SegmentRef struct {
	Path  string    // slash-separated, relative to the root given to Room
	Start time.Time // instant of the segment's first played sample (capture.Segment.Start)
}

// SegmentInfo is what Room found in one segment, for the manifest.
type SegmentInfo struct {
	Path     string        `json:"path"`
	Start    time.Time     `json:"start"`
	Bytes    int64         `json:"bytes"`
	SHA256   string        `json:"sha256"`   // hex, of the file as read
	Samples  int64         `json:"samples"`  // played samples readable from the file
	Duration time.Duration `json:"duration"` // the same as a duration
	Closed   bool          `json:"closed"`   // the file ends with an end-of-stream page

	PacketsUsed int `json:"packets_used"`
	// PacketsCut fell outside the recording or under a later segment.
	PacketsCut     int   `json:"packets_cut"`
	CorruptPages   int   `json:"corrupt_pages"`
	MissingPages   int   `json:"missing_pages"`
	SkippedBytes   int64 `json:"skipped_bytes"`
	TruncatedBytes int64 `json:"truncated_bytes"`
	InvalidPackets int   `json:"invalid_packets"`
	BadGranules    int   `json:"bad_granules"` // see oggopus.Stream.BadGranules

	// Err is why nothing of the segment could be used (unreadable file, no
	// OpusHead); the rest of the stitch goes on without it.
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// Result describes a stitched file.
type Result struct {
	Path     string        `json:"path"`
	PreSkip  int           `json:"pre_skip"`
	Samples  int64         `json:"samples"` // played samples
	Duration time.Duration `json:"duration"`
	Segments []SegmentInfo `json:"segments"` // in the order given
}

// Room writes out (relative to root, never overwriting: an existing file
// is an error wrapping fs.ErrExist) one Ogg Opus file for a room from its
// segments, on the recording's timeline: its first played sample is the
// instant start, it plays for end-start (to within 1.25 ms), and each
// segment's packets sit at their wall-clock place, copied without
// re-encoding, with silence wherever no segment covers. Where segments
// overlap, the one that started later wins and the earlier is cut at its
// start. Segments may be given in any order and may be damaged: each is
// read as far as it can be (see oggopus.Scan) and what was skipped is reported
// per segment. An error is returned only when the output cannot be written
// or the range is invalid; the partial output is then removed.
//
// The pre-skip is chosen per file in [MinPreSkip, MinPreSkip+120) so that the
// first segment lands sample-exact; later segments land within half a 2.5 ms
// frame of their exact place, the finest step silence frames allow.
func Room(root *os.Root, out string, segs []SegmentRef, start, end time.Time) (*Result, error) {
	if end.Before(start) {
		return nil, fmt.Errorf("stitch %s: %w", out, ErrInvalidRange)
	}
	scans := make([]*oggopus.Stream, len(segs))
	infos := make([]SegmentInfo, len(segs))
	for i, ref := range segs {
		infos[i] = SegmentInfo{Path: ref.Path, Start: ref.Start}
		data, err := root.ReadFile(ref.Path)
		if err == nil {
			sum := sha256.Sum256(data)
			infos[i].Bytes, infos[i].SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
			scans[i], err = oggopus.Scan(data)
		}
		if err != nil {
			infos[i].Err, infos[i].Error = err, err.Error()
			continue
		}
		describe(&infos[i], scans[i])
	}

	var res *Result
	err := newfile.Write(root, out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		var err error
		if res, err = layOut(bw, segs, scans, infos, oggopus.SamplesRounded(end.Sub(start)), start); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return nil, fmt.Errorf("stitch %s: %w", out, err)
	}
	res.Path = out
	return res, nil
}

func describe(info *SegmentInfo, sc *oggopus.Stream) {
	info.Samples = sc.Samples()
	info.Duration = oggopus.Duration(info.Samples)
	info.Closed = sc.EOS
	info.CorruptPages, info.MissingPages = sc.CorruptPages, sc.MissingPages
	info.SkippedBytes, info.TruncatedBytes = sc.SkippedBytes, sc.TruncatedBytes
	info.InvalidPackets, info.BadGranules = sc.InvalidPackets, sc.BadGranules
}

// placed is a packet on the recording's timeline: pos is its first played
// sample relative to the recording's start.
type placed struct {
	pos  int64
	data []byte
	n    int
	seg  int
}

// layOut lays the readable segments out and writes the result to w.
func layOut(w io.Writer, segs []SegmentRef, scans []*oggopus.Stream, infos []SegmentInfo, total int64, start time.Time) (*Result, error) {
	var order []int
	for i, sc := range scans {
		if sc != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return segs[a].Start.Compare(segs[b].Start) })

	var all []placed
	for k, i := range order {
		offset := oggopus.SamplesRounded(segs[i].Start.Sub(start))
		cut := total
		if k+1 < len(order) {
			cut = min(cut, oggopus.SamplesRounded(segs[order[k+1]].Start.Sub(start)))
		}
		sc := scans[i]
		for _, p := range sc.Packets {
			if p.Pos+int64(p.Samples) <= int64(sc.PreSkip) {
				continue // wholly inside the segment's own pre-skip (warm-up)
			}
			pos := offset + p.Pos - int64(sc.PreSkip)
			if pos < -MinPreSkip || pos+int64(p.Samples) > cut {
				infos[i].PacketsCut++
				continue
			}
			all = append(all, placed{pos: pos, data: p.Data, n: p.Samples, seg: i})
		}
	}
	slices.SortStableFunc(all, func(a, b placed) int { return cmp.Compare(a.pos, b.pos) })

	// Choose the pre-skip so the first packet starts on a whole number of
	// silence frames from the beginning of the file, or, with no packets at
	// all, so the file ends exactly at the end of the recording.
	align := total // preSkip+align is made a whole number of frames
	if len(all) > 0 {
		align = all[0].pos
	}
	preSkip := MinPreSkip + ((-(MinPreSkip+align))%oggopus.ShortestFrame+oggopus.ShortestFrame)%oggopus.ShortestFrame
	ow, err := oggopus.NewWriter(w, int(preSkip))
	if err != nil {
		return nil, err
	}
	sil := oggopus.NewSilence()
	var at int64 // decoded samples written, pre-skip included
	fill := func(n int64) error {
		for n > 0 {
			pkt, k := sil.Next(n)
			if err := ow.WritePacket(pkt, k); err != nil {
				return err
			}
			at += int64(k)
			n -= int64(k)
		}
		return nil
	}
	for _, p := range all {
		target := preSkip + p.pos
		if target+oggopus.ShortestFrame/2 < at {
			infos[p.seg].PacketsCut++ // overlaps what is already written
			continue
		}
		if err := fill(oggopus.Quantize(target - at)); err != nil {
			return nil, err
		}
		if err := ow.WritePacket(p.data, p.n); err != nil {
			return nil, err
		}
		at += int64(p.n)
		infos[p.seg].PacketsUsed++
	}
	if err := fill(oggopus.Quantize(preSkip + total - at)); err != nil {
		return nil, err
	}
	if err := ow.Close(); err != nil {
		return nil, err
	}
	return &Result{
		PreSkip:  int(preSkip),
		Samples:  at - preSkip,
		Duration: oggopus.Duration(at - preSkip),
		Segments: infos,
	}, nil
}
