package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/samvad/samvad/meeting"
)

// The title carries markup on purpose: the pages must escape it.
const testYAML = `
meeting: {id: test-meet, title: "Test <b>samvad</b>", title_hi: "परीक्षण संवाद", starts_at: 2023-11-21T14:00:00+05:30, late_after: 10m, demo: true}
recorder_token: {plain: rec-secret}
staff_token: {plain: staff-secret}
rooms:
  - {id: host, kind: host, name: Host, name_hi: मेज़बान, token: {plain: host-secret}}
  - {id: ranchi, kind: district, name: Ranchi, name_hi: रांची, location: "Samargarh Resort", token: {plain: ranchi-secret}}
  - {id: dumka, kind: district, name: Dumka, name_hi: दुमका, token: {plain: dumka-secret}}
`

var secrets = []string{"rec-secret", "staff-secret", "host-secret", "ranchi-secret", "dumka-secret"}

func testHandler(t *testing.T) *Handler {
	t.Helper()
	f, err := meeting.Parse("test.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	return New(f)
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// pages are every HTML page and the status it is served with.
var pages = []struct {
	path   string
	status int
}{
	{"/", http.StatusOK},
	{"/join/ranchi", http.StatusOK},
	{"/join/host", http.StatusOK},
	{"/join/ranchi/", http.StatusOK},
	{"/rollcall", http.StatusOK},
	{"/recordings", http.StatusOK},
	{"/join/nowhere", http.StatusOK},
	{"/join/Ranchi", http.StatusNotFound},
	{"/join/", http.StatusNotFound},
	{"/join/ranchi/extra", http.StatusNotFound},
}

func TestPagesHaveSecurityHeaders(t *testing.T) {
	h := testHandler(t)
	for _, p := range pages {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := get(t, h, method, p.path)
			if rec.Code != p.status {
				t.Errorf("%s %s: status %d, want %d", method, p.path, rec.Code, p.status)
			}
			hd := rec.Header()
			if got := hd.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", p.path, got)
			}
			if got := hd.Get("Content-Security-Policy"); got != CSP {
				t.Errorf("%s: CSP %q", p.path, got)
			}
			for k, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
				"Cache-Control":          "no-store",
			} {
				if got := hd.Get(k); got != want {
					t.Errorf("%s: %s %q, want %q", p.path, k, got, want)
				}
			}
		}
	}
	// Only the join page may ask for the microphone.
	if got := get(t, h, "GET", "/join/ranchi").Header().Get("Permissions-Policy"); !strings.Contains(got, "microphone=(self)") {
		t.Errorf("join page Permissions-Policy %q", got)
	}
	if got := get(t, h, "GET", "/rollcall").Header().Get("Permissions-Policy"); !strings.Contains(got, "microphone=()") {
		t.Errorf("roll call Permissions-Policy %q", got)
	}
}

func TestCSPForbidsInlineAndForeignCode(t *testing.T) {
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "form-action 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(CSP, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	if strings.Contains(CSP, "unsafe") {
		t.Errorf("CSP allows something unsafe: %q", CSP)
	}
}

