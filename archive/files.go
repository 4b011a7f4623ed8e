package archive

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/samvad/samvad/recording"
)

// htmlCSP is for the folder's own pages (minutes.html): their styles,
// script and Devanagari font are inline, their audio is in the folder; they
// may fetch nothing and send nothing anywhere.
const htmlCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; font-src data:; " +
	"media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// cleanPath checks a file path inside a folder: slash-separated, no empty,
// dot or hidden parts (so no ..), and not the temporary file of a write in
// progress.
func cleanPath(p string) (string, bool) {
	if p == "" || len(p) > 512 || strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || !recording.Delivered(part) {
			return "", false
		}
	}
	return p, true
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	id, p := r.PathValue("id"), r.PathValue("path")
	if s.authorize(w, r, false) == "" {
		return
	}
	p, ok := cleanPath(p)
	if !ok || !folderName.MatchString(id) {
		s.notFound(w)
		return
	}
	root, err := s.openFolder(id)
	if err != nil {
		s.notFound(w)
		return
	}
	defer root.Close()
	// Only regular files: a FIFO would block the server, and a symlink
	// (which the root would follow only inside it anyway) is not something
	// the recorder makes.
	if st, err := root.Lstat(p); err != nil || !st.Mode().IsRegular() {
		s.notFound(w)
		return
	}
	f, err := root.Open(p)
	if err != nil {
		s.notFound(w)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		s.notFound(w)
		return
	}
	securityHeaders(w)
	h := w.Header()
	ctype := recording.ContentType(p)
	h.Set("Content-Type", ctype)
	if strings.HasPrefix(ctype, "text/html") {
		h.Set("Content-Security-Policy", htmlCSP)
	}
	disposition := "inline"
	if r.URL.Query().Has("download") || path.Ext(p) == ".csv" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": id + "-" + strings.ReplaceAll(p, "/", "-")}))
	// The browser may keep it, but asks again each time (a rebuilt report
	// replaces files): ServeContent answers with 304 when nothing changed.
	h.Set("Cache-Control", "private, no-cache")
	// Serve only the bytes the file had when it was opened: events.jsonl
	// may grow meanwhile, and its length must match what was announced.
	http.ServeContent(w, r, "", st.ModTime(), io.NewSectionReader(f, 0, st.Size()))
}

// openFolder opens recording id's folder through the recordings
// directory's root: the folder cannot lead out of the directory, nor
// anything under it out of the folder.
func (s *Server) openFolder(id string) (*os.Root, error) {
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close() // the folder's root stands on its own
	return root.OpenRoot(id)
}

func (s *Server) notFound(w http.ResponseWriter) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("No such recording or file.\nऐसी कोई रिकॉर्डिंग या फ़ाइल नहीं है।\n"))
}

// serveZip streams folder <id> as <id>.zip: the audio stored as it is
// (Opus does not compress further), the rest deflated, every file under
// <id>/ in the zip. A recording still going on has no zip yet.
func (s *Server) serveZip(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	id, isZip := strings.CutSuffix(name, ".zip")
	if !isZip || !folderName.MatchString(id) {
		s.notFound(w)
		return
	}
	if s.authorize(w, r, false) == "" {
		return
	}
	man, err := recording.ReadManifest(filepath.Join(s.dir, id))
	if err != nil {
		s.notFound(w)
		return
	}
	if man.EndedAt().IsZero() {
		securityHeaders(w)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusConflict)
		w.Write([]byte("This meeting is still being recorded: its zip comes when it ends.\nयह बैठक अभी रिकॉर्ड हो रही है: ज़िप उसके ख़त्म होने पर मिलेगा।\n"))
		return
	}
	sub, err := s.openFolder(id)
	if err != nil {
		s.notFound(w)
		return
	}
	defer sub.Close()
	securityHeaders(w)
	w.Header().Set("Content-Type", recording.ContentType(name))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	zw := zip.NewWriter(w)
	err = recording.WalkDelivered(sub.FS(), func(p string) error { return addToZip(zw, sub, id, p) })
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		// The status is long sent: break the connection, so the browser
		// reports a failed download rather than keep a zip cut short.
		s.log.Warn("recordings: zip cut short", "id", id, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func addToZip(zw *zip.Writer, root *os.Root, id, p string) error {
	f, err := root.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	hdr.Name = id + "/" + p
	hdr.Method = zip.Deflate
	if path.Ext(p) == ".ogg" {
		hdr.Method = zip.Store
	}
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	n, err := io.Copy(w, io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if n != st.Size() {
		return fmt.Errorf("%s: %w", p, errors.New("file shrank while zipped"))
	}
	return nil
}
