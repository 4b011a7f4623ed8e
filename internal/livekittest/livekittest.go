// Package livekittest starts real LiveKit servers (and the Redis a
// cluster of them shares) for tests, on loopback ports of their own.
//
// The livekit-server binary is not a Go dependency of samvad: it is built
// once with `go install github.com/livekit/livekit-server/cmd/server@v1.13.5`
// into a cache outside the checkout (.ci/run does it), and found through
// $SAMVAD_LIVEKIT_SERVER, `livekit-server` on the PATH, or that cache.
// Without it the tests that need it skip, unless $SAMVAD_REQUIRE_LIVEKIT
// is set (CI sets it), when they fail.
package livekittest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/testproc"
)

// Version is the livekit-server samvad is tested against. Later 1.13.x
// releases need pion forks the Go module proxy does not serve.
const Version = "v1.13.5"

// Key and Secret are the API key pair every test server accepts.
const (
	Key    = "samvad-test"
	Secret = "samvad-test-secret-at-least-32-characters"
)

// Binary finds livekit-server.
func Binary() (string, error) {
	if p := os.Getenv("SAMVAD_LIVEKIT_SERVER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("livekit-server"); err == nil {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		p := filepath.Join(cache, "samvad", "livekit-"+Version, "server")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("livekit-server not found: build it with " +
		"`GOBIN=$HOME/.cache/samvad/livekit-" + Version + " go install github.com/livekit/livekit-server/cmd/server@" + Version +
		"` or set SAMVAD_LIVEKIT_SERVER")
}

// need skips or fails the test when a server binary is missing.
func need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("SAMVAD_REQUIRE_LIVEKIT") != "" {
		t.Fatalf("%s: %v (SAMVAD_REQUIRE_LIVEKIT is set)", what, err)
	}
	t.Skipf("%s: %v", what, err)
}

// Server is one livekit-server process.
type Server struct {
	// URL is its signalling URL, ws://127.0.0.1:PORT.
	URL string
	// Name tells the node apart in logs ("node-a").
	Name string
	// NodeID is LiveKit's id of the node, as in Redis.
	NodeID string
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
}

// Options shape a server.
type Options struct {
	// Redis, when set, makes the server a node of the cluster that shares
	// that Redis (host:port).
	Redis string
	// Name tells the node apart ("node-a").
	Name string
	// Region, with Regions, puts a node of a cluster in a region of
	// LiveKit's region-aware node selector, which hosts a new room on the
	// node it was first joined through: the test knows where each
	// meeting lives.
	Region  string
	Regions []string
}

// Start starts a livekit-server on free loopback ports and waits until it
// answers; the test's cleanup stops it.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin, err := Binary()
	need(t, "livekit-server", err)
	if o.Name == "" {
		o.Name = "livekit"
	}
	dir := t.TempDir()
	http, udp, tcp := freeTCP(t), freeUDP(t), freeTCP(t)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "port: %d\nbind_addresses: [\"127.0.0.1\"]\n", http)
	fmt.Fprintf(&cfg, "rtc:\n  udp_port: %d\n  tcp_port: %d\n  use_external_ip: false\n  node_ip: 127.0.0.1\n  enable_loopback_candidate: true\n", udp, tcp)
	fmt.Fprintf(&cfg, "keys:\n  %s: %s\nlogging:\n  level: info\n  json: false\n", Key, Secret)
	if o.Redis != "" {
		fmt.Fprintf(&cfg, "redis:\n  address: %s\n", o.Redis)
	}
	if o.Region != "" {
		// sysload_limit: a busy two-core test machine must not send a
		// room to the other node.
		fmt.Fprintf(&cfg, "region: %s\nnode_selector:\n  kind: regionaware\n  sort_by: random\n  sysload_limit: 1000\n  regions:\n", o.Region)
		for i, r := range o.Regions {
			fmt.Fprintf(&cfg, "    - {name: %s, lat: %d, lon: %d}\n", r, 10*i, 10*i)
		}
	}
	path := filepath.Join(dir, "livekit.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: fmt.Sprintf("ws://127.0.0.1:%d", http), Name: o.Name, log: filepath.Join(dir, "livekit.log"), done: make(chan struct{})}
	logf, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "--config", path)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = testproc.DieWithParent()
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start livekit-server: %v", err)
	}
	go func() {
		s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("%s log (last lines):\n%s", s.Name, tail(s.log, 30))
		}
	})
	if err := waitHTTP(strings.Replace(s.URL, "ws://", "http://", 1)+"/", 20*time.Second, s.done); err != nil {
		t.Fatalf("%s did not come up: %v\n%s", s.Name, err, tail(s.log, 30))
	}
	if m := nodeIDRE.FindStringSubmatch(s.Log()); m != nil {
		s.NodeID = m[1]
	}
	return s
}

// nodeIDRE finds the node's id in its start-up line.
var nodeIDRE = regexp.MustCompile(`"nodeID": "(ND_[A-Za-z0-9]+)"`)

// Kill ends the server at once, as kill -9 does, and waits for it.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Kill()
	<-s.done
}

// Log is the server's log so far.
func (s *Server) Log() string { return tail(s.log, 1<<20) }

// StartRedis starts a redis-server on a free loopback port, with nothing
// saved to disk, and returns its address.
func StartRedis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	need(t, "redis-server", err)
	port := freeTCP(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd.SysProcAttr = testproc.DieWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			fmt.Fprint(c, "PING\r\n")
			c.SetReadDeadline(time.Now().Add(time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitHTTP(url string, within time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: time.Second}
	for {
		res, err := c.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("it exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer at %s within %s", url, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeTCP(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func freeUDP(t testing.TB) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RoomNode asks the cluster's Redis which node hosts a LiveKit room:
// LiveKit keeps it in the hash room_node_map.
func RoomNode(redis, room string) (string, error) {
	c, err := net.DialTimeout("tcp", redis, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "*3\r\n$4\r\nHGET\r\n$13\r\nroom_node_map\r\n$%d\r\n%s\r\n", len(room), room)
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	var n int
	if _, err := fmt.Sscanf(head, "$%d", &n); err != nil {
		return "", fmt.Errorf("redis answered %q", head)
	}
	if n < 0 {
		return "", nil
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}
