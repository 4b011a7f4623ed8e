//go:build !linux

package testproc

import "syscall"

// DieWithParent: only Linux can tie a child's life to its parent's; on
// other systems a server outlives a test binary killed by its timeout (the
// tests' cleanups still kill it on every normal end).
func DieWithParent() *syscall.SysProcAttr { return nil }
