package signaling

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxServerMessage bounds what a client accepts from the server: offers grow
// with the number of rooms a recorder hears.
const maxServerMessage = 8 << 20

// ErrClientClosed is returned by Send after the connection ended.
var ErrClientClosed = errors.New("signaling: connection closed")

// JoinError is the server's refusal of a join.
type JoinError struct {
	Code string
	Text string
}

func (e *JoinError) Error() string { return fmt.Sprintf("join refused: %s: %s", e.Code, e.Text) }

// Client is a connection to a samvad signalling server, as the bot, the
// simulator and the tests use it. One goroutine reads, one writes.
type Client struct {
	// Welcome is the server's answer to the join.
	Welcome Message

	ws   *websocket.Conn
	in   chan Message
	out  chan []byte
	done chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex
	err       error
	wg        sync.WaitGroup
}

// DialOption configures Dial.
type DialOption func(*websocket.Dialer, http.Header)

// WithTLSConfig sets the TLS configuration for wss URLs, for a private CA.
func WithTLSConfig(c *tls.Config) DialOption {
	return func(d *websocket.Dialer, _ http.Header) { d.TLSClientConfig = c }
}

// WithOrigin sends an Origin header, as a browser would.
func WithOrigin(origin string) DialOption {
	return func(_ *websocket.Dialer, h http.Header) { h.Set("Origin", origin) }
}

// RemoteAddr is the address the connection went to: the server, or the
// HTTP proxy on the way.
func (c *Client) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }

// Dial connects to url, joins with join and waits for the welcome. A refused
// join returns a *JoinError.
func Dial(ctx context.Context, url string, join Message, opts ...DialOption) (*Client, error) {
	d := &websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	h := http.Header{}
	for _, o := range opts {
		o(d, h)
	}
	ws, resp, err := d.DialContext(ctx, url, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("connect to %s: %w (HTTP %s)", url, err, resp.Status)
		}
		return nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	ws.SetReadLimit(maxServerMessage)
	join.Type = TypeJoin
	data, _ := json.Marshal(join)
	if dl, ok := ctx.Deadline(); ok {
		ws.SetWriteDeadline(dl)
		ws.SetReadDeadline(dl)
	} else {
		ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		ws.SetReadDeadline(time.Now().Add(DefaultPongTimeout))
	}
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		ws.Close()
		return nil, fmt.Errorf("send join: %w", err)
	}
	var welcome Message
	if err := ws.ReadJSON(&welcome); err != nil {
		ws.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wait for welcome: %w", ctx.Err())
		}
		return nil, fmt.Errorf("wait for welcome: %w", err)
	}
	if welcome.Type == TypeError {
		ws.Close()
		return nil, &JoinError{Code: welcome.Code, Text: welcome.Text}
	}
	if welcome.Type != TypeWelcome {
		ws.Close()
		return nil, fmt.Errorf("server answered join with %q, not welcome", welcome.Type)
	}
	ws.SetWriteDeadline(time.Time{})
	c := &Client{
		Welcome: welcome,
		ws:      ws,
		in:      make(chan Message, 256),
		out:     make(chan []byte, 256),
		done:    make(chan struct{}),
	}
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	return c, nil
}

// Messages delivers what the server sends; it is closed when the
// connection ends, after which Err tells why.
func (c *Client) Messages() <-chan Message { return c.in }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, once it has.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Send queues a message for the server.
func (c *Client) Send(m Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", m.Type, err)
	}
	select {
	case c.out <- data:
		return nil
	case <-c.done:
		return ErrClientClosed
	}
}

// Leave says goodbye, waits briefly for the server to close, and closes.
func (c *Client) Leave() error {
	if err := c.Send(Message{Type: TypeLeave}); err != nil {
		return c.Close()
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	return c.Close()
}

// Close ends the connection without a leave (the server reports the room
// dropped) and waits for the client's goroutines.
func (c *Client) Close() error {
	c.end(ErrClientClosed)
	c.wg.Wait()
	return nil
}

func (c *Client) end(err error) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
		c.ws.Close()
	})
}

func (c *Client) readLoop() {
	defer c.wg.Done()
	defer close(c.in)
	// The server pings every 10 s; silence for the pong timeout means it is
	// gone even if TCP has not noticed.
	c.ws.SetReadDeadline(time.Now().Add(DefaultPongTimeout))
	c.ws.SetPingHandler(func(data string) error {
		c.ws.SetReadDeadline(time.Now().Add(DefaultPongTimeout))
		err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.end(fmt.Errorf("signaling connection: %w", err))
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(DefaultPongTimeout))
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			continue // a newer server's message we cannot read
		}
		select {
		case c.in <- m:
		case <-c.done:
			return
		}
	}
}

func (c *Client) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case data := <-c.out:
			c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, data); err != nil {
				c.end(fmt.Errorf("signaling connection: %w", err))
				return
			}
		case <-c.done:
			return
		}
	}
}
