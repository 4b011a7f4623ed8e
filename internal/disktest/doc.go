// Package disktest gives tests real directories: a new one opened as an
// os.Root, and a file system that fills up: a small tmpfs mounted for the
// test (Linux, as root; the test is skipped otherwise) and a filler file
// that takes every block left, so that the kernel itself refuses writes
// with ENOSPC.
package disktest
