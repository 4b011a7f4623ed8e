package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Release stamps, set by go run ./tools/dist with -ldflags -X (never
// written at run time). Other builds leave them empty and report what the
// Go toolchain recorded instead: go build in a git clone records the
// commit, but not in a git worktree or with -buildvcs=false, and not in
// go run's or go test's binaries.
var (
	version    string // git describe, e.g. v1.2.0 or v1.2.0-3-gd8d486a-dirty
	commit     string // the full commit hash
	commitTime string // the commit's time, RFC 3339
	modified   string // "true" when built with uncommitted changes
)

func runVersion(_ context.Context, args []string, e *env) error {
	fs := newFlags("version", e)
	if err := fs.Parse(args); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	printVersion(e.stdout, buildOf(bi, version, commit, commitTime, modified))
	return nil
}

// build is what version says of this samvad.
type build struct {
	version, commit, commitTime string
	modified                    bool
	goVersion                   string
}

// buildOf reads the build info, and lets the release stamps win where
// they are set.
func buildOf(bi *debug.BuildInfo, version, commit, commitTime, modified string) build {
	b := build{goVersion: runtime.Version()}
	if bi != nil {
		b.version, b.goVersion = bi.Main.Version, bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.commit = s.Value
			case "vcs.time":
				b.commitTime = s.Value
			case "vcs.modified":
				b.modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		b.version = version
	}
	if commit != "" {
		b.commit, b.commitTime, b.modified = commit, commitTime, modified == "true"
	}
	if b.version == "" {
		b.version = "(devel)"
	}
	return b
}

// printVersion says which samvad this is, for a bug report or to check a
// download: its version, the commit it was built from, the Go that built
// it, and the system it is for.
func printVersion(w io.Writer, b build) {
	fmt.Fprintf(w, "samvad %s\n", b.version)
	switch {
	case b.commit == "":
		fmt.Fprintln(w, "  commit:  unknown (built without version control information)")
	case b.modified:
		fmt.Fprintf(w, "  commit:  %s (%s), with uncommitted changes\n", b.commit, b.commitTime)
	default:
		fmt.Fprintf(w, "  commit:  %s (%s)\n", b.commit, b.commitTime)
	}
	fmt.Fprintf(w, "  go:      %s\n", b.goVersion)
	fmt.Fprintf(w, "  os/arch: %s/%s\n", runtime.GOOS, runtime.GOARCH)
}
