package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// caTLS trusts the CA certificates in a PEM file, for a server whose
// certificate comes from a private CA.
func caTLS(path string) (*tls.Config, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--ca %s: no PEM certificate in it", path)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// pinnedTLS trusts one certificate and nothing else: the server's own
// (as it is now: it may be renewed during the meeting), for a client in
// the same process.
func pinnedTLS(current func() *tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The name check is replaced by comparing the whole certificate.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], current().Certificate[0]) {
				return errors.New("not this server's own certificate")
			}
			return nil
		},
	}
}
