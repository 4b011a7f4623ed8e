// Package web serves samvad's browser pages, embedded in the binary:
//
//   - the join page a district room opens from its link,
//     /join/<room>#token=...: pick the microphone, see its level, mute,
//     see who else is connected, hear the meeting, see that it is recorded;
//   - the live roll call IT staff put on a projector, /rollcall#token=...:
//     every configured room's state, the counts, the recorder's health;
//   - the recordings page, /recordings#token=...: the recorded meetings
//     for the staff and the secretaries (its data and files are package
//     archive's).
//
// All are plain HTML, CSS and JavaScript with no build step, speaking the
// meeting protocol (signaling/PROTOCOL.md) over the same-origin websocket
// at /ws like any other client. Nothing is fetched from anywhere else, and
// the Content-Security-Policy says so: scripts and styles only from the
// embedded files, connections only to this origin (and, for a meeting on
// LiveKit, to LiveKit's, with livekit-client embedded from npm: see
// livekit-client/).
//
// Tokens live only in the URL fragment (or are typed in), which browsers
// never send to a server: no request this package answers, and so no log
// line, carries one.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/samvad/samvad/meeting"
)

//go:embed static
var staticFS embed.FS

// CSP is the Content-Security-Policy of every response. No inline script
// or style anywhere (the pages set styles through the CSSOM only); 'self'
// in connect-src covers the same-origin ws:/wss: websocket; form-action
// 'none' keeps a token form from ever submitting its token in a URL, even
// if the script failed to load.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// cspFor is CSP for meeting f: with its media on LiveKit, the pages also
// connect to LiveKit's origin (its websocket, and the HTTP endpoint
// livekit-client asks why a websocket failed).
func cspFor(f *meeting.File) string {
	if !f.IsLiveKit() {
		return CSP
	}
	raw := f.Media.LiveKit.PublicURL
	if raw == "" {
		raw = f.Media.LiveKit.URL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return CSP
	}
	web := "http"
	if u.Scheme == "wss" {
		web = "https"
	}
	return strings.Replace(CSP, "connect-src 'self'", "connect-src 'self' "+u.Scheme+"://"+u.Host+" "+web+"://"+u.Host, 1)
}

// Handler serves the pages and their assets for one meeting.
type Handler struct {
	file   *meeting.File
	csp    string
	pages  *template.Template
	assets map[string]asset
	mux    *http.ServeMux
}

// asset is one embedded file, with its ETag computed once so browsers can
// revalidate cheaply after a new binary ships.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// contentTypes are set explicitly rather than from the system's MIME
// table, which differs between machines.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// New builds the handler for meeting f. It panics if the embedded files
// are broken, which the package's tests rule out.
func New(f *meeting.File) *Handler {
	h := &Handler{
		file:   f,
		csp:    cspFor(f),
		pages:  template.Must(template.ParseFS(staticFS, "static/*.html")),
		assets: map[string]asset{},
	}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		ctype, ok := contentTypes[path.Ext(e.Name())]
		if !ok {
			continue // the HTML templates are pages, not assets
		}
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		h.assets[e.Name()] = asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	h.mux = http.NewServeMux()
	h.Register(h.mux)
	return h
}

// Register mounts the pages on mux: /join/<room>, /rollcall, /recordings,
// /assets/ and the bare / (a short page pointing to the links). The patterns are more
// specific than a catch-all "/", so they sit beside the signalling
// server's handler on the same mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", h.serveIndex)
	mux.HandleFunc("GET /join/{room...}", h.serveJoin)
	mux.HandleFunc("GET /rollcall", h.serveRollCall)
	mux.HandleFunc("GET /recordings", h.serveRecordings)
	mux.HandleFunc("GET /assets/{name}", h.serveAsset)
	// Pages without an icon link of their own (a folder's minutes.html,
	// served under /recordings) make the browser ask for this.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("name", "icon.svg")
		h.serveAsset(w, r)
	})
}

// ServeHTTP serves the package's routes alone (tests, or a server that
// mounts the pages on their own).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// pageData is what the templates show. Only public facts: the meeting id
// is what a client names in its join message, not a secret.
type pageData struct {
	Meeting  meeting.Info
	StartsAt string
	// Engine is the meeting's media engine: the join page loads
	// livekit-client for "livekit".
	Engine string
	// RoomID is the join page's room as its link names it: whether the
	// meeting has it is not said until the room's token is.
	RoomID  string
	Missing string // the malformed room id of a 404
}

func (h *Handler) data() pageData {
	return pageData{
		Meeting:  h.file.Meeting,
		StartsAt: h.file.Meeting.StartsAt.Format(time.RFC3339),
		Engine:   h.file.Media.Engine,
	}
}

// serveJoin answers every well-formed room id with the same page: the
// room's name and location come with the welcome, once its token is
// right, so that the page tells a stranger nothing of which rooms the
// meeting has or where they sit. Only an id no room could have is a 404.
func (h *Handler) serveJoin(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("room"), "/")
	d := h.data()
	if !meeting.ValidID(id) {
		d.Missing = id
		h.render(w, http.StatusNotFound, "notfound.html", d, "microphone=()")
		return
	}
	d.RoomID = id
	h.render(w, http.StatusOK, "join.html", d, "microphone=(self)")
}

func (h *Handler) serveRollCall(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusOK, "rollcall.html", h.data(), "microphone=()")
}

func (h *Handler) serveIndex(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusOK, "index.html", h.data(), "microphone=()")
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, d pageData, permissions string) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, d); err != nil {
		h.setHeaders(w, "")
		http.Error(w, "page template failed", http.StatusInternalServerError)
		return
	}
	h.setHeaders(w, permissions)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// A page is a few kilobytes and carries the meeting's current title:
	// never serve a stale one.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[r.PathValue("name")]
	if !ok {
		h.setHeaders(w, "")
		http.NotFound(w, r)
		return
	}
	h.setHeaders(w, "")
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("ETag", a.etag)
	// Revalidate every time: a district laptop must never run yesterday's
	// script against today's server, and a 304 costs next to nothing.
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// setHeaders sets the security headers every response carries.
func (h *Handler) setHeaders(w http.ResponseWriter, permissions string) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	if permissions != "" {
		hd.Set("Permissions-Policy", permissions+", camera=(), geolocation=()")
	}
}
