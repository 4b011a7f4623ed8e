package testproc

import "syscall"

// DieWithParent has the kernel kill a server when the test binary dies, so
// that a test killed by its timeout leaves no server holding its ports.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
