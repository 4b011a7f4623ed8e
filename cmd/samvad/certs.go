package main

import (
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Why a certificate and key are refused. The server does not start with
// them, and a reload keeps the certificate it has.
var (
	errCertExpired = errors.New("the certificate has expired")
	errCertNotYet  = errors.New("the certificate is not valid yet")
	errWeakKey     = errors.New("RSA key shorter than 2048 bits")
	errKeyReadable = errors.New("the key file is readable by group or others")
)

const (
	minRSABits = 2048
	// certExpiresSoon: a certificate this close to its end is logged.
	certExpiresSoon = 14 * 24 * time.Hour
	// defaultCertCheck is how often the files are looked at for a renewal:
	// a meeting runs for hours, a renewal (certbot) lands any time.
	defaultCertCheck = 30 * time.Second
)

// loadCert loads the server's certificate and key, and refuses what would
// fail browsers or expose the key: an expired or not yet valid
// certificate, an RSA key under 2048 bits, a key file group or others can
// read. Every error names the file.
func loadCert(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	if runtime.GOOS != "windows" { // Windows has ACLs, not these bits
		st, err := os.Stat(keyFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.key: %w", err)
		}
		if perm := st.Mode().Perm(); perm&0o044 != 0 {
			return nil, fmt.Errorf("server.tls.key %s: %w (mode %04o): chmod 600 %s", keyFile, errKeyReadable, perm, keyFile)
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls (%s, %s): %w", certFile, keyFile, err)
	}
	leaf := cert.Leaf // parsed by LoadX509KeyPair
	switch {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("server.tls.cert %s: %w on %s (%s)", certFile, errCertExpired, leaf.NotAfter.Format(time.DateOnly), certName(&cert))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("server.tls.cert %s: %w until %s (%s)", certFile, errCertNotYet, leaf.NotBefore.Format(time.RFC3339), certName(&cert))
	}
	if k, ok := leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("server.tls.cert %s: %w (%d bits)", certFile, errWeakKey, k.N.BitLen())
	}
	return &cert, nil
}

// certName is what a certificate is for, for messages.
func certName(c *tls.Certificate) string {
	if len(c.Leaf.DNSNames) > 0 {
		return c.Leaf.DNSNames[0]
	}
	if len(c.Leaf.IPAddresses) > 0 {
		return c.Leaf.IPAddresses[0].String()
	}
	return c.Leaf.Subject.CommonName
}

// certs is the server's certificate, loaded again when its files change
// or on SIGHUP, so that a renewal during a long meeting needs no restart:
// new connections get the new certificate, open ones keep theirs. A
// renewal that fails the checks of loadCert is logged and the old
// certificate kept.
type certs struct {
	certFile, keyFile string
	log               *slog.Logger

	mu    sync.RWMutex
	cert  *tls.Certificate
	stamp string // the files' sizes and times when cert was loaded

	stop chan struct{}
	done chan struct{}
}

// startCerts loads the certificate and starts watching for renewals,
// every check (0: defaultCertCheck) and on SIGHUP. Close stops it.
func startCerts(certFile, keyFile string, check time.Duration, log *slog.Logger) (*certs, error) {
	c := &certs{certFile: certFile, keyFile: keyFile, log: log, stop: make(chan struct{}), done: make(chan struct{})}
	c.stamp = c.fileStamp()
	cert, err := loadCert(certFile, keyFile, time.Now())
	if err != nil {
		return nil, err
	}
	c.cert = cert
	c.warnIfEnding(cert)
	if check <= 0 {
		check = defaultCertCheck
	}
	go c.watch(check)
	return c, nil
}

// Current is the certificate served now.
func (c *certs) Current() *tls.Certificate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cert
}

// GetCertificate is tls.Config.GetCertificate.
func (c *certs) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.Current(), nil
}

// Reload loads the files again and serves them if they pass loadCert.
func (c *certs) Reload() error {
	stamp := c.fileStamp()
	cert, err := loadCert(c.certFile, c.keyFile, time.Now())
	c.mu.Lock()
	c.stamp = stamp // a failed pair is not retried until the files change again
	if err == nil {
		c.cert = cert
	}
	c.mu.Unlock()
	if err != nil {
		c.log.Error("TLS certificate not reloaded: still serving the previous one", "err", err)
		return err
	}
	c.log.Info("TLS certificate reloaded", "cert", c.certFile, "for", certName(cert), "expires", cert.Leaf.NotAfter.Format(time.RFC3339))
	c.warnIfEnding(cert)
	return nil
}

func (c *certs) warnIfEnding(cert *tls.Certificate) {
	if left := time.Until(cert.Leaf.NotAfter); left < certExpiresSoon {
		c.log.Warn("TLS certificate expires soon: renew it (the server picks up new files by itself, or on SIGHUP)",
			"cert", c.certFile, "expires", cert.Leaf.NotAfter.Format(time.RFC3339), "in", left.Round(time.Hour))
	}
}

// fileStamp sums up both files' sizes and modification times, through
// symlinks: certbot renews by pointing them at new files.
func (c *certs) fileStamp() string {
	s := ""
	for _, p := range []string{c.certFile, c.keyFile} {
		if st, err := os.Stat(p); err == nil {
			s += fmt.Sprintf("%d/%d;", st.Size(), st.ModTime().UnixNano())
		} else {
			s += "missing;"
		}
	}
	return s
}

func (c *certs) watch(check time.Duration) {
	defer close(c.done)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	tick := time.NewTicker(check)
	defer tick.Stop()
	for {
		select {
		case <-hup:
			c.log.Info("SIGHUP: reloading the TLS certificate")
			c.Reload()
		case <-tick.C:
			c.mu.RLock()
			changed := c.fileStamp() != c.stamp
			c.mu.RUnlock()
			if changed {
				c.Reload()
			}
		case <-c.stop:
			return
		}
	}
}

// Close stops watching and waits.
func (c *certs) Close() {
	close(c.stop)
	<-c.done
}
