package disktest

import (
	"os"
	"testing"
)

// TempRoot is a new empty directory for the test, opened as the os.Root
// that samvad's writers take, and the directory's path. The test's cleanup
// closes the root before the directory is removed.
func TempRoot(t testing.TB) (*os.Root, string) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root, dir
}
