package recording

import "path"

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