// TestJoinPageTellsStrangersNothing: /join/<id> is the same page for a
// room of the meeting and for any other well-formed id, and names no
// room and no location: those come with the welcome, for the right token.
func TestJoinPageTellsStrangersNothing(t *testing.T) {
	h := testHandler(t)
	page := func(id string) (int, string, http.Header) {
		rec := get(t, h, "GET", "/join/"+id)
		// The id itself is in the link; take it out to compare the rest.
		return rec.Code, strings.ReplaceAll(rec.Body.String(), id, "ID"), rec.Header()
	}
	code, known, hd := page("ranchi")
	code2, unknown, hd2 := page("nowhere")
	if code != http.StatusOK || code2 != code {
		t.Errorf("status %d for a room, %d for no room: want 200 for both", code, code2)
	}
	if known != unknown {
		t.Errorf("the page of a room differs from the page of no room:\n%s\n---\n%s", known, unknown)
	}
	for k := range hd {
		if hd.Get(k) != hd2.Get(k) {
			t.Errorf("header %s: %q for a room, %q for no room", k, hd.Get(k), hd2.Get(k))
		}
	}
	for _, leak := range []string{"Ranchi", "रांची", "Samargarh", "Dumka", "Host"} {
		if strings.Contains(known, leak) {
			t.Errorf("the join page says %q before any token", leak)
		}
	}
	if !strings.Contains(known, `data-room="ID"`) || !strings.Contains(known, "join.js") {
		t.Errorf("the join page lacks its room id or script:\n%s", known)
	}

	// An id no room could have is a 404 that says so, and escapes it.
	rec := get(t, h, "GET", "/join/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	body := rec.Body.String()
	if rec.Code != http.StatusNotFound || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("malformed room id: %d\n%s", rec.Code, body)
	}
	for _, want := range []string{"Not a join link", "जुड़ने का लिंक नहीं"} {
		if !strings.Contains(body, want) {
			t.Errorf("404 page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "join.js") || strings.Contains(body, "Ranchi") {
		t.Errorf("404 page says too much:\n%s", body)
	}
}

func TestAssetsServedWithTypesAndETags(t *testing.T) {
	h := testHandler(t)
	want := map[string]string{
		"/assets/common.js":   "text/javascript; charset=utf-8",
		"/assets/join.js":     "text/javascript; charset=utf-8",
		"/assets/rollcall.js": "text/javascript; charset=utf-8",
		"/assets/samvad.css":  "text/css; charset=utf-8",
		"/assets/icon.svg":    "image/svg+xml",
	}
	for path, ctype := range want {
		rec := get(t, h, "GET", path)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", path, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != ctype {
			t.Errorf("%s: Content-Type %q, want %q", path, got, ctype)
		}
		if rec.Header().Get("Content-Security-Policy") != CSP || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing", path)
		}
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", path)
			continue
		}
		if rec := get(t, h, "GET", path, "If-None-Match", etag); rec.Code != http.StatusNotModified {
			t.Errorf("%s: revalidation gave %d, want 304", path, rec.Code)
		}
	}
	for _, path := range []string{"/assets/join.html", "/assets/parts.html", "/assets/nope.js", "/assets/"} {
		if rec := get(t, h, "GET", path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404 (templates are not assets)", path, rec.Code)
		}
	}
}

// TestHTMLParsesAndReferencesOnlyEmbeddedAssets parses every page and
// checks what the CSP would otherwise only reveal in a browser: no inline
// script, style or event handler; every script, stylesheet and icon is an
// embedded asset served with 200; no URL holds a token.
func TestHTMLParsesAndReferencesOnlyEmbeddedAssets(t *testing.T) {
	h := testHandler(t)
	used := map[string]bool{}
	for _, p := range pages {
		body := get(t, h, "GET", p.path).Body.String()
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		var htmlLang string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attrs := map[string]string{}
				for _, a := range n.Attr {
					attrs[a.Key] = a.Val
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("%s: inline handler %s on <%s>", p.path, a.Key, n.Data)
					}
					if a.Key == "style" {
						t.Errorf("%s: inline style on <%s>", p.path, n.Data)
					}
				}
				switch n.Data {
				case "html":
					htmlLang = attrs["lang"]
				case "style":
					t.Errorf("%s: <style> element", p.path)
				case "script":
					if attrs["src"] == "" || n.FirstChild != nil {
						t.Errorf("%s: inline script", p.path)
					}
				}
				for _, k := range []string{"src", "href", "action"} {
					u, ok := attrs[k]
					if !ok {
						continue
					}
					if strings.Contains(strings.ToLower(u), "token") {
						t.Errorf("%s: URL with a token: %q", p.path, u)
					}
					if n.Data == "a" {
						continue
					}
					if !strings.HasPrefix(u, "/assets/") {
						t.Errorf("%s: <%s %s=%q> is not an embedded asset", p.path, n.Data, k, u)
						continue
					}
					used[u] = true
					if rec := get(t, h, "GET", u); rec.Code != http.StatusOK {
						t.Errorf("%s: %s gives %d", p.path, u, rec.Code)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if htmlLang != "en" {
			t.Errorf("%s: <html lang=%q>", p.path, htmlLang)
		}
		if !strings.Contains(body, `lang="hi"`) {
			t.Errorf("%s: no Hindi label", p.path)
		}
		if strings.Contains(body, "<b>samvad</b>") {
			t.Errorf("%s: meeting title not escaped", p.path)
		}
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s: page holds a token", p.path)
			}
		}
	}
	for name := range h.assets {
		if !used["/assets/"+name] && !liveKitOnly[name] {
			t.Errorf("embedded asset %s is not used by any page", name)
		}
	}
	for name := range liveKitOnly {
		if used["/assets/"+name] {
			t.Errorf("a page of a meeting on samvad's relay loads %s", name)
		}
	}
}

