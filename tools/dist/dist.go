package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// SumsFile is the name of the checksum list in the output folder.
const SumsFile = "SHA256SUMS"

// allTargets are the systems the downloads are for: Windows and macOS
// laptops of IT staff (Intel and ARM), and Linux servers (amd64 and arm64).
func allTargets() []string {
	return []string{"windows/amd64", "windows/arm64", "darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"}
}

// ErrBadTarget is returned for a target that is not GOOS/GOARCH of the
// systems samvad is built for.
var ErrBadTarget = errors.New("unknown target")

type target struct{ goos, goarch string }

// fileName is what a user downloads: the system by the name its users
// know ("macos", not "darwin"), and .exe for Windows.
func (t target) fileName() string {
	osName := t.goos
	if osName == "darwin" {
		osName = "macos"
	}
	name := "samvad-" + osName + "-" + t.goarch
	if t.goos == "windows" {
		name += ".exe"
	}
	return name
}

func parseTargets(s string) ([]target, error) {
	var ts []target
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allTargets(), f) {
			return nil, fmt.Errorf("%w %q: want one of %s", ErrBadTarget, f, strings.Join(allTargets(), ", "))
		}
		goos, goarch, _ := strings.Cut(f, "/")
		ts = append(ts, target{goos, goarch})
	}
	return ts, nil
}

// stamps are what `samvad version` prints of a release build.
type stamps struct {
	version, commit, commitTime string
	modified                    bool
}

// stampsOf asks git about the checkout; outside one (a source archive)
// the commit stays unknown and the version is "dev" unless given.
func stampsOf(ctx context.Context, version string) stamps {
	git := func(args ...string) string {
		out, err := exec.CommandContext(ctx, "git", args...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	st := stamps{version: version, commit: git("rev-parse", "HEAD")}
	if st.commit != "" {
		if t, err := time.Parse(time.RFC3339, git("log", "-1", "--format=%cI")); err == nil {
			st.commitTime = t.UTC().Format(time.RFC3339)
		}
		st.modified = git("status", "--porcelain") != ""
	}
	if st.version == "" {
		st.version = git("describe", "--tags", "--always", "--dirty")
	}
	if st.version == "" {
		st.version = "dev"
	}
	return st
}

// ldflags sets cmd/samvad's release stamps (cmd/samvad/version.go).
func (st stamps) ldflags() string {
	modified := ""
	if st.modified {
		modified = "true"
	}
	return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.commitTime=%s -X main.modified=%s",
		st.version, st.commit, st.commitTime, modified)
}

type options struct {
	out     string
	targets []target
	stamps  stamps
	// release builds with -trimpath and CGO_ENABLED=0, as downloads are.
	// The tests build without, as plain go build does, to link from the
	// build cache their packages' tests filled (measured: 9 s against 5 min
	// for a first -trimpath build on a shared two-core machine).
	release bool
	log     io.Writer
}

// command is the go command that builds one target's binary into path.
func (o options) command(ctx context.Context, t target, path string) *exec.Cmd {
	args := []string{"build"}
	if o.release {
		args = append(args, "-trimpath")
	}
	args = append(args, "-ldflags", o.stamps.ldflags(), "-o", path, "./cmd/samvad")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOOS="+t.goos, "GOARCH="+t.goarch)
	if o.release {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	return cmd
}

// build builds every target into o.out and writes SumsFile for them; it
// returns the files' names, sorted.
func build(ctx context.Context, o options) ([]string, error) {
	if strings.ContainsAny(o.stamps.version, " \t\n'\"") {
		return nil, fmt.Errorf("version %q: no spaces or quotes", o.stamps.version)
	}
	if _, err := os.Stat(filepath.Join("cmd", "samvad", "main.go")); err != nil {
		return nil, fmt.Errorf("run dist from samvad's module root: %w", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, t := range o.targets {
		name := t.fileName()
		start := time.Now()
		cmd := o.command(ctx, t, filepath.Join(o.out, name))
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = o.log, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build %s/%s: %w\n%s", t.goos, t.goarch, err, stderr.Bytes())
		}
		fi, err := os.Stat(filepath.Join(o.out, name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.log, "%-28s %5.1f MB  built in %s\n", name, float64(fi.Size())/1e6, time.Since(start).Round(time.Second))
		names = append(names, name)
	}
	slices.Sort(names)
	sums, err := sumsOf(o.out, names)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.out, SumsFile), sums, 0o644); err != nil {
		return nil, err
	}
	return names, nil
}

// sumsOf is the checksum list of the named files in dir, one line each as
// sha256sum writes them: the hex digest, two spaces (text mode, which is
// what sha256sum -c and shasum -c read on every system), the name.
func sumsOf(dir string, names []string) ([]byte, error) {
	var b bytes.Buffer
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("checksum %s: %w", name, err)
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
	}
	return b.Bytes(), nil
}
