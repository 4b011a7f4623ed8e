// Package s3test starts a real S3-compatible server for tests: versitygw
// with its posix backend, its buckets and their metadata in temporary
// folders, on a loopback port of its own.
//
// versitygw is not a Go dependency of samvad: it is built once with
// `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` into a
// cache outside the checkout (.ci/run does it), and found through
// $SAMVAD_VERSITYGW, `versitygw` on the PATH, or that cache. Without it
// the tests that need it skip, unless $SAMVAD_REQUIRE_VERSITYGW is set (CI
// sets it), when they fail.
package s3test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/samvad/samvad/internal/testproc"
)

// Version is the versitygw samvad is tested against.
const Version = "v1.8.0"

// AccessKey and SecretKey are the root account of every test server.
const (
	AccessKey = "samvad-test"
	SecretKey = "samvad-test-secret-key"
)

// Binary finds versitygw.
func Binary() (string, error) {
	if p := os.Getenv("SAMVAD_VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	if cache, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(cache, "samvad", "versitygw-"+Version, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found: build it with " +
		"`GOBIN=$HOME/.cache/samvad/versitygw-" + Version + " go install github.com/versity/versitygw/cmd/versitygw@" + Version +
		"` or set SAMVAD_VERSITYGW")
}

// Server is one versitygw process and the folders it serves from; it can
// be killed and started again on the same port and folders, as a store
// that crashed and came back.
type Server struct {
	// Addr is host:port; URL is http://Addr.
	Addr, URL string
	// Data is the posix backend's root: a bucket is a folder in it.
	Data string

	t         testing.TB
	bin, meta string
	log       string
	cmd       *exec.Cmd
	done      chan struct{}
}

// Start starts versitygw and waits until it answers; the test's cleanup
// stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("SAMVAD_REQUIRE_VERSITYGW") != "" {
			t.Fatalf("versitygw: %v (SAMVAD_REQUIRE_VERSITYGW is set)", err)
		}
		t.Skipf("versitygw: %v", err)
	}
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, Data: filepath.Join(dir, "data"), meta: filepath.Join(dir, "meta"), log: filepath.Join(dir, "versitygw.log")}
	for _, d := range []string{s.Data, s.meta} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	l.Close()
	s.URL = "http://" + s.Addr
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			data, _ := os.ReadFile(s.log)
			t.Logf("versitygw log (end):\n%s", tail(string(data), 2000))
		}
	})
	s.Restart()
	return s
}

// Restart starts the server again (after Kill) on the same port and
// folders.
func (s *Server) Restart() {
	s.t.Helper()
	logf, err := os.OpenFile(s.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	// Metadata (checksums, user metadata) goes to a sidecar folder, so
	// the tests need no extended attributes on the temporary folder's
	// file system.
	s.cmd = exec.Command(s.bin, "--port", s.Addr, "--access", AccessKey, "--secret", SecretKey, "--quiet",
		"posix", "--sidecar", s.meta, s.Data)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = testproc.DieWithParent()
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.t.Fatalf("start versitygw: %v", err)
	}
	done := make(chan struct{})
	s.done = done
	go func(cmd *exec.Cmd) {
		cmd.Wait()
		logf.Close()
		close(done)
	}(s.cmd)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			data, _ := os.ReadFile(s.log)
			s.t.Fatalf("versitygw exited:\n%s", tail(string(data), 2000))
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("versitygw did not listen on %s", s.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the server at once, as kill -9 does, and waits for it.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Client is a minio-go client of the server, for a test to look with.
func (s *Server) Client() *minio.Client {
	s.t.Helper()
	c, err := minio.New(s.Addr, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""), TrailingHeaders: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// MakeBucket creates a bucket.
func (s *Server) MakeBucket(name string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Client().MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		s.t.Fatalf("make bucket %s: %v", name, err)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