// TestScriptsFindTheirElements checks that every id a script looks up
// exists on its page: a renamed element would otherwise only show as a
// broken page in a browser.
func TestScriptsFindTheirElements(t *testing.T) {
	h := testHandler(t)
	idRE := regexp.MustCompile(`\$\('([a-z0-9-]+)'\)`)
	for page, script := range map[string]string{"/join/ranchi": "join.js", "/rollcall": "rollcall.js", "/recordings": "recordings.js"} {
		body := get(t, h, "GET", page).Body.String()
		js := string(h.assets[script].body)
		for _, m := range idRE.FindAllStringSubmatch(js, -1) {
			if !strings.Contains(body, `id="`+m[1]+`"`) {
				t.Errorf("%s looks up #%s, which %s lacks", script, m[1], page)
			}
		}
	}
}

// TestScriptsNeverPutTokensInURLs: the only connection the pages open is
// the websocket at wsURL(), whose URL is built from location alone; the
// token travels inside the join message. Nothing else may make requests.
func TestScriptsNeverPutTokensInURLs(t *testing.T) {
	h := testHandler(t)
	for name, a := range h.assets {
		if !strings.HasSuffix(name, ".js") || name == liveKitClient {
			continue // livekit-client's own connections: TestLiveKitJoinPage
		}
		js := string(a.body)
		if name == "recordings.js" {
			js = recordingsRequests(t, js)
		}
		for _, banned := range []string{"fetch(", "XMLHttpRequest", "sendBeacon", "EventSource", "location.search", "?token", "&token", ".src =", "location.href ="} {
			if strings.Contains(js, banned) {
				t.Errorf("%s uses %q", name, banned)
			}
		}
		for _, m := range regexp.MustCompile(`new WebSocket\((.*?)\);`).FindAllStringSubmatch(js, -1) {
			if m[1] != "wsURL()" {
				t.Errorf("%s opens a websocket at %s", name, m[1])
			}
		}
	}
	common := string(h.assets["common.js"].body)
	i := strings.Index(common, "function wsURL()")
	if i < 0 {
		t.Fatal("common.js has no wsURL")
	}
	body := common[i : i+strings.Index(common[i:], "\n  }")]
	if strings.Contains(body, "token") || strings.Contains(body, "hash") {
		t.Errorf("wsURL builds its URL from the token or fragment:\n%s", body)
	}
}

// recordingsRequests checks the recordings page's requests and returns
// its script without them: one fetch, of the API, with the token in the
// Authorization header only, and players pointed only at the file URLs
// the API gave.
func recordingsRequests(t *testing.T, js string) string {
	t.Helper()
	const call = "fetch('/api/recordings', {\n      headers: { Authorization: 'Bearer ' + token },"
	if strings.Count(js, "fetch(") != 1 || !strings.Contains(js, call) {
		t.Errorf("recordings.js must fetch only /api/recordings, the token in its Authorization header")
	}
	js = strings.Replace(js, "fetch(", "", 1)
	for _, m := range regexp.MustCompile(`\.src = ([^;]*);`).FindAllStringSubmatch(js, -1) {
		if m[1] != "mix.url" && m[1] != "f.url" {
			t.Errorf("recordings.js points a player at %s", m[1])
		}
	}
	return strings.ReplaceAll(js, ".src =", "")
}

