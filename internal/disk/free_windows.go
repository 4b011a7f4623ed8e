package disk

import (
	"io/fs"

	"golang.org/x/sys/windows"
)

// Free is the space left for this process on the volume that holds dir, in
// bytes: what GetDiskFreeSpaceEx gives the caller, after any disk quota of
// the user the service runs as.
func Free(dir string) (int64, error) {
	p, err := windows.UTF16PtrFromString(volumeQuery(dir))
	if err != nil {
		return 0, &fs.PathError{Op: "GetDiskFreeSpaceEx", Path: dir, Err: err}
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, &fs.PathError{Op: "GetDiskFreeSpaceEx", Path: dir, Err: err}
	}
	return int64(avail), nil
}
