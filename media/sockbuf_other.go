//go:build !linux

package media

import "github.com/pion/transport/v5"

// grantedReadBuffer is unknown outside Linux.
func grantedReadBuffer(transport.UDPConn) int { return -1 }