// TestScriptsParse runs node --check on every script, when node is here:
// a syntax error would otherwise blank a page only in a browser.
func TestScriptsParse(t *testing.T) {
	node := nodeJS(t)
	entries, _ := staticFS.ReadDir("static")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".js") {
			continue
		}
		out, err := exec.Command(node, "--check", "static/"+e.Name()).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", e.Name(), err, out)
		}
	}
}

// TestCommonHelpers runs common.js's pure helpers in node.
func TestCommonHelpers(t *testing.T) {
	node := nodeJS(t)
	script := `
const s = require('./static/common.js');
const assert = require('assert');
assert.strictEqual(s.tokenFromHash('#token=abc'), 'abc');
assert.strictEqual(s.tokenFromHash('#x=1&token=a%2Bb%3D'), 'a+b=');
assert.strictEqual(s.tokenFromHash('#token=a=b'), 'a=b');
assert.strictEqual(s.tokenFromHash(''), '');
assert.strictEqual(s.tokenFromHash('#tokens=x'), '');
assert.strictEqual(s.parseDuration('10m0s'), 600000);
assert.strictEqual(s.parseDuration('1h30m0s'), 5400000);
assert.strictEqual(s.parseDuration('1.5s'), 1500);
assert.strictEqual(s.parseDuration('0s'), 0);
assert.ok(isNaN(s.parseDuration('')));
assert.strictEqual(s.clockOf('2023-11-21T14:02:07.123+05:30'), '14:02:07');
assert.strictEqual(s.offsetOf('2023-11-21T14:00:00+05:30'), 19800000);
assert.strictEqual(s.offsetOf('2023-11-21T14:00:00-03:00'), -10800000);
assert.strictEqual(s.offsetOf('2023-11-21T14:00:00Z'), 0);
assert.deepStrictEqual(s.span(45500), {en: '45 s', hi: '45 सेकंड'});
assert.deepStrictEqual(s.span(185000), {en: '3 min', hi: '3 मिनट'});
assert.deepStrictEqual(s.span(3900000), {en: '1 h 05 min', hi: '1 घंटा 05 मिनट'});
assert.strictEqual(s.hms(3725), '1:02:05');
assert.strictEqual(s.bytes(5 * 1073741824), '5.0 GB');
assert.strictEqual(s.bytes(123 * 1073741824), '123 GB');
for (const c of ['bad_token', 'unknown_room', 'unknown_meeting', 'replaced']) assert.ok(s.STOP_CODES[c], c);
for (const c of ['shutting_down', 'media_failed', 'join_timeout']) assert.ok(!s.STOP_CODES[c], c);
console.log('ok');
`
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("%v\n%s", err, out)
	}
}

func TestIndexDoesNotLeakTokensOrRooms(t *testing.T) {
	h := testHandler(t)
	body, _ := io.ReadAll(get(t, h, "GET", "/").Body)
	if strings.Contains(string(body), "Ranchi") {
		t.Errorf("index lists rooms")
	}
}

// nodeJS is node, for the tests that run the pages' scripts. Without it
// they skip, unless SAMVAD_REQUIRE_NODE is set (CI sets it, having
// installed Debian's nodejs), where they fail: a check that never runs in
// CI checks nothing.
func nodeJS(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		return node
	}
	if os.Getenv("SAMVAD_REQUIRE_NODE") != "" {
		t.Fatalf("node is not installed (apt-get install -y nodejs) and SAMVAD_REQUIRE_NODE is set: %v", err)
	}
	t.Skip("node is not installed (apt-get install -y nodejs)")
	return ""
}
