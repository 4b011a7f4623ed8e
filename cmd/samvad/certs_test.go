package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/meeting"
	"github.com/samvad/samvad/signaling"
)

// certSpec is a self-signed certificate for 127.0.0.1 to write.
type certSpec struct {
	serial              int64
	notBefore, notAfter time.Time
	key                 crypto.Signer // nil: a new P-256 key
	keyMode             os.FileMode   // 0: 0600
}

// writeCert writes spec as cert.pem and key.pem in dir (replacing them,
// as a renewal does) and returns their paths.
func writeCert(t *testing.T, dir string, spec certSpec) (certPath, keyPath string) {
	t.Helper()
	key := spec.key
	if key == nil {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if spec.notBefore.IsZero() {
		spec.notBefore = time.Now().Add(-time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = time.Now().Add(90 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(spec.serial), Subject: pkix.Name{CommonName: "samvad test"},
		NotBefore: spec.notBefore, NotAfter: spec.notAfter,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"samvad.example.org"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	mode := spec.keyMode
	if mode == 0 {
		mode = 0o600
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	// Written beside and renamed in, as certbot and any careful tool does.
	for _, w := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{{keyPath, "PRIVATE KEY", keyDER, mode}, {certPath, "CERTIFICATE", der, 0o644}} {
		tmp := w.path + ".new"
		if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: w.typ, Bytes: w.der}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(tmp, w.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, w.path); err != nil {
			t.Fatal(err)
		}
	}
	return certPath, keyPath
}

// startTLS starts a server on 127.0.0.1 with the certificate in dir.
func startTLS(t *testing.T, dir string, check time.Duration, log *slog.Logger) (*meetingServer, error) {
	t.Helper()
	text := strings.NewReplacer("CERT", strconv.Quote(filepath.Join(dir, "cert.pem")), "KEY", strconv.Quote(filepath.Join(dir, "key.pem"))).Replace(tlsMeeting)
	f, err := meeting.Parse("tls.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := startServer(f, "127.0.0.1:0", log, serverOptions{loopbackOnly: true, certCheck: check})
	if err == nil {
		t.Cleanup(func() { srv.Close() })
	}
	return srv, err
}

// servedSerial is the serial number of the certificate the server at base
// (https://host:port) presents to a new connection.
func servedSerial(t *testing.T, base string) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSRefusesBadCertificates: an expired or not yet valid certificate,
// an RSA key under 2048 bits and a key file others can read stop the
// server at start, with an error naming the file.
func TestTLSRefusesBadCertificates(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name string
		spec certSpec
		want error
		file string
	}{
		{"expired", certSpec{notBefore: time.Now().Add(-100 * 24 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)}, errCertExpired, "cert.pem"},
		{"not yet valid", certSpec{notBefore: time.Now().Add(24 * time.Hour)}, errCertNotYet, "cert.pem"},
		{"RSA 1024", certSpec{key: rsa1024}, errWeakKey, "cert.pem"},
		{"key readable by all", certSpec{keyMode: 0o644}, errKeyReadable, "key.pem"},
		{"key readable by the group", certSpec{keyMode: 0o640}, errKeyReadable, "key.pem"},
		{"RSA 2048, key 0600", certSpec{key: rsa2048}, nil, ""},
		{"P-256, key 0400", certSpec{keyMode: 0o400}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeCert(t, dir, tc.spec)
			_, err := startTLS(t, dir, 0, quiet)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("started with %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) {
				t.Errorf("the error does not name %s: %v", tc.file, err)
			}
		})
	}
}

// TestTLSCertificateReload: a certificate renewed during the meeting is
// served to new connections without a restart, and the bot of samvad run
// (which trusts exactly the server's own certificate) still gets in; a
// renewal that fails the checks is logged and the old one kept.
func TestTLSCertificateReload(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, certSpec{serial: 1})
	var logs logtest.Buffer
	srv, err := startTLS(t, dir, 50*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := servedSerial(t, srv.baseURL); got != 1 {
		t.Fatalf("serving certificate %d, want 1", got)
	}
	writeCert(t, dir, certSpec{serial: 2})
	meetingtest.WaitUntil(t, "the renewed certificate served", 20*time.Second, func() bool { return servedSerial(t, srv.baseURL) == 2 })
	c, err := signaling.Dial(context.Background(), srv.wsURL, signaling.Message{Meeting: "tls", Role: signaling.RoleStaff, Token: "staff"}, srv.localDialOptions()...)
	if err != nil {
		t.Fatalf("the in-process client after the renewal: %v", err)
	}
	c.Close()

	writeCert(t, dir, certSpec{serial: 3, notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-time.Hour)})
	meetingtest.WaitUntil(t, "the failed renewal logged", 20*time.Second, func() bool { return strings.Contains(logs.String(), "TLS certificate not reloaded") })
	if got := servedSerial(t, srv.baseURL); got != 2 {
		t.Errorf("after an expired renewal serving certificate %d, want 2 kept", got)
	}
	if !strings.Contains(logs.String(), "expired") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
}

// TestHSTS: a server reached over https says so for a year; one on plain
// http (no https public URL in front) does not.
func TestHSTS(t *testing.T) {
	dir := t.TempDir()
	caPath, certPath, keyPath := privateCA(t, dir)
	srv, _ := startTestServer(t, "tls.yaml", strings.NewReplacer("CERT", certPath, "KEY", keyPath).Replace(tlsMeeting))
	caCfg, err := caTLS(caPath)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: caCfg}}
	defer hc.CloseIdleConnections()
	for _, path := range []string{"/", "/join/host", "/healthz", "/assets/join.js"} {
		resp, err := hc.Get(srv.baseURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("https %s: Strict-Transport-Security %q", path, got)
		}
	}
	plain, _ := startTestServer(t, "plain.yaml", metricsMeeting)
	resp, err := http.Get(plain.baseURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain http: Strict-Transport-Security %q", got)
	}
}

// TestPlainHTTPOnTheNetworkWarns: a listener others can reach without TLS
// is logged at start; one on loopback is not.
func TestPlainHTTPOnTheNetworkWarns(t *testing.T) {
	for _, tc := range []struct {
		listen string
		warn   bool
	}{{"0.0.0.0:0", true}, {"127.0.0.1:0", false}} {
		f, err := meeting.Parse("plain.yaml", []byte(metricsMeeting))
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		srv, err := startServer(f, tc.listen, slog.New(slog.NewTextHandler(&logs, nil)), serverOptions{loopbackOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
		if got := strings.Contains(logs.String(), "plain http on a network address"); got != tc.warn {
			t.Errorf("listen %s: warned %v, want %v\n%s", tc.listen, got, tc.warn, logs.String())
		}
	}
}
