package handoff

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

// fastRetry keeps the tests' retries quick.
var fastRetry = Retry{Attempts: 4, First: 20 * time.Millisecond, Max: 100 * time.Millisecond}

// sums hashes every file under dir, to show a hand-off changed none.
func sums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == recording.EventsFile {
			return nil // the hand-off appends its outcomes; checked apart
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("%d files before the hand-off, %d after", len(before), len(after))
	}
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed", p)
		}
	}
}

// handoffEvents reads the folder's hand-off outcomes.
func handoffEvents(t *testing.T, dir string) []recording.Event {
	t.Helper()
	r, err := os.Open(filepath.Join(dir, recording.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	evs, skipped, err := recording.ReadEvents(r)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("events.jsonl: %v, skipped %q", err, skipped)
	}
	var out []recording.Event
	for _, e := range evs {
		if e.Event == recording.EventHandoffDone || e.Event == recording.EventHandoffFailed {
			out = append(out, e)
		}
	}
	return out
}

func TestReadFolderChecksAgainstManifest(t *testing.T) {
	dir := recordingtest.Finished(t, t.TempDir())
	f, err := ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	man, _ := recording.ReadManifest(dir)
	want := manifestSums(man)
	if len(want) < 5 {
		t.Fatalf("meeting.json lists only %d files", len(want))
	}
	got := map[string]File{}
	for _, file := range f.Files {
		got[file.Path] = file
	}
	for p, sum := range want {
		if got[p].SHA256 != sum {
			t.Errorf("%s: %s, meeting.json %s", p, got[p].SHA256, sum)
		}
	}
	for _, p := range []string{"minutes.html", "minutes.md", "attendance.csv", "events.jsonl", "meeting.json", "mix.ogg", "rooms/ranchi.ogg", "segments/dumka/0001.ogg"} {
		if _, ok := got[p]; !ok {
			t.Errorf("%s is not delivered", p)
		}
	}
	if last := f.Files[len(f.Files)-1].Path; last != "meeting.json" || !strings.HasSuffix(f.Files[0].Path, ".ogg") {
		t.Errorf("order %s … %s: want the audio first and meeting.json last", f.Files[0].Path, last)
	}

	// A room file that no longer matches meeting.json is refused, and left
	// as it is.
	room := filepath.Join(dir, "rooms", "dumka.ogg")
	data, _ := os.ReadFile(room)
	data[len(data)/2] ^= 1
	os.WriteFile(room, data, 0o640)
	before := sums(t, dir)
	if _, err := ReadFolder(dir); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "rooms/dumka.ogg") {
		t.Errorf("a changed room file: %v, want ErrChecksum naming it", err)
	}
	sameFiles(t, before, sums(t, dir))
	os.Remove(room)
	if _, err := ReadFolder(dir); !errors.Is(err, ErrMissing) {
		t.Errorf("a missing room file: %v, want ErrMissing", err)
	}

	// A recording still going on is not handed off.
	f2, err := recording.Open(t.TempDir(), recordingtest.Meeting(), time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f2.Close()
	if _, err := ReadFolder(f2.Path); !errors.Is(err, recording.ErrUnfinished) {
		t.Errorf("unfinished folder: %v", err)
	}
	if _, err := Run(context.Background(), f2.Path, Config{OnFinished: meeting.OnFinished{Command: []string{"true"}}}); !errors.Is(err, recording.ErrUnfinished) {
		t.Errorf("Run on an unfinished folder: %v", err)
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hook.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommand(t *testing.T) {
	dir := recordingtest.Finished(t, t.TempDir())
	before := sums(t, dir)
	got := filepath.Join(t.TempDir(), "args")
	var roll bytes.Buffer
	prog := script(t, `printf '%s\n' "$@" > "$ARGS_FILE"; echo copied 12 files`)
	t.Setenv("ARGS_FILE", got)
	outs, err := Run(context.Background(), dir, Config{
		OnFinished: meeting.OnFinished{Command: []string{prog, "--to", "/srv/share"}},
		RollCall:   &roll,
	})
	if err != nil {
		t.Fatal(err)
	}
	if args, _ := os.ReadFile(got); string(args) != "--to\n/srv/share\n"+dir+"\n" {
		t.Errorf("the command got %q, want its arguments and the folder last", args)
	}
	if len(outs) != 1 || outs[0].Command.ExitCode != 0 || !strings.Contains(outs[0].Command.Output, "copied 12 files") {
		t.Errorf("outcome %+v", outs)
	}
	evs := handoffEvents(t, dir)
	if len(evs) != 1 || evs[0].Event != recording.EventHandoffDone || evs[0].Target != TargetCommand ||
		!strings.Contains(string(evs[0].Stats), `"exit_code":0`) || !strings.Contains(string(evs[0].Stats), "copied 12 files") {
		t.Errorf("events %+v", evs)
	}
	if d := evs[0].At.Sub(outs[0].At); d.Abs() > time.Millisecond {
		t.Errorf("event at %v, the command ended at %v", evs[0].At, outs[0].At)
	}
	if !strings.Contains(roll.String(), "hand-off: command "+prog+" done") || !strings.Contains(roll.String(), "हस्तांतरण") {
		t.Errorf("roll call: %q", roll.String())
	}

	// A failing command: its status and last words are reported; the
	// folder is as it was.
	roll.Reset()
	fail := script(t, `echo "starting"; echo "share /srv/share is not mounted" >&2; exit 3`)
	_, err = Run(context.Background(), dir, Config{OnFinished: meeting.OnFinished{Command: []string{fail}}, RollCall: &roll})
	if err == nil || !strings.Contains(err.Error(), "exit status 3: share /srv/share is not mounted") {
		t.Errorf("failing command: %v", err)
	}
	evs = handoffEvents(t, dir)
	if last := evs[len(evs)-1]; last.Event != recording.EventHandoffFailed || !strings.Contains(last.Reason, "not mounted") ||
		!strings.Contains(string(last.Stats), `"exit_code":3`) {
		t.Errorf("failure event %+v", last)
	}
	if !strings.Contains(roll.String(), "hand-off FAILED (command)") || !strings.Contains(roll.String(), "हस्तांतरण विफल") {
		t.Errorf("roll call: %q", roll.String())
	}

	// A command that hangs is stopped.
	start := time.Now()
	_, err = Run(context.Background(), dir, Config{OnFinished: meeting.OnFinished{Command: []string{script(t, "sleep 30")}},
		CommandTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || time.Since(start) > 10*time.Second {
		t.Errorf("hanging command: %v after %v", err, time.Since(start))
	}
	sameFiles(t, before, sums(t, dir))
}

// receiver is a webhook receiver that checks each delivery's signature.
type receiver struct {
	secret string
	// fail answers the first fail deliveries with status.
	fail   int
	status int

	mu         sync.Mutex
	bodies     [][]byte
	deliveries []string
	badSig     int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get(EventHeader) != "recording_finished" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if !Verify(rc.secret, body, r.Header.Get(SignatureHeader)) {
		rc.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.bodies = append(rc.bodies, body)
	rc.deliveries = append(rc.deliveries, r.Header.Get(DeliveryHeader))
	if len(rc.bodies) <= rc.fail {
		w.WriteHeader(rc.status)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func webhookConfig(url, secret string) meeting.OnFinished {
	return meeting.OnFinished{Webhook: &meeting.Webhook{URL: url, Secret: meeting.PlainToken(secret)}}
}

func TestWebhookSignedAndRetried(t *testing.T) {
	dir := recordingtest.Finished(t, t.TempDir())
	before := sums(t, dir)
	rc := &receiver{secret: "hook-secret", fail: 2, status: http.StatusServiceUnavailable}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	outs, err := Run(context.Background(), dir, Config{OnFinished: webhookConfig(srv.URL+"/samvad?key=receiver-key", "hook-secret"), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if w := outs[0].Webhook; w.Attempts != 3 || w.Status != http.StatusAccepted {
		t.Errorf("webhook %+v, want delivered on the third attempt", w)
	}
	if len(rc.bodies) != 3 || rc.badSig != 0 || rc.deliveries[0] == "" || rc.deliveries[0] != rc.deliveries[2] {
		t.Errorf("%d bodies, %d bad signatures, deliveries %q", len(rc.bodies), rc.badSig, rc.deliveries)
	}
	var s Summary
	if err := json.Unmarshal(rc.bodies[2], &s); err != nil {
		t.Fatal(err)
	}
	man, _ := recording.ReadManifest(dir)
	if s.Event != "recording_finished" || s.ID != filepath.Base(dir) || s.Meeting.ID != "jmm-2023-11-21" ||
		s.Meeting.TitleHi == "" || s.RecordingStartedAt != man.RecordingStartedAt || s.RecordingEndedAt != man.RecordingEndedAt ||
		s.DurationS != recordingtest.Length.Seconds() {
		t.Errorf("summary %+v", s)
	}
	if s.Rooms.Expected != 3 || s.Rooms.Attended != 2 || strings.Join(s.Rooms.Present, ",") != "ranchi,dumka" || strings.Join(s.Rooms.Absent, ",") != "palamu" {
		t.Errorf("rooms %+v", s.Rooms)
	}
	want := manifestSums(man)
	found := 0
	for _, f := range s.Files {
		if sum, ok := want[f.Path]; ok {
			found++
			if sum != f.SHA256 {
				t.Errorf("%s: summary says %s, meeting.json %s", f.Path, f.SHA256, sum)
			}
		}
	}
	if found != len(want) {
		t.Errorf("summary lists %d of meeting.json's %d files", found, len(want))
	}
	evs := handoffEvents(t, dir)
	if len(evs) != 1 || evs[0].Event != recording.EventHandoffDone || evs[0].Target != TargetWebhook || !strings.Contains(string(evs[0].Stats), `"attempts":3`) {
		t.Errorf("events %+v", evs)
	}
	line, _ := os.ReadFile(filepath.Join(dir, recording.EventsFile))
	if strings.Contains(string(line), "receiver-key") || strings.Contains(string(line), "hook-secret") {
		t.Error("events.jsonl holds the webhook's query or secret")
	}

	// A receiver that says no for good is not asked again; a wrong secret
	// is caught by the receiver.
	rc2 := &receiver{secret: "another-secret"}
	srv2 := httptest.NewServer(rc2)
	defer srv2.Close()
	_, err = Run(context.Background(), dir, Config{OnFinished: webhookConfig(srv2.URL, "hook-secret"), Retry: fastRetry})
	if err == nil || !strings.Contains(err.Error(), "401") || rc2.badSig != 1 {
		t.Errorf("refused: %v after %d tries", err, rc2.badSig)
	}
	sameFiles(t, before, sums(t, dir))
}

// TestWebhookDownDoesNotHoldTheRest: a receiver that is down is retried
// with backoff and fails alone; the command beside it ends and is recorded
// when it ends, not when the webhook gives up; stopping the hand-off stops
// the retries at once.
func TestWebhookDownDoesNotHoldTheRest(t *testing.T) {
	dir := recordingtest.Finished(t, t.TempDir())
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()

	var tries atomic.Int32
	released := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries.Add(1)
		io.Copy(io.Discard, r.Body) // then the server notices the client going
		select {
		case <-r.Context().Done():
		case <-released:
		}
	}))
	defer hung.Close()
	defer close(released)

	o := webhookConfig(url, "s")
	o.Command = []string{"true"}
	start := time.Now()
	outs, err := Run(context.Background(), dir, Config{OnFinished: o, Retry: Retry{Attempts: 3, First: 300 * time.Millisecond, Max: time.Second}})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "attempt 3 of 3") {
		t.Errorf("receiver down: %v", err)
	}
	if took < 900*time.Millisecond || took > 10*time.Second {
		t.Errorf("three attempts 300 ms and 600 ms apart took %v", took)
	}
	byTarget := map[string]Outcome{}
	for _, o := range outs {
		byTarget[o.Target] = o
	}
	cmd, hook := byTarget[TargetCommand], byTarget[TargetWebhook]
	if cmd.Err != nil || hook.Err == nil || !cmd.At.Before(hook.At.Add(-800*time.Millisecond)) {
		t.Errorf("command ended %v (%v), webhook %v (%v): the command must not wait for the webhook", cmd.At, cmd.Err, hook.At, hook.Err)
	}
	evs := handoffEvents(t, dir)
	if len(evs) != 2 || evs[0].Target != TargetCommand || evs[1].Event != recording.EventHandoffFailed || evs[1].Target != TargetWebhook {
		t.Errorf("events %+v", evs)
	}

	// A hung receiver: the hand-off's context ends it.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = Run(ctx, dir, Config{OnFinished: webhookConfig(hung.URL, "s"), Retry: fastRetry})
	if err == nil || time.Since(start) > 5*time.Second || tries.Load() != 1 {
		t.Errorf("hung receiver: %v after %v and %d tries", err, time.Since(start), tries.Load())
	}
}

func TestSignAndRedact(t *testing.T) {
	// RFC 4231 test case 2.
	if got := Sign("Jefe", []byte("what do ya want for nothing?")); got != "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Errorf("Sign = %s", got)
	}
	if Verify("Jefe", []byte("what do ya want for nothing!"), Sign("Jefe", []byte("what do ya want for nothing?"))) {
		t.Error("Verify accepted another body")
	}
	if got := Redact("https://u:p@hooks.example.org:8443/samvad/in?key=abc#x"); got != "https://hooks.example.org:8443/samvad/in" {
		t.Errorf("Redact = %s", got)
	}
	r := Retry{}.withDefaults()
	var total time.Duration
	for n := 1; n < r.Attempts; n++ {
		total += r.wait(n)
	}
	if r.wait(1) != time.Second || r.wait(7) != time.Minute || total < 2*time.Minute || total > 4*time.Minute {
		t.Errorf("default backoff: first %v, seventh %v, all %v", r.wait(1), r.wait(7), total)
	}
}
