package recording

import (
	"io/fs"
	"path"
	"strings"
)

// ContentType is the media type of a recording folder's file, as the
// recordings page serves it and the hand-off stores it: fixed here rather
// than taken from the machine's MIME table, which differs between systems.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".ogg":
		return "audio/ogg"
	case ".html":
		return "text/html; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".json":
		return "application/json"
	case ".jsonl":
		return "application/jsonl"
	case ".zip":
		return "application/zip"
	}
	return "application/octet-stream"
}

// Delivered reports whether a name in a recording folder is part of what
// is handed over, zipped and served: not a hidden file, nor the temporary
// file of a write in progress (WriteFileAtomic's, a mix being rebuilt).
func Delivered(name string) bool {
	return !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".tmp")
}

// WalkDelivered calls fn, in lexical order, with the slash-separated path
// of every delivered regular file under fsys (a recording folder):
// directories that are not delivered are skipped whole, and anything but a
// regular file is left out (a FIFO would block its reader, a symlink could
// point out of the folder).
func WalkDelivered(fsys fs.FS, fn func(path string) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == ".":
			return nil
		case !Delivered(d.Name()):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		return fn(p)
	})
}
