package signaling

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/samvad/samvad/relay"
)

// strikeWindow: a second protocol error this soon after the first closes
// the connection. An honest client's one-off mistake is forgiven.
const strikeWindow = 10 * time.Second

// outgoing is one frame for the writer: a message, or the final close.
type outgoing struct {
	data      []byte
	final     bool
	closeCode int
	closeText string
}

// conn is one websocket client. Exactly one goroutine reads (serve) and one
// writes (writeLoop); everything else hands frames to the writer through
// send, and every hand-off selects on done so nothing blocks on a dead
// client.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	remote string
	ip     string
	log    atomic.Pointer[slog.Logger] // gains the session at join

	send       chan outgoing
	done       chan struct{} // closed when the reader has finished
	writerDone chan struct{}
	finalOnce  sync.Once
	closing    atomic.Bool // a final error or close is on its way

	// Owned by the reader goroutine.
	peer       *relay.Peer
	lastStrike time.Time
	rate       rateLimiter

	// Guarded by s.mu.
	joined  bool
	session string
	room    string
	role    string
	receive bool
	muted   bool
	ending  string // presence event when this session ends; "" means dropped
}

func newConn(s *Server, ws *websocket.Conn, remote string) *conn {
	c := &conn{
		s:          s,
		ws:         ws,
		remote:     remote,
		ip:         clientIP(remote),
		rate:       newRateLimiter(s.limits.MessagesPerSecond),
		send:       make(chan outgoing, sendQueue),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	c.log.Store(s.log.With("remote", remote))
	return c
}

func (c *conn) logger() *slog.Logger { return c.log.Load() }

// serve runs the connection: the writer on its own goroutine, the reader
// on this one.
func (c *conn) serve() {
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		c.writeLoop()
	}()
	joinTimer := time.AfterFunc(c.s.joinTimeout, func() {
		c.s.mu.Lock()
		joined := c.joined
		c.s.mu.Unlock()
		if !joined {
			c.fatal(CodeJoinTimeout, "join must be the first message, within "+c.s.joinTimeout.String())
		}
	})
	defer joinTimer.Stop()
	defer c.finish()

	c.ws.SetReadDeadline(time.Now().Add(c.s.pongTimeout))
	c.ws.SetPongHandler(func(string) error {
		if c.closing.Load() {
			return nil
		}
		return c.ws.SetReadDeadline(time.Now().Add(c.s.pongTimeout))
	})
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		if c.closing.Load() {
			c.drain()
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(c.s.pongTimeout))
		// Read one byte past the limit to tell "exactly 64 KiB" from "more".
		limit := c.frameLimit()
		data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
		if err != nil {
			return
		}
		if len(data) > limit {
			c.logger().Warn("frame too large")
			c.fatal(CodeTooLarge, fmt.Sprintf("frames are limited to %d KiB", limit>>10))
			c.drain()
			return
		}
		if !c.rate.allow(time.Now()) {
			if c.strike(CodeRateLimited, "too many messages: slow down") {
				return
			}
			continue
		}
		if typ != websocket.TextMessage {
			if c.strike(CodeBadMessage, "send JSON text frames") {
				return
			}
			continue
		}
		m, err := Decode(data)
		if err != nil {
			if c.strike(CodeBadMessage, err.Error()) {
				return
			}
			continue
		}
		if !c.handle(m) {
			c.drain()
			return
		}
	}
}

// frameLimit is the largest frame this connection may send now.
func (c *conn) frameLimit() int {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.joined && c.role == RoleRecorder {
		return MaxRecorderMessageSize
	}
	return MaxMessageSize
}

// drain runs once the connection is closing: the writer delivers the last
// error and the close frame, and the reader reads and discards what the
// peer still sends until it closes too, or for two seconds. Closing a socket
// with unread data would reset it, and the peer would lose the error that
// says why it was closed.
func (c *conn) drain() {
	select {
	case <-c.writerDone:
	case <-time.After(2 * time.Second):
	}
	deadline := time.Now().Add(2 * time.Second)
	c.ws.SetReadDeadline(deadline)
	for budget := int64(1 << 20); budget > 0 && time.Now().Before(deadline); {
		_, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		n, err := io.Copy(io.Discard, io.LimitReader(r, budget))
		budget -= n
		if err != nil {
			return
		}
	}
}

// strike answers a protocol error; a second one soon after closes the
// connection. It reports whether the connection is ending.
func (c *conn) strike(code, text string) bool {
	now := time.Now()
	repeat := !c.lastStrike.IsZero() && now.Sub(c.lastStrike) < strikeWindow
	c.lastStrike = now
	c.logger().Info("protocol error", "code", code, "msg", text, "closing", repeat)
	if repeat {
		c.fatal(code, text+" (again: closing)")
		c.drain()
		return true
	}
	c.sendMsg(Message{Type: TypeError, Code: code, Text: text})
	return false
}

// writeLoop writes queued frames and pings. After the final close frame it
// stops and gives the peer two seconds to answer before the reader closes
// the socket; on a write error it closes the socket at once, which
// unblocks the reader.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	ping := time.NewTicker(c.s.pingInterval)
	defer ping.Stop()
	for {
		select {
		case out := <-c.send:
			deadline := time.Now().Add(writeTimeout)
			if out.final {
				c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(out.closeCode, out.closeText), deadline)
				c.ws.SetReadDeadline(time.Now().Add(2 * time.Second))
				return
			}
			c.ws.SetWriteDeadline(deadline)
			if err := c.ws.WriteMessage(websocket.TextMessage, out.data); err != nil {
				c.ws.Close()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.ws.Close()
				return
			}
		case <-c.done:
			return
		}
	}
}

// sendMsg queues a message for the writer. A client that has fallen a whole
// queue behind is dropped rather than allowed to hold up the meeting.
func (c *conn) sendMsg(m Message) bool {
	data, err := json.Marshal(m)
	if err != nil {
		c.logger().Error("encode message", "type", m.Type, "err", err)
		return false
	}
	select {
	case c.send <- outgoing{data: data}:
		return true
	case <-c.done:
		return false
	default:
		c.logger().Warn("client too slow: dropping it")
		c.ws.Close()
		return false
	}
}

// fatal sends an error and then closes the connection.
func (c *conn) fatal(code, text string) {
	c.finalOnce.Do(func() {
		data, _ := json.Marshal(Message{Type: TypeError, Code: code, Text: text})
		closeCode := websocket.ClosePolicyViolation
		switch code {
		case CodeTooLarge:
			closeCode = websocket.CloseMessageTooBig
		case CodeShuttingDown:
			closeCode = websocket.CloseGoingAway
		case CodeReplaced:
			closeCode = websocket.CloseNormalClosure
		}
		c.closeWith([]outgoing{{data: data}, {final: true, closeCode: closeCode, closeText: code}})
	})
}

// closeNormally closes the connection without an error, after leave.
func (c *conn) closeNormally() {
	c.finalOnce.Do(func() {
		c.closeWith([]outgoing{{final: true, closeCode: websocket.CloseNormalClosure, closeText: "left"}})
	})
}

func (c *conn) closeWith(frames []outgoing) {
	c.closing.Store(true)
	for _, f := range frames {
		select {
		case c.send <- f:
		case <-c.done:
			return
		default:
			c.ws.Close()
			return
		}
	}
}
