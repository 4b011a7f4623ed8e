package livekittest

import "syscall"

// dieWithParent has the kernel kill a server when the test binary dies, so
// that a test killed by its timeout leaves no server holding its ports.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
