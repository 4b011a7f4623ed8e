package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/samvad/samvad/recording"
)

// File is one file of a recording folder as the hand-off delivers it.
type File struct {
	// Path is slash-separated, relative to the folder.
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Folder is a finished recording folder, read once: its manifest and every
// file with its checksum. Every part of the hand-off delivers this
// snapshot, so a line appended to events.jsonl meanwhile (the hand-off's
// own outcome) does not make the copy disagree with its checksum.
type Folder struct {
	// Dir is the folder on disk; ID its name, which names it everywhere
	// else (the webhook's summary, the bucket's keys).
	Dir, ID  string
	Manifest *recording.Manifest
	Files    []File
}

// ReadFolder checks that dir is a finished recording and hashes every file
// in it, comparing each audio file against the SHA-256 meeting.json gives
// it. It only reads.
func ReadFolder(dir string) (*Folder, error) {
	man, err := recording.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if man.EndedAt().IsZero() {
		return nil, fmt.Errorf("%s: %w: build its minutes first (samvad report)", dir, recording.ErrUnfinished)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open recording folder: %w", err)
	}
	defer root.Close()
	want := manifestSums(man)
	f := &Folder{Dir: dir, ID: filepath.Base(filepath.Clean(dir)), Manifest: man}
	err = recording.WalkDelivered(root.FS(), func(p string) error {
		file, err := hashFile(root, p)
		if err != nil {
			return err
		}
		if sum, ok := want[p]; ok && sum != file.SHA256 {
			return fmt.Errorf("%s: %w: meeting.json says %s…, the file is %s…; run samvad report to rebuild it",
				p, ErrChecksum, sum[:12], file.SHA256[:12])
		}
		f.Files = append(f.Files, file)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read recording folder %s: %w", f.ID, err)
	}
	for p := range want {
		if _, ok := f.find(p); !ok {
			return nil, fmt.Errorf("read recording folder %s: %s: %w: meeting.json lists it", f.ID, p, ErrMissing)
		}
	}
	sort.Slice(f.Files, func(i, j int) bool { return deliveryOrder(f.Files[i].Path, f.Files[j].Path) })
	return f, nil
}

// deliveryOrder sends the audio first and meeting.json last, so that a
// receiver watching a bucket can take meeting.json as "the folder is
// complete".
func deliveryOrder(a, b string) bool {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

func rank(p string) int {
	switch {
	case p == recording.ManifestFile:
		return 3
	case p == recording.EventsFile:
		return 2
	case path.Ext(p) == ".ogg":
		return 0
	}
	return 1
}

func (f *Folder) find(p string) (File, bool) {
	for _, file := range f.Files {
		if file.Path == p {
			return file, true
		}
	}
	return File{}, false
}

// Open opens a file of the snapshot, limited to the bytes it had when it
// was hashed.
func (f *Folder) Open(file File) (io.ReadSeekCloser, error) {
	root, err := os.OpenRoot(f.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	r, err := root.Open(file.Path)
	if err != nil {
		return nil, err
	}
	return sectionFile{SectionReader: io.NewSectionReader(r, 0, file.Bytes), f: r}, nil
}

type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }

func manifestSums(m *recording.Manifest) map[string]string {
	sums := map[string]string{}
	for _, r := range m.Rooms {
		sums[r.Path] = r.SHA256
	}
	for _, s := range m.Segments {
		sums[s.Path] = s.SHA256
	}
	if m.Mix != nil {
		sums[m.Mix.Path] = m.Mix.SHA256
	}
	delete(sums, "")
	return sums
}

func hashFile(root *os.Root, p string) (File, error) {
	r, err := root.Open(p)
	if err != nil {
		return File{}, err
	}
	defer r.Close()
	st, err := r.Stat()
	if err != nil {
		return File{}, err
	}
	if !st.Mode().IsRegular() {
		return File{}, fmt.Errorf("%s: not a regular file", p)
	}
	h := sha256.New()
	// Hash exactly the size seen: a file still growing is delivered as it
	// was then, and its checksum says so.
	n, err := io.Copy(h, io.NewSectionReader(r, 0, st.Size()))
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", p, err)
	}
	if n != st.Size() {
		return File{}, fmt.Errorf("%s: %w", p, io.ErrUnexpectedEOF)
	}
	return File{Path: p, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Sentinel errors of the hand-off.
var (
	// ErrChecksum: a file's SHA-256 differs from the one meeting.json (or
	// the hand-off's own reading) gives it.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrMissing: meeting.json lists a file the folder does not have.
	ErrMissing = errors.New("file missing")
)
