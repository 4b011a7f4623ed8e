package web

import "net/http"

// serveRecordings is the recordings page, /recordings#token=...: the
// staff's or the secretaries' list of recorded meetings, with their
// minutes, audio and zips. The page is the same for everyone; its data
// comes from package archive's GET /api/recordings, with the token from
// the fragment in the Authorization header.
func (h *Handler) serveRecordings(w http.ResponseWriter, _ *http.Request) {
	h.render(w, http.StatusOK, "recordings.html", h.data(), "microphone=()")
}
