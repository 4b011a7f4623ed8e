//go:build !linux

package media

// GrowUDPBuffers: only Linux lets a process list its own sockets. On macOS
// the default buffer is larger, and Windows's grows on demand; the LiveKit
// bot there keeps the SDK's sockets as they are.
func GrowUDPBuffers(size int) (smallest, grown int, err error) {
	return -1, 0, ErrNotSupported
}
