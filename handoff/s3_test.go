package handoff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/samvad/samvad/internal/recordingtest"
	"github.com/samvad/samvad/internal/s3test"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/recording"
)

func s3Config(srv *s3test.Server, bucket string) meeting.OnFinished {
	return meeting.OnFinished{S3: &meeting.S3{Endpoint: srv.URL, Bucket: bucket, Prefix: "jmm/", AccessKey: s3test.AccessKey,
		SecretKey: meeting.PlainToken(s3test.SecretKey)}}
}

// inBucket downloads every object under the folder's prefix and returns
// each one's SHA-256 by its path in the folder, looked at with a client of
// its own, not the uploader's.
func inBucket(t *testing.T, srv *s3test.Server, bucket, prefix string) map[string]string {
	t.Helper()
	c := srv.Client()
	ctx := context.Background()
	out := map[string]string{}
	for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		r, err := c.GetObject(ctx, bucket, obj.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			t.Fatalf("%s: %v", obj.Key, err)
		}
		r.Close()
		out[strings.TrimPrefix(obj.Key, prefix)] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// checkBucket fails unless the bucket holds exactly the folder's files,
// each with the checksum meeting.json (for the audio) or the file itself
// gives.
func checkBucket(t *testing.T, srv *s3test.Server, f *Folder) {
	t.Helper()
	got := inBucket(t, srv, "minutes", "jmm/"+f.ID+"/")
	want := manifestSums(f.Manifest)
	if len(got) != len(f.Files) {
		t.Errorf("the bucket holds %d objects, the folder %d files", len(got), len(f.Files))
	}
	for _, file := range f.Files {
		if got[file.Path] != file.SHA256 {
			t.Errorf("%s: bucket %q, folder %s", file.Path, got[file.Path], file.SHA256)
		}
		if sum, ok := want[file.Path]; ok && got[file.Path] != sum {
			t.Errorf("%s: bucket %q, meeting.json %s", file.Path, got[file.Path], sum)
		}
	}
}

func TestS3UploadVerifiedAndIdempotent(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket("minutes")
	dir := recordingtest.Finished(t, t.TempDir())
	before := sums(t, dir)
	f, err := ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}

	outs, err := Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "minutes"), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if r := outs[0].S3; r.Uploaded != len(f.Files) || r.Skipped != 0 || r.Passes != 1 {
		t.Errorf("first upload %+v, want %d files sent in one pass", r, len(f.Files))
	}
	checkBucket(t, srv, f)
	st, err := srv.Client().StatObject(context.Background(), "minutes", "jmm/"+f.ID+"/mix.ogg", minio.StatObjectOptions{})
	if err != nil || st.ContentType != "audio/ogg" {
		t.Errorf("mix.ogg's content type %q (%v)", st.ContentType, err)
	}

	// Again: nothing is sent twice but events.jsonl, which now holds the
	// first upload's outcome.
	f2, _ := ReadFolder(dir)
	outs, err = Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "minutes"), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if r := outs[0].S3; r.Uploaded != 1 || r.Skipped != len(f.Files)-1 {
		t.Errorf("second upload %+v, want only events.jsonl sent", r)
	}
	checkBucket(t, srv, f2)
	sameFiles(t, before, sums(t, dir))
	evs := handoffEvents(t, dir)
	if len(evs) != 2 || evs[0].Event != recording.EventHandoffDone || evs[0].Target != TargetS3 ||
		!strings.Contains(string(evs[0].Stats), `"uploaded":`) || !strings.Contains(evs[1].Text, "there already") {
		t.Errorf("events %+v", evs)
	}

	// A bucket that does not exist fails at once, saying so.
	start := time.Now()
	_, err = Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "no-such-bucket"), Retry: fastRetry})
	if err == nil || !strings.Contains(err.Error(), "no such bucket") || time.Since(start) > 10*time.Second {
		t.Errorf("missing bucket: %v", err)
	}
	// A wrong secret key is refused by the store and never shown.
	o := s3Config(srv, "minutes")
	o.S3.SecretKey = meeting.PlainToken("not-the-secret-key")
	_, err = Run(context.Background(), dir, Config{OnFinished: o, Retry: Retry{Attempts: 1}})
	if err == nil || strings.Contains(err.Error(), "not-the-secret-key") {
		t.Errorf("wrong key: %v", err)
	}
	sameFiles(t, before, sums(t, dir))
}

// killer kills the store once the upload of key is half-way.
type killer struct {
	srv    *s3test.Server
	key    string
	once   sync.Once
	killed chan struct{}
}

func newKiller(srv *s3test.Server, key string) *killer {
	return &killer{srv: srv, key: key, killed: make(chan struct{})}
}

