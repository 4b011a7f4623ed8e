package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/samvad/samvad/handoff"
	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/s3test"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// hookReceiver keeps the webhook deliveries whose signature is right.
type hookReceiver struct {
	secret string
	mu     sync.Mutex
	got    []handoff.Summary
	bad    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var s handoff.Summary
	if !handoff.Verify(h.secret, body, r.Header.Get(handoff.SignatureHeader)) || json.Unmarshal(body, &s) != nil {
		h.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	h.got = append(h.got, s)
}

func (h *hookReceiver) summaries() ([]handoff.Summary, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]handoff.Summary(nil), h.got...), h.bad
}

// handoffMeeting writes demo.yaml with a recording.on_finished that runs a
// script, calls hook and uploads to store's bucket "minutes", and a
// secretary token.
func handoffMeeting(t *testing.T, hook string, store *s3test.Server, argsFile, out string) string {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "copy-minutes.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+argsFile+"\necho copied\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../configs/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	section := "recording:\n  dir: " + out + "\n  on_finished:\n" +
		"    command: [" + script + ", --to, share]\n" +
		"    webhook: {url: \"" + hook + "/samvad\", secret: {plain: hook-secret}}\n" +
		"    s3: {endpoint: \"" + store.URL + "\", bucket: minutes, prefix: jmm/, access_key: " + s3test.AccessKey +
		", secret_key: {plain: " + s3test.SecretKey + "}}\n" +
		"secretary_token: {plain: demo-secretary}\n"
	text := strings.Replace(string(data), "recording: {dir: recordings, mix: true}\n", section, 1)
	if text == string(data) {
		t.Fatal("demo.yaml's recording line moved: update the test")
	}
	path := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMeetingHandsOff runs a short demo meeting (real server, relay, bot
// and rooms) whose file hands the folder over: the command runs with the
// folder, the signed webhook arrives, the folder is in a real S3 store
// with meeting.json's checksums; `samvad report --hand-off` does it again
// and sends only what changed.
func TestMeetingHandsOff(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a meeting")
	}
	store := s3test.Start(t)
	store.MakeBucket("minutes")
	rc := &hookReceiver{secret: "hook-secret"}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	argsFile := filepath.Join(t.TempDir(), "args")
	out := t.TempDir()
	config := handoffMeeting(t, hook.URL, store, argsFile, out)

	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	err := run(ctx, []string{"demo", "--config", config, "--duration", "4s", "--absent", "palamu"}, e)
	t.Logf("demo:\n%s", stdout.String())
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	folder := lines[len(lines)-1]
	if filepath.Dir(folder) != out {
		t.Fatalf("last line %q is not a folder in %s", folder, out)
	}
	id := filepath.Base(folder)

	if args, _ := os.ReadFile(argsFile); string(args) != "--to\nshare\n"+folder+"\n" {
		t.Errorf("the command got %q", args)
	}
	sums, bad := rc.summaries()
	if len(sums) != 1 || bad != 0 || sums[0].ID != id || sums[0].Rooms.Expected != 8 || sums[0].Rooms.Attended != 7 {
		t.Errorf("webhook: %d bad, got %+v", bad, sums)
	}
	man, err := recording.ReadManifest(folder)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range man.Rooms {
		want[r.Path] = r.SHA256
	}
	for _, s := range man.Segments {
		want[s.Path] = s.SHA256
	}
	if man.Mix == nil {
		t.Fatal("meeting.json has no mix")
	}
	want[man.Mix.Path] = man.Mix.SHA256
	c := store.Client()
	for p, sum := range want {
		obj, err := c.GetObject(ctx, "minutes", "jmm/"+id+"/"+p, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, obj)
		obj.Close()
		if err != nil || hex.EncodeToString(h.Sum(nil)) != sum {
			t.Errorf("%s in the bucket: %x (%v), meeting.json %s", p, h.Sum(nil), err, sum)
		}
	}
	done := map[string]bool{}
	for _, e := range eventsByRoom(t, folder)[""] {
		if e.Event == recording.EventHandoffDone && e.At.After(man.EndedAt()) {
			done[e.Target] = true
		}
	}
	if !done["command"] || !done["webhook"] || !done["s3"] {
		t.Errorf("events.jsonl's handoff_done: %v", done)
	}

	checkRecordingsServed(t, config, folder)

	// Again, by hand, as after a receiver was down.
	stdout.Reset()
	if err := run(ctx, []string{"report", folder, "--hand-off", "--config", config}, e); err != nil {
		t.Fatalf("report --hand-off: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "(1 sent, ") {
		t.Errorf("report --hand-off sent more than events.jsonl:\n%s", stdout.String())
	}
	if sums, _ := rc.summaries(); len(sums) != 2 {
		t.Errorf("%d webhook deliveries after report --hand-off, want 2", len(sums))
	}
	if err := run(ctx, []string{"report", folder, "--hand-off"}, e); err == nil || !strings.Contains(err.Error(), "needs --config") {
		t.Errorf("report --hand-off without --config: %v", err)
	}
}

// checkRecordingsServed starts the meeting's server, as samvad serve does,
// and asks it for the recording: listed for the staff and secretary
// tokens, not a room's; a room file answers a range request with 206.
func checkRecordingsServed(t *testing.T, config, folder string) {
	t.Helper()
	f, err := meeting.Load(config)
	if err != nil {
		t.Fatal(err)
	}
	var logs logtest.Buffer
	srv, err := startServer(f, "127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)), serverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	get := func(path, token string, hdr ...string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.baseURL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	id := filepath.Base(folder)
	for token, want := range map[string]int{"demo-staff": 200, "demo-secretary": 200, "demo-ranchi": 401, "demo-recorder": 401, "": 401} {
		res := get("/api/recordings", token)
		var list []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		json.NewDecoder(res.Body).Decode(&list)
		res.Body.Close()
		if res.StatusCode != want || (want == 200 && (len(list) != 1 || list[0].ID != id || list[0].State != "finished")) {
			t.Errorf("/api/recordings with %q: %s %+v", token, res.Status, list)
		}
	}
	res := get("/recordings/"+id+"/rooms/ranchi.ogg", "demo-secretary", "Range", "bytes=0-99")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || len(body) != 100 || string(body[:4]) != "OggS" || res.Header.Get("Content-Type") != "audio/ogg" {
		t.Errorf("range request of a room file: %s, %d bytes", res.Status, len(body))
	}
	res = get("/recordings", "")
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the recordings page: %s", res.Status)
	}
	for _, s := range []string{"demo-staff", "demo-secretary"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("a token is in the server's log")
		}
	}
}
