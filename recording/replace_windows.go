package recording

import (
	"errors"

	"golang.org/x/sys/windows"
)

// renameInUse: a rename over (or of) a file that another handle holds open
// without FILE_SHARE_DELETE fails with a sharing violation, or with access
// denied when the file is pending deletion or mapped; a byte-range lock
// gives a lock violation.
func renameInUse(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
