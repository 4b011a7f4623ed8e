// Package newfile writes a file that must not exist yet, whole or not at
// all: the room files and the mix the report makes.
package newfile

import (
	"errors"
	"io"
	"os"
	"path"
)

// Write creates name (slash-separated) in root, with its parent folders,
// never overwriting: an existing file is an error wrapping fs.ErrExist.
// write fills it; the file is then synced and closed. If anything fails,
// what was written is removed.
func Write(root *os.Root, name string, write func(w io.Writer) error) error {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, root.Remove(name))
	}
	return nil
}
