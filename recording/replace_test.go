package recording

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/disktest"
)

// errSharingViolation is what Windows says when a rename meets a file that
// another program holds open.
var errSharingViolation = errors.New("The process cannot access the file because it is being used by another process.")

// windowsRoot is a real folder with Windows' rule for renames: a name that
// another program holds open can be neither replaced nor renamed away.
type windowsRoot struct {
	root    *os.Root
	mu      sync.Mutex
	held    map[string]bool
	renames int
}

func newWindowsRoot(t *testing.T) *windowsRoot {
	root, _ := disktest.TempRoot(t)
	return &windowsRoot{root: root, held: map[string]bool{}}
}

func (w *windowsRoot) rename(oldname, newname string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.renames++
	if w.held[oldname] || w.held[newname] {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: errSharingViolation}
	}
	return w.root.Rename(oldname, newname)
}

func (w *windowsRoot) hold(name string, held bool) {
	w.mu.Lock()
	w.held[name] = held
	w.mu.Unlock()
}

// replacer is the production rule on this fake: errSharingViolation is in
// use, as renameInUse says of Windows' errors.
func (w *windowsRoot) replacer(sleep func(time.Duration)) replacer {
	return replacer{
		rename: w.rename,
		inUse:  func(err error) bool { return errors.Is(err, errSharingViolation) },
		sleep:  sleep,
		wait:   replaceWait,
	}
}

func (w *windowsRoot) read(t *testing.T, name string) string {
	t.Helper()
	b, err := w.root.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWriteAtomicWaitsForAReader: a virus scanner reading the old
// attendance.csv for a moment delays the rewrite, and the new file then
// takes its place.
func TestWriteAtomicWaitsForAReader(t *testing.T) {
	w := newWindowsRoot(t)
	if err := w.root.WriteFile("attendance.csv", []byte("old\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	w.hold("attendance.csv", true)
	var slept []time.Duration
	sleep := func(d time.Duration) {
		slept = append(slept, d)
		if len(slept) == 4 {
			w.hold("attendance.csv", false)
		}
	}
	if err := writeFileAtomic(w.root, "attendance.csv", []byte("new\n"), w.replacer(sleep)); err != nil {
		t.Fatalf("the reader let go, but: %v", err)
	}
	if got := w.read(t, "attendance.csv"); got != "new\n" {
		t.Errorf("attendance.csv = %q, want the new one", got)
	}
	if _, err := w.root.Stat("attendance.csv.tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file is left: %v", err)
	}
	if len(slept) != 4 || w.renames != 5 || slept[0] >= slept[3] {
		t.Errorf("slept %v over %d renames: want 4 growing pauses, then the rename that worked", slept, w.renames)
	}
}

// TestWriteAtomicKeepsBothWhenInUse: Excel keeps attendance.csv open for
// as long as the secretary looks at it. The rewrite gives up after a few
// seconds with ErrFileInUse, naming the file, and loses nothing: the old
// file is untouched and the new content waits in attendance.csv.tmp.
func TestWriteAtomicKeepsBothWhenInUse(t *testing.T) {
	w := newWindowsRoot(t)
	if err := w.root.WriteFile("attendance.csv", []byte("old\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	w.hold("attendance.csv", true)
	var waited time.Duration
	err := writeFileAtomic(w.root, "attendance.csv", []byte("new\n"), w.replacer(func(d time.Duration) { waited += d }))
	if !errors.Is(err, ErrFileInUse) || !errors.Is(err, errSharingViolation) {
		t.Fatalf("err = %v, want ErrFileInUse wrapping the system's error", err)
	}
	for _, s := range []string{"attendance.csv", "attendance.csv.tmp", "open in another program"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if waited < replaceWait || waited > replaceWait+time.Second {
		t.Errorf("gave up after %v of pauses, want about %v", waited, replaceWait)
	}
	if got := w.read(t, "attendance.csv"); got != "old\n" {
		t.Errorf("attendance.csv = %q, want the old one untouched", got)
	}
	if got := w.read(t, "attendance.csv.tmp"); got != "new\n" {
		t.Errorf("attendance.csv.tmp = %q, want the new content kept", got)
	}

	// Excel closed: the next run writes it.
	w.hold("attendance.csv", false)
	if err := writeFileAtomic(w.root, "attendance.csv", []byte("newer\n"), w.replacer(func(time.Duration) { t.Error("slept with nothing in use") })); err != nil {
		t.Fatal(err)
	}
	if got := w.read(t, "attendance.csv"); got != "newer\n" {
		t.Errorf("attendance.csv = %q after Excel closed", got)
	}
}

// TestReplaceOtherErrorsAtOnce: only "in use" is worth waiting for.
func TestReplaceOtherErrorsAtOnce(t *testing.T) {
	w := newWindowsRoot(t)
	err := w.replacer(func(time.Duration) { t.Error("slept on an error that waiting cannot mend") }).replace("gone.tmp", "gone")
	if err == nil || errors.Is(err, ErrFileInUse) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want the missing file's error as it is", err)
	}
}

// TestReplaceOverOpenFile is this system's own rule, on a real file: outside
// Windows a file open elsewhere is replaced at once, and its reader keeps
// the old content.
func TestReplaceOverOpenFile(t *testing.T) {
	root, dir := disktest.TempRoot(t)
	if err := root.WriteFile("mix.ogg", []byte("old"), FileMode); err != nil {
		t.Fatal(err)
	}
	reader, err := os.Open(filepath.Join(dir, "mix.ogg")) // no FILE_SHARE_DELETE on Windows
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if err := root.WriteFile("mix.ogg.tmp", []byte("new"), FileMode); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = Replace(root, "mix.ogg.tmp", "mix.ogg")
	if runtime.GOOS == "windows" {
		if !errors.Is(err, ErrFileInUse) {
			t.Fatalf("Windows replaced a file open without FILE_SHARE_DELETE: %v", err)
		}
		t.Logf("gave up after %v: %v", time.Since(start), err)
		reader.Close()
		if err := Replace(root, "mix.ogg.tmp", "mix.ogg"); err != nil {
			t.Fatalf("after the reader closed: %v", err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	if b, _ := root.ReadFile("mix.ogg"); string(b) != "new" {
		t.Errorf("mix.ogg = %q after the replace", b)
	}
}
