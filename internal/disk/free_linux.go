package disk

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// Free is the space left for this process on the file system that holds
// dir, in bytes: the blocks an unprivileged user may still take (what df
// calls "Avail"), not the ones kept back for root.
func Free(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, &fs.PathError{Op: "statfs", Path: dir, Err: err}
	}
	// Linux counts blocks in fragments, which are the block size on every
	// common file system; an old kernel that leaves Frsize 0 means Bsize.
	size := int64(st.Frsize)
	if size <= 0 {
		size = int64(st.Bsize)
	}
	return int64(st.Bavail) * size, nil
}
