package archive

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

const testYAML = `
meeting: {id: jmm-2023-11-21, title: "Samvad", starts_at: 2023-11-21T14:00:00+05:30, demo: true}
server: {limits: {failed_joins_per_ip: 3}}
recorder_token: {plain: rec-secret}
staff_token: {plain: staff-secret}
secretary_token: {plain: secretary-secret}
rooms:
  - {id: ranchi, kind: district, name: Ranchi, token: {plain: ranchi-secret}}
`

var secrets = []string{"rec-secret", "staff-secret", "secretary-secret", "ranchi-secret"}

type fixture struct {
	srv      *httptest.Server
	a        *Server
	dir      string // recording.dir
	finished string // the finished folder's id
	live     string // a folder still being recorded
	logs     *bytes.Buffer
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	f, err := meeting.Parse("test.yaml", []byte(testYAML))
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{dir: t.TempDir(), logs: &bytes.Buffer{}}
	fx.finished = filepath.Base(recordingtest.Finished(t, fx.dir))
	live, err := recording.Open(fx.dir, recordingtest.Meeting(), time.Now(), time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	live.Close()
	fx.live = filepath.Base(live.Path)
	os.Mkdir(filepath.Join(fx.dir, "not-a-recording"), 0o755)
	os.WriteFile(filepath.Join(fx.dir, "notes.txt"), []byte("x"), 0o644)

	log := slog.New(slog.NewTextHandler(fx.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fx.a = New(f, append([]Option{WithDir(fx.dir), WithLogger(log)}, opts...)...)
	mux := http.NewServeMux()
	fx.a.Register(mux)
	fx.srv = httptest.NewServer(mux)
	t.Cleanup(fx.srv.Close)
	return fx
}

// get asks for path with a Bearer token (if any) and extra headers.
func (fx *fixture) get(t *testing.T, path, token string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fx.srv.URL+path, nil)
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
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

func (fx *fixture) list(t *testing.T, token string) ([]Recording, *http.Cookie) {
	t.Helper()
	res, body := fx.get(t, "/api/recordings", token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("list with a good token: %s %s", res.Status, body)
	}
	var list []Recording
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var pass *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == PassCookie {
			pass = c
		}
	}
	return list, pass
}

func TestListOnlyForStaffAndSecretaries(t *testing.T) {
	fx := newFixture(t)
	for _, tok := range []string{"", "ranchi-secret", "rec-secret", "wrong"} {
		res, body := fx.get(t, "/api/recordings", tok)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"message_hi"`) || len(res.Cookies()) > 0 {
			t.Errorf("token %q: %s %s", tok, res.Status, body)
		}
	}
	for _, tok := range []string{"staff-secret", "secretary-secret"} {
		list, pass := fx.list(t, tok)
		if len(list) != 2 || list[0].ID != fx.live || list[1].ID != fx.finished {
			t.Fatalf("%s: list %+v, want the live folder, then the finished one", tok, list)
		}
		if pass == nil || !pass.HttpOnly || pass.SameSite != http.SameSiteStrictMode || pass.Path != "/recordings" || pass.MaxAge != 3600 {
			t.Errorf("%s: pass %+v", tok, pass)
		}
		for _, s := range secrets {
			if strings.Contains(pass.Value, s) {
				t.Error("the pass holds a token")
			}
		}
	}
	list, _ := fx.list(t, "secretary-secret")
	live, done := list[0], list[1]
	if live.State != "recording" || live.Zip != "" || live.Rooms.Attended != nil || live.Minutes {
		t.Errorf("live folder %+v", live)
	}
	man, _ := recording.ReadManifest(filepath.Join(fx.dir, fx.finished))
	if done.State != "finished" || !done.Minutes || done.Rooms.Expected != 3 || done.Rooms.Attended == nil || *done.Rooms.Attended != 2 ||
		done.Meeting.TitleHi == "" || done.DurationS != recordingtest.Length.Seconds() || done.Zip != "/recordings/"+fx.finished+".zip" ||
		done.RecordingEndedAt != man.RecordingEndedAt {
		t.Errorf("finished folder %+v", done)
	}
	kinds := map[string]File{}
	for _, f := range done.Files {
		kinds[f.Kind+":"+f.Room] = f
	}
	for _, k := range []string{"minutes:", "minutes_md:", "attendance:", "mix:", "room:ranchi", "room:dumka", "manifest:", "events:"} {
		if _, ok := kinds[k]; !ok {
			t.Errorf("no %s file listed", k)
		}
	}
	if mix := kinds["mix:"]; mix.SHA256 != man.Mix.SHA256 || mix.URL != "/recordings/"+fx.finished+"/mix.ogg" || mix.Bytes != man.Mix.Bytes {
		t.Errorf("mix %+v", mix)
	}
	if r := kinds["room:dumka"]; r.Name != "Dumka" || r.NameHi != "दुमका" || r.URL != "/recordings/"+fx.finished+"/rooms/dumka.ogg" {
		t.Errorf("dumka %+v", r)
	}

	// The hand-off's last outcome for each part shows.
	at := time.Now()
	recording.AppendEvents(filepath.Join(fx.dir, fx.finished),
		recording.Event{At: at.Add(-time.Second), Event: recording.EventHandoffFailed, Target: "webhook", Reason: "receiver answered 503"},
		recording.Event{At: at, Event: recording.EventHandoffDone, Target: "s3"})
	list, _ = fx.list(t, "staff-secret")
	if h := list[1].Handoff; len(h) != 2 || h[0].Target != "webhook" || h[0].OK || h[0].Reason != "receiver answered 503" || !h[1].OK ||
		!h[1].At.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("hand-off %+v", h)
	}
	checkNoSecrets(t, fx.logs.String())
}

func checkNoSecrets(t *testing.T, logs string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds a token (%s…)", s[:4])
		}
	}
}

func TestFilesWithRangesAndPasses(t *testing.T) {
	fx := newFixture(t)
	_, pass := fx.list(t, "secretary-secret")
	cookie := PassCookie + "=" + pass.Value
	base := "/recordings/" + fx.finished + "/"
	mix, _ := os.ReadFile(filepath.Join(fx.dir, fx.finished, "mix.ogg"))

	res, body := fx.get(t, base+"mix.ogg", "", "Cookie", cookie)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, mix) || res.Header.Get("Content-Type") != "audio/ogg" ||
		res.Header.Get("Accept-Ranges") != "bytes" || res.Header.Get("Content-Disposition") != `inline; filename=`+fx.finished+`-mix.ogg` {
		t.Errorf("mix.ogg: %s %v", res.Status, res.Header)
	}
	res, body = fx.get(t, base+"rooms/ranchi.ogg", "", "Cookie", cookie, "Range", "bytes=1000-1999")
	room, _ := os.ReadFile(filepath.Join(fx.dir, fx.finished, "rooms", "ranchi.ogg"))
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, room[1000:2000]) ||
		res.Header.Get("Content-Range") != "bytes 1000-1999/"+strconv.Itoa(len(room)) {
		t.Errorf("range: %s %q, %d bytes", res.Status, res.Header.Get("Content-Range"), len(body))
	}
	res, _ = fx.get(t, base+"rooms/ranchi.ogg?download=1", "staff-secret")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("download: %s %q", res.Status, res.Header.Get("Content-Disposition"))
	}
	res, body = fx.get(t, base+"attendance.csv", "", "Cookie", cookie)
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") || !bytes.Contains(body, []byte("palamu")) {
		t.Errorf("attendance.csv: %v", res.Header)
	}
	res, _ = fx.get(t, base+"minutes.html", "", "Cookie", cookie)
	if res.Header.Get("Content-Type") != "text/html; charset=utf-8" || res.Header.Get("Content-Security-Policy") != htmlCSP {
		t.Errorf("minutes.html: %v", res.Header)
	}
	res, _ = fx.get(t, base+"meeting.json", "", "Cookie", cookie)
	if res.Header.Get("Content-Type") != "application/json" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("meeting.json: %v", res.Header)
	}

	// Refused: no pass, a forged or a room's, an expired one.
	for name, hdr := range map[string][]string{
		"nothing":      nil,
		"forged pass":  {"Cookie", PassCookie + "=staff.99999999999." + strings.Repeat("A", 43)},
		"altered pass": {"Cookie", PassCookie + "=" + strings.Replace(pass.Value, "secretary.", "staff.", 1)},
		"room token":   {"Authorization", "Bearer ranchi-secret"},
	} {
		res, body := fx.get(t, base+"mix.ogg", "", hdr...)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "रिकॉर्डिंग") {
			t.Errorf("%s: %s", name, res.Status)
		}
	}
	fx.a.now = func() time.Time { return time.Now().Add(DefaultPassTTL + time.Second) }
	if res, _ := fx.get(t, base+"mix.ogg", "", "Cookie", cookie); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired pass: %s", res.Status)
	}
	fx.a.now = time.Now

	// Nothing outside a folder's regular files.
	folder := filepath.Join(fx.dir, fx.finished)
	os.Symlink("/etc/passwd", filepath.Join(folder, "passwd.ogg"))
	os.WriteFile(filepath.Join(folder, ".hidden"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(folder, "mix.ogg.tmp"), []byte("x"), 0o644)
	if err := mkfifo(filepath.Join(folder, "fifo.ogg")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{base + "passwd.ogg", base + ".hidden", base + "mix.ogg.tmp", base + "fifo.ogg", base + "rooms",
		base + "..%2f" + fx.live + "/meeting.json", "/recordings/..%2f..%2fetc/passwd", "/recordings/" + fx.finished + "/%2e%2e/notes.txt",
		"/recordings/not-a-recording.zip", "/recordings/" + fx.finished + "/nope.ogg"} {
		start := time.Now()
		res, body := fx.get(t, p, "staff-secret")
		if res.StatusCode == http.StatusOK || bytes.Contains(body, []byte("root:")) || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %s after %v", p, res.Status, time.Since(start))
		}
	}
	checkNoSecrets(t, fx.logs.String())
}

func TestZip(t *testing.T) {
	fx := newFixture(t)
	_, pass := fx.list(t, "staff-secret")
	cookie := PassCookie + "=" + pass.Value
	res, body := fx.get(t, "/recordings/"+fx.finished+".zip", "", "Cookie", cookie)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		res.Header.Get("Content-Disposition") != "attachment; filename="+fx.finished+".zip" {
		t.Fatalf("zip: %s %v", res.Status, res.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(fx.dir, fx.finished)
	seen := 0
	for _, zf := range zr.File {
		rel, ok := strings.CutPrefix(zf.Name, fx.finished+"/")
		if !ok {
			t.Errorf("%s is outside the folder's name", zf.Name)
			continue
		}
		want, err := os.ReadFile(filepath.Join(folder, filepath.FromSlash(rel)))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		r, _ := zf.Open()
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs in the zip", rel)
		}
		if strings.HasSuffix(rel, ".ogg") && zf.Method != zip.Store {
			t.Errorf("%s is compressed", rel)
		}
		seen++
	}
	var files int
	filepath.WalkDir(folder, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files++
		}
		return nil
	})
	if seen != files || files < 10 {
		t.Errorf("the zip holds %d files, the folder %d", seen, files)
	}
	if res, _ := fx.get(t, "/recordings/"+fx.live+".zip", "staff-secret"); res.StatusCode != http.StatusConflict {
		t.Errorf("a live recording's zip: %s", res.Status)
	}
	if res, _ := fx.get(t, "/recordings/"+fx.finished+".zip", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("zip without a pass: %s", res.Status)
	}
}

// TestGuessingIsSlowed: past failed_joins_per_ip wrong codes an address
// waits a second a try; the right code still works.
func TestGuessingIsSlowed(t *testing.T) {
	fx := newFixture(t)
	for i := 0; i < 3; i++ {
		if res, _ := fx.get(t, "/api/recordings", "guess"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %s", i, res.Status)
		}
	}
	start := time.Now()
	res, _ := fx.get(t, "/api/recordings", "guess")
	if res.StatusCode != http.StatusTooManyRequests || time.Since(start) < time.Second {
		t.Errorf("a fourth guess: %s after %v", res.Status, time.Since(start))
	}
	start = time.Now()
	if list, _ := fx.list(t, "secretary-secret"); len(list) != 2 || time.Since(start) < time.Second {
		t.Errorf("the right code from a slowed address: %d recordings after %v", len(list), time.Since(start))
	}
}