func (k *killer) progress(key string, sent, total int64) {
	if strings.HasSuffix(key, k.key) && sent >= total/2 && sent < total {
		k.once.Do(func() {
			k.srv.Kill()
			close(k.killed)
		})
	}
}

// TestS3StoreDiesHalfWay: the store is killed in the middle of an object.
// The hand-off fails with what it had verified so far, the folder is
// untouched, and the next hand-off (as `samvad report --hand-off` after a
// crash) sends only what is missing.
func TestS3StoreDiesHalfWay(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket("minutes")
	dir := recordingtest.Finished(t, t.TempDir())
	before := sums(t, dir)
	f, err := ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The audio goes first, in path order: mix.ogg, rooms/dumka.ogg, then
	// rooms/ranchi.ogg, cut half-way.
	if f.Files[0].Path != "mix.ogg" || f.Files[2].Path != "rooms/ranchi.ogg" {
		t.Fatalf("delivery order %v", f.Files[:3])
	}
	k := newKiller(srv, "rooms/ranchi.ogg")
	start := time.Now()
	outs, err := Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "minutes"), Retry: Retry{Attempts: 1}, Progress: k.progress})
	if err == nil {
		t.Fatal("the upload succeeded with the store killed half-way")
	}
	t.Logf("store killed half-way: %v (after %v)", err, time.Since(start))
	select {
	case <-k.killed:
	default:
		t.Fatal("the store was never killed")
	}
	if r := outs[0].S3; r.Uploaded != 2 || time.Since(start) > 30*time.Second {
		t.Errorf("cut short: %+v after %v, want the two objects before the cut", r, time.Since(start))
	}
	evs := handoffEvents(t, dir)
	if len(evs) != 1 || evs[0].Event != recording.EventHandoffFailed || !strings.Contains(string(evs[0].Stats), `"uploaded":2`) {
		t.Errorf("events %+v", evs)
	}
	sameFiles(t, before, sums(t, dir))

	srv.Restart()
	// What the store kept is whole: the cut object is not there at all.
	got := inBucket(t, srv, "minutes", "jmm/"+f.ID+"/")
	if len(got) != 2 || got["mix.ogg"] != f.Files[0].SHA256 || got["rooms/dumka.ogg"] != f.Files[1].SHA256 {
		t.Errorf("after the kill the bucket holds %v", got)
	}
	f2, _ := ReadFolder(dir)
	outs, err = Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "minutes"), Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if r := outs[0].S3; r.Skipped != 2 || r.Uploaded != len(f.Files)-2 {
		t.Errorf("resumed upload %+v, want 2 skipped and %d sent", r, len(f.Files)-2)
	}
	checkBucket(t, srv, f2)
	sameFiles(t, before, sums(t, dir))
}

// TestS3StoreComesBack: the store dies half-way and is back a moment
// later; the same hand-off tries again and finishes, sending each object
// once.
func TestS3StoreComesBack(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket("minutes")
	dir := recordingtest.Finished(t, t.TempDir())
	f, err := ReadFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := newKiller(srv, "rooms/ranchi.ogg")
	type result struct {
		outs []Outcome
		err  error
	}
	done := make(chan result, 1)
	go func() {
		outs, err := Run(context.Background(), dir, Config{OnFinished: s3Config(srv, "minutes"),
			Retry: Retry{Attempts: 8, First: 300 * time.Millisecond, Max: 2 * time.Second}, Progress: k.progress})
		done <- result{outs, err}
	}()
	select {
	case <-k.killed:
	case r := <-done:
		t.Fatalf("the upload ended before the store was killed: %v", r.err)
	case <-time.After(60 * time.Second):
		t.Fatal("the store was never killed")
	}
	// Back after minio-go's own quick retries have given up: the
	// hand-off's next pass finds it.
	time.Sleep(3 * time.Second)
	srv.Restart()
	var r result
	select {
	case r = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the upload did not finish after the store came back")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if s := r.outs[0].S3; s.Passes < 2 || s.Uploaded != len(f.Files) || s.Skipped < 2 {
		t.Errorf("upload %+v, want more than one pass, each of the %d files sent once", s, len(f.Files))
	}
	// The folder as it was handed off (events.jsonl grew since).
	f2, _ := ReadFolder(dir)
	got := inBucket(t, srv, "minutes", "jmm/"+f.ID+"/")
	for _, file := range f2.Files {
		if file.Path != recording.EventsFile && got[file.Path] != file.SHA256 {
			t.Errorf("%s: bucket %q, folder %s", file.Path, got[file.Path], file.SHA256)
		}
	}
}
