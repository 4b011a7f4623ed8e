package archive

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/samvad/samvad/meeting"
)

// Roles that may read the recordings.
const (
	RoleStaff     = "staff"
	RoleSecretary = "secretary"
)

// PassCookie is the short-lived pass the API hands the page, with which
// the browser fetches files: players and links cannot send a header, and
// a token must never be in a URL. It is HttpOnly (no script reads it),
// SameSite=Strict (no other site makes the browser send it) and scoped to
// /recordings.
const PassCookie = "samvad_recordings"

// tokenRole says whose token secret is: the staff's, the secretaries', or
// nobody's ("" — a room's or the recorder's token included).
func tokenRole(f *meeting.File, secret string) string {
	if secret == "" {
		return ""
	}
	staff := f.StaffToken.Match(secret)
	secretary := f.SecretaryToken.IsSet() && f.SecretaryToken.Match(secret)
	switch {
	case staff:
		return RoleStaff
	case secretary:
		return RoleSecretary
	}
	return ""
}

// bearer is the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// pass is a PassCookie value: role, expiry and their HMAC under the
// server's key, which is made fresh at every start, so passes die with
// the process too.
func (s *Server) pass(role string, exp time.Time) string {
	msg := role + "." + strconv.FormatInt(exp.Unix(), 10)
	return msg + "." + s.mac(msg)
}

func (s *Server) mac(msg string) string {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte("samvad recordings pass\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkPass returns the role of a valid, unexpired pass.
func (s *Server) checkPass(v string, now time.Time) string {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return ""
	}
	msg, sig := v[:i], v[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.mac(msg))) {
		return ""
	}
	role, expS, _ := strings.Cut(msg, ".")
	exp, err := strconv.ParseInt(expS, 10, 64)
	if err != nil || now.Unix() >= exp || (role != RoleStaff && role != RoleSecretary) {
		return ""
	}
	return role
}

// setPass gives the browser a fresh pass.
func (s *Server) setPass(w http.ResponseWriter, r *http.Request, role string) time.Time {
	exp := s.now().Add(s.passTTL)
	http.SetCookie(w, &http.Cookie{
		Name: PassCookie, Value: s.pass(role, exp), Path: "/recordings",
		Expires: exp, MaxAge: int(s.passTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return exp
}

// failures counts wrong tokens by address: past the meeting's
// failed_joins_per_ip in a minute, an address waits a second before each
// try, so tokens cannot be guessed at speed; a right token still gets in.
type failures struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	lock   time.Duration
	by     map[string]*failure
}

type failure struct {
	n           int
	first, last time.Time
}

func (f *failures) key(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// locked reports whether the address must wait before its token is
// looked at.
func (f *failures) locked(r *http.Request, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.by[f.key(r)]
	return ok && e.n >= f.limit && now.Sub(e.last) < f.lock
}

func (f *failures) add(r *http.Request, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.key(r)
	e, ok := f.by[k]
	if !ok || (e.n < f.limit && now.Sub(e.first) > f.window) || (e.n >= f.limit && now.Sub(e.last) >= f.lock) {
		if len(f.by) >= maxTracked {
			f.prune(now)
		}
		e = &failure{first: now}
		f.by[k] = e
	}
	e.n++
	e.last = now
}

// maxTracked bounds the addresses remembered.
const maxTracked = 10000

func (f *failures) prune(now time.Time) {
	for k, e := range f.by {
		if now.Sub(e.last) > max(f.window, f.lock) || len(f.by) >= maxTracked {
			delete(f.by, k)
		}
	}
}
