package newfile

import (
	"errors"
	"io"
	"io/fs"
	"testing"

	"github.com/samvad/samvad/internal/disktest"
)

func TestWrite(t *testing.T) {
	root, _ := disktest.TempRoot(t)
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := Write(root, "rooms/ranchi.ogg", write("first")); err != nil {
		t.Fatal(err)
	}
	if err := Write(root, "rooms/ranchi.ogg", write("second")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("overwrite: %v, want fs.ErrExist", err)
	}
	if b, _ := root.ReadFile("rooms/ranchi.ogg"); string(b) != "first" {
		t.Errorf("the file holds %q after a refused overwrite", b)
	}
	failed := errors.New("disk full")
	if err := Write(root, "mix.ogg", func(w io.Writer) error {
		w.Write([]byte("half"))
		return failed
	}); !errors.Is(err, failed) {
		t.Errorf("failed write: %v", err)
	}
	if _, err := root.Stat("mix.ogg"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed write left its file: %v", err)
	}
}
