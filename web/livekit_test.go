package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/samvad/samvad/meeting"
)

const liveKitClient = "livekit-client.umd.js"

// liveKitOnly are the assets only a LiveKit meeting's join page loads.
var liveKitOnly = map[string]bool{liveKitClient: true, "join-livekit.js": true}

// TestLiveKitJoinPage: a meeting on LiveKit gets the same join page, which
// loads the embedded livekit-client (the npm build package.json pins,
// byte for byte what update.sh made) and may connect to LiveKit's origin
// and nowhere else.
func TestLiveKitJoinPage(t *testing.T) {
	f, err := meeting.Parse("lk.yaml", []byte(strings.Replace(testYAML, "rooms:",
		"media: {engine: livekit, livekit: {url: \"ws://10.0.0.5:7880\", public_url: \"wss://lk.example.org\", api_key: k, api_secret: {plain: lk-secret}}}\nrooms:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	h := New(f)
	rec := get(t, h, "GET", "/join/ranchi")
	body := rec.Body.String()
	if !strings.Contains(body, `<script src="/assets/`+liveKitClient+`" defer></script>`) ||
		!strings.Contains(body, `<script src="/assets/join-livekit.js" defer></script>`) || !strings.Contains(body, `data-engine="livekit"`) {
		t.Errorf("the join page of a LiveKit meeting does not load livekit-client:\n%s", body)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' wss://lk.example.org https://lk.example.org;") || strings.Contains(csp, "10.0.0.5") {
		t.Errorf("CSP %q: want LiveKit's public origin in connect-src, nothing more", csp)
	}
	if strings.Contains(body, "lk-secret") {
		t.Error("the page holds the LiveKit secret")
	}
	if r := get(t, testHandler(t), "GET", "/join/ranchi"); strings.Contains(r.Body.String(), liveKitClient) {
		t.Error("a meeting on samvad's relay loads livekit-client")
	}

	js := get(t, h, "GET", "/assets/"+liveKitClient)
	if js.Code != http.StatusOK || !strings.HasPrefix(js.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("%s: %d %s", liveKitClient, js.Code, js.Header().Get("Content-Type"))
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile("livekit-client/package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatal(err)
	}
	version := pkg.Dependencies["livekit-client"]
	if version == "" || strings.ContainsAny(version, "^~<>=* ") {
		t.Errorf("livekit-client is not pinned to one version: %q", version)
	}
	lock, err := os.ReadFile("livekit-client/package-lock.json")
	if err != nil || !strings.Contains(string(lock), `"node_modules/livekit-client": {
      "version": "`+version+`"`) {
		t.Errorf("package-lock.json does not hold livekit-client %s (%v)", version, err)
	}
	if !strings.HasPrefix(js.Body.String(), "/*! livekit-client "+version+" (npm)") {
		t.Errorf("the embedded build is not livekit-client %s", version)
	}
	sum := sha256.Sum256(js.Body.Bytes())
	want, err := os.ReadFile("livekit-client/" + liveKitClient + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sum[:]) + "  " + liveKitClient + "\n"; got != string(want) {
		t.Errorf("the embedded build differs from what update.sh made: sha256 %s, recorded %s", got, want)
	}
	for _, banned := range []string{"eval(", "new Function(", "importScripts("} {
		if strings.Contains(js.Body.String(), banned) {
			t.Errorf("livekit-client uses %q, which the CSP forbids", banned)
		}
	}
}
