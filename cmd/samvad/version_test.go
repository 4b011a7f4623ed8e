package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionCommand runs `samvad version` as a user does: it names the Go
// and the system, and says what it knows of the commit.
func TestVersionCommand(t *testing.T) {
	var out, errs strings.Builder
	if err := run(context.Background(), []string{"version"}, &env{stdout: &out, stderr: &errs}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "samvad ") || len(lines[0]) <= len("samvad ") {
		t.Fatalf("version said:\n%s", got)
	}
	for _, want := range []string{"  commit:  ", "  go:      " + runtime.Version(), "  os/arch: " + runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(got, want) {
			t.Errorf("version does not say %q:\n%s", want, got)
		}
	}
	var alias strings.Builder
	if err := run(context.Background(), []string{"--version"}, &env{stdout: &alias, stderr: &errs}); err != nil || alias.String() != got {
		t.Errorf("--version: %v\n%s", err, alias.String())
	}
}

// TestVersionFromBuildInfo: what go build records in a git clone, and the
// release stamps of tools/dist, which win.
func TestVersionFromBuildInfo(t *testing.T) {
	bi, err := debug.ParseBuildInfo("path\tgithub.com/samvad/samvad/cmd/samvad\n" +
		"mod\tgithub.com/samvad/samvad\tv0.0.0-20261202121243-f8e318fe5871\t\n" +
		"build\tvcs=git\nbuild\tvcs.revision=f8e318fe587164f3d32f814ca7184eb5bce2d8f5\n" +
		"build\tvcs.time=2026-12-02T12:12:43Z\nbuild\tvcs.modified=true\n")
	if err != nil {
		t.Fatal(err)
	}
	bi.GoVersion = "go1.26.8" // ParseBuildInfo leaves it out
	var out strings.Builder
	printVersion(&out, buildOf(bi, "", "", "", ""))
	want := "samvad v0.0.0-20261202121243-f8e318fe5871\n" +
		"  commit:  f8e318fe587164f3d32f814ca7184eb5bce2d8f5 (2026-12-02T12:12:43Z), with uncommitted changes\n" +
		"  go:      go1.26.8\n" +
		"  os/arch: " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if out.String() != want {
		t.Errorf("from the build info:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	printVersion(&out, buildOf(bi, "v1.0.0", "d8d486a1c2f3d8d486a1c2f3d8d486a1c2f3d8d4", "2026-12-01T09:00:00Z", ""))
	if !strings.HasPrefix(out.String(), "samvad v1.0.0\n  commit:  d8d486a1c2f3d8d486a1c2f3d8d486a1c2f3d8d4 (2026-12-01T09:00:00Z)\n") {
		t.Errorf("with the release stamps:\n%s", out.String())
	}

	out.Reset()
	printVersion(&out, buildOf(nil, "", "", "", ""))
	if !strings.HasPrefix(out.String(), "samvad (devel)\n  commit:  unknown") {
		t.Errorf("with nothing known:\n%s", out.String())
	}
}
