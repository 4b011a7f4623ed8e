package archive

// mkfifo: Windows has no named pipes in the file system; the folder simply
// has no such file, and serving it must still fail.
func mkfifo(path string) error { return nil }
