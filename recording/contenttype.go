package recording

import (
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
