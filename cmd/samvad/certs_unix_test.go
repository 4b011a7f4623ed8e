//go:build unix

package main

import (
	"io"
	"log/slog"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/meetingtest"
)

// TestTLSReloadOnSIGHUP: SIGHUP loads the certificate files again at
// once, whatever the time of the next check.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, certSpec{serial: 1})
	srv, err := startTLS(t, dir, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	writeCert(t, dir, certSpec{serial: 2})
	if got := servedSerial(t, srv.baseURL); got != 1 {
		t.Fatalf("serving certificate %d before SIGHUP, want 1", got)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	meetingtest.WaitUntil(t, "the certificate reloaded on SIGHUP", 20*time.Second, func() bool { return servedSerial(t, srv.baseURL) == 2 })
}
