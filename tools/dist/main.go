// Command dist builds the samvad downloads: one binary for each system IT
// staff use, stamped with its version, and their SHA-256 sums.
//
// Run it from the module root:
//
//	go run ./tools/dist                      # all six into dist/
//	go run ./tools/dist -version v1.0.0      # a release's own name for the version
//	go run ./tools/dist -targets linux/amd64,windows/amd64
//
// Each binary is built with -trimpath (no build machine's paths inside),
// CGO_ENABLED=0 (samvad has no cgo: one file, nothing to install), -s -w
// (no symbol table: a smaller download; panics still have their stack
// traces) and the version stamps `samvad version` prints: -version, or git
// describe; the commit, its time, and whether the checkout had uncommitted
// changes. dist/SHA256SUMS lists the files as sha256sum writes them, so
// `sha256sum -c SHA256SUMS` (Linux), `shasum -a 256 -c SHA256SUMS` (macOS)
// or Get-FileHash (Windows) checks a download.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
)

func main() {
	out := flag.String("out", "dist", "folder for the binaries and SHA256SUMS")
	ver := flag.String("version", "", "the version to stamp (default: git describe --tags --always --dirty)")
	targets := flag.String("targets", strings.Join(allTargets(), ","), "comma-separated GOOS/GOARCH pairs")
	flag.Parse()
	log.SetFlags(0)

	ts, err := parseTargets(*targets)
	if err != nil {
		log.Fatalf("dist: %v", err)
	}
	ctx := context.Background()
	st := stampsOf(ctx, *ver)
	files, err := build(ctx, options{out: *out, targets: ts, stamps: st, release: true, log: os.Stdout})
	if err != nil {
		log.Fatalf("dist: %v", err)
	}
	fmt.Printf("samvad %s: %d files and %s in %s\n", st.version, len(files), SumsFile, *out)
}
