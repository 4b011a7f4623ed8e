// Package archive serves the recording folders under the meeting file's
// recording.dir to the people who read them afterwards: the staff, and the
// secretaries with their read-only secretary_token (never a room's token,
// nor the recorder's).
//
//   - GET /api/recordings (Authorization: Bearer TOKEN) lists the folders,
//     newest first, and hands the browser a short-lived pass (PassCookie);
//   - GET /recordings/<id>/<path> serves a file of folder <id>, with range
//     requests (players seek), its content type, and Content-Disposition
//     (attachment with ?download=1);
//   - GET /recordings/<id>.zip streams the whole folder as a zip.
//
// Files take the Bearer header (scripts) or the pass (browsers: an audio
// player or a link cannot send a header). The pass is an HMAC of the role
// and an expiry under a key made at start, so no long-lived token is ever
// in a URL, a cookie or a log. The page that uses all this is package
// web's /recordings.
package archive

import (
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/samvad/samvad/meeting"
)

// DefaultPassTTL is how long a pass lasts; the page renews it while it is
// open, so a player keeps seeking through a long meeting.
const DefaultPassTTL = time.Hour

// Server serves one meeting file's recordings.
type Server struct {
	file    *meeting.File
	dir     string
	key     [32]byte
	passTTL time.Duration
	log     *slog.Logger
	now     func() time.Time
	fails   *failures
}

// Option tunes a Server.
type Option func(*Server)

// WithLogger logs through l.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithPassTTL sets how long a pass lasts (tests).
func WithPassTTL(d time.Duration) Option { return func(s *Server) { s.passTTL = d } }

// WithDir serves the recordings under dir instead of the file's
// recording.dir (a demo's --out).
func WithDir(dir string) Option { return func(s *Server) { s.dir = dir } }

// New serves the recordings of meeting file f.
func New(f *meeting.File, opts ...Option) *Server {
	lim := f.Server.Limits.WithDefaults()
	s := &Server{
		file: f, dir: f.Recording.Dir, passTTL: DefaultPassTTL, now: time.Now,
		log:   slog.New(slog.DiscardHandler),
		fails: &failures{limit: lim.FailedJoinsPerIP, window: time.Minute, lock: lim.Lockout.D(), by: map[string]*failure{}},
	}
	rand.Read(s.key[:])
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "recordings")
	return s
}

// Register mounts the API and the files on mux, beside package web's
// /recordings page.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/recordings", s.serveList)
	mux.HandleFunc("GET /recordings/{id}/{path...}", s.serveFile)
	mux.HandleFunc("GET /recordings/{name}", s.serveZip)
}

// authorize returns the role of the request's token or pass, or answers
// it with 401 (429 for an address that guessed too often) and returns "".
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, api bool) string {
	now := s.now()
	if tok := bearer(r); tok != "" {
		locked := s.fails.locked(r, now)
		if locked {
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				return ""
			}
		}
		if role := tokenRole(s.file, tok); role != "" {
			return role
		}
		s.fails.add(r, now)
		s.log.Info("recordings: wrong token", "addr", s.fails.key(r), "path", r.URL.Path)
		if locked {
			s.refuse(w, http.StatusTooManyRequests, api, "too_many", "Too many wrong codes from this address: wait a few minutes.",
				"इस पते से बहुत सारे गलत कोड: कुछ मिनट रुकें।")
			return ""
		}
		s.refuse(w, http.StatusUnauthorized, api, "bad_token", "This code does not open the recordings: use the staff or secretary code.",
			"यह कोड रिकॉर्डिंग नहीं खोलता: स्टाफ़ या सचिव का कोड लें।")
		return ""
	}
	if c, err := r.Cookie(PassCookie); err == nil {
		if role := s.checkPass(c.Value, now); role != "" {
			return role
		}
	}
	s.refuse(w, http.StatusUnauthorized, api, "no_pass", "Open the recordings page (/recordings) with your code first; its links last an hour.",
		"पहले अपने कोड से रिकॉर्डिंग पेज (/recordings) खोलें; उसके लिंक एक घंटे चलते हैं।")
	return ""
}

// refuse answers a refused request, in JSON for the API and in words for
// a browser that followed a link.
func (s *Server) refuse(w http.ResponseWriter, status int, api bool, code, en, hi string) {
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="samvad recordings"`)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if api {
		writeJSON(w, status, map[string]string{"error": code, "message": en, "message_hi": hi})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(en + "\n" + hi + "\n"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// securityHeaders are on every answer: nothing served here may be framed,
// sniffed into another type, or leak its URL in a Referer.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
}
