package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestBuildOneTarget builds this system's download with the release stamps
// and checks what a user checks: SHA256SUMS as sha256sum writes and reads
// it, and `samvad version` naming the stamped version and commit.
func TestBuildOneTarget(t *testing.T) {
	host := runtime.GOOS + "/" + runtime.GOARCH
	ts, err := parseTargets(host)
	if err != nil {
		t.Skipf("no download for %s to run here: %v", host, err)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on the PATH")
	}
	t.Chdir(filepath.Join("..", ".."))
	out := t.TempDir()
	st := stampsOf(context.Background(), "v9.9.9-test")
	names, err := build(context.Background(), options{out: out, targets: ts, stamps: st, log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	want := ts[0].fileName()
	if !slices.Equal(names, []string{want}) {
		t.Fatalf("built %v, want [%s]", names, want)
	}

	sums, err := os.ReadFile(filepath.Join(out, SumsFile))
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(filepath.Join(out, want))
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(bin)
	if got, want := string(sums), hex.EncodeToString(d[:])+"  "+want+"\n"; got != want {
		t.Fatalf("%s is\n%q\nwant\n%q", SumsFile, got, want)
	}
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		check := exec.Command(sha, "-c", SumsFile)
		check.Dir = out
		if b, err := check.CombinedOutput(); err != nil || !strings.Contains(string(b), want+": OK") {
			t.Errorf("sha256sum -c %s: %v\n%s", SumsFile, err, b)
		}
	}

	v, err := exec.Command(filepath.Join(out, want), "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", want, err)
	}
	if !strings.HasPrefix(string(v), "samvad v9.9.9-test\n") {
		t.Errorf("version said\n%s", v)
	}
	if st.commit != "" && !strings.Contains(string(v), "commit:  "+st.commit+" ("+st.commitTime+")") {
		t.Errorf("version does not name commit %s (%s):\n%s", st.commit, st.commitTime, v)
	}
	if st.commit != "" && strings.Contains(string(v), "uncommitted") != st.modified {
		t.Errorf("checkout modified: %v, but version said\n%s", st.modified, v)
	}
}

// TestReleaseCommand: the downloads are built with -trimpath, without cgo,
// for the target's system, and stamped.
func TestReleaseCommand(t *testing.T) {
	st := stamps{version: "v1.0.0", commit: "d8d486a1c2f3", commitTime: "2026-12-01T09:00:00Z", modified: true}
	o := options{stamps: st, release: true}
	cmd := o.command(context.Background(), target{"windows", "arm64"}, "dist/samvad-windows-arm64.exe")
	args := strings.Join(cmd.Args[1:], " ")
	want := "build -trimpath -ldflags -s -w -X main.version=v1.0.0 -X main.commit=d8d486a1c2f3 -X main.commitTime=2026-12-01T09:00:00Z -X main.modified=true -o dist/samvad-windows-arm64.exe ./cmd/samvad"
	if args != want {
		t.Errorf("go %s\nwant\ngo %s", args, want)
	}
	env := strings.Join(cmd.Env, "\n")
	for _, e := range []string{"GOOS=windows", "GOARCH=arm64", "CGO_ENABLED=0"} {
		if !regexp.MustCompile(`(?m)^` + e + `$`).MatchString(env) {
			t.Errorf("environment lacks %s", e)
		}
	}
}

func TestTargets(t *testing.T) {
	ts, err := parseTargets(strings.Join(allTargets(), ","))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range ts {
		names = append(names, tg.fileName())
	}
	want := []string{"samvad-windows-amd64.exe", "samvad-windows-arm64.exe", "samvad-macos-amd64", "samvad-macos-arm64", "samvad-linux-amd64", "samvad-linux-arm64"}
	if !slices.Equal(names, want) {
		t.Errorf("file names %v, want %v", names, want)
	}
	for _, bad := range []string{"plan9/amd64", "windows", "linux/386", ""} {
		if _, err := parseTargets(bad); !errors.Is(err, ErrBadTarget) {
			t.Errorf("parseTargets(%q): %v, want ErrBadTarget", bad, err)
		}
	}
}

// testWriter sends the build's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
