package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samvad/samvad/internal/logtest"
	"github.com/samvad/samvad/internal/meetingtest"
	"github.com/samvad/samvad/participant"
	"github.com/samvad/samvad/signaling"
)

// privateCA makes a CA and a server certificate for 127.0.0.1 signed by
// it, as PEM files in dir: the situation of a party running its own CA.
func privateCA(t *testing.T, dir string) (caPath, certPath, keyPath string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "samvad test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "samvad"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

const tlsMeeting = `
meeting: {id: tls, title: TLS test, starts_at: 2023-11-21T14:00:00+05:30, demo: true}
server: {listen: "127.0.0.1:0", tls: {cert: CERT, key: KEY}}
recorder_token: {plain: rec}
staff_token: {plain: staff}
rooms:
  - {id: host, kind: host, name: Host, token: {plain: t-host}}
`

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	caPath, certPath, keyPath := privateCA(t, dir)
	srv, log := startTestServer(t, "tls.yaml", strings.NewReplacer("CERT", certPath, "KEY", keyPath).Replace(tlsMeeting))
	if !strings.HasPrefix(srv.wsURL, "wss://") || !strings.HasPrefix(srv.baseURL, "https://") {
		t.Fatalf("TLS server at %s, %s", srv.baseURL, srv.wsURL)
	}
	caCfg, err := caTLS(caPath)
	if err != nil {
		t.Fatal(err)
	}

	// https for the pages and health, with the private CA.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: caCfg}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(srv.baseURL + "/healthz")
	if err != nil {
		t.Fatalf("healthz over https: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %s", resp.Status)
	}

	// Without the CA, a client refuses the server rather than talk in the clear.
	_, err = signaling.Dial(context.Background(), srv.wsURL, signaling.Message{Meeting: "tls", Role: signaling.RoleRoom, Room: "host", Token: "t-host"})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("dial without the CA: %v, want an unknown-authority error", err)
	}

	// A room speaks over wss; `samvad bot --ca` records it.
	host, err := participant.Join(context.Background(), participant.Config{
		URL: srv.wsURL, Mic: true, Loopback: true, Logger: log,
		DialOptions: []signaling.DialOption{signaling.WithTLSConfig(caCfg)},
		Join:        signaling.Message{Meeting: "tls", Role: signaling.RoleRoom, Room: "host", Token: "t-host"},
	}, participant.Handlers{})
	if err != nil {
		t.Fatalf("room over wss: %v", err)
	}
	defer host.Close()
	defer meetingtest.SendTone(host, 440)()

	out := filepath.Join(dir, "recordings")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var stdout, stderr logtest.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, hard: make(chan struct{})}
	if err := run(ctx, []string{"bot", "--url", srv.wsURL, "--meeting", "tls", "--token", "rec", "--ca", caPath, "--out", out}, e); err != nil {
		t.Fatalf("samvad bot --ca: %v\n%s", err, stderr.String())
	}
	segs, _ := filepath.Glob(filepath.Join(out, "*", "segments", "host", "0001.ogg"))
	if len(segs) != 1 {
		t.Fatalf("no segment of the host recorded over wss; bot said:\n%s\n%s", stdout.String(), stderr.String())
	}
	if st, err := os.Stat(segs[0]); err != nil || st.Size() < 2000 {
		t.Errorf("segment %v: %v", st, err)
	}

	// The in-process bot of run and demo trusts exactly the server's own
	// certificate.
	c, err := signaling.Dial(context.Background(), srv.wsURL, signaling.Message{Meeting: "tls", Role: signaling.RoleStaff, Token: "staff"}, srv.localDialOptions()...)
	if err != nil {
		t.Fatalf("pinned dial: %v", err)
	}
	c.Close()
}
