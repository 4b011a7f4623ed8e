// Package testproc holds what the tests' helper servers (livekit-server,
// redis-server, versitygw) need from the operating system to start as
// children of a test binary.
package testproc
