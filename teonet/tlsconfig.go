package teonet

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// ALPN is the application protocol both sides of a channel negotiate in the
// TLS handshake. A later, incompatible framing gets a new name.
const ALPN = "teonet/1"

// selfSignedCert makes the node's TLS certificate: self-signed with the
// identity key, its subject naming the node's address. Peers trust the key,
// not the certificate, so validity dates only need to be plausible.
func selfSignedCert(key ed25519.PrivateKey, addr string) (tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("teonet: certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: addr},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("teonet: create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// baseTLSConfig is the configuration shared by both sides: TLS 1.3 only,
// the node's certificate, ALPN, no session resumption (a resumed session
// would skip the key proof), and chain verification replaced by
// verifyPeer in VerifyConnection.
func baseTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{cert},
		NextProtos:             []string{ALPN},
		SessionTicketsDisabled: true,
		InsecureSkipVerify:     true, // verifyPeer checks the key instead
	}
}

// serverTLSConfig returns the listener's configuration: a client
// certificate is required and names the peer by its key.
func serverTLSConfig(cert tls.Certificate) *tls.Config {
	c := baseTLSConfig(cert)
	c.ClientAuth = tls.RequireAnyClientCert
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		_, err := verifyPeer(cs, "")
		return err
	}
	// The hello has arrived: lift the HelloTimeout deadline that
	// serverHandshake set; the handshake's context bounds the rest.
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		hello.Conn.SetReadDeadline(time.Time{})
		return nil, nil
	}
	return c
}

// clientTLSConfig returns a dialer's configuration from base, accepting
// only a server whose key hashes to want.
func clientTLSConfig(base *tls.Config, want string) *tls.Config {
	c := base.Clone()
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		_, err := verifyPeer(cs, want)
		return err
	}
	return c
}

// verifyPeer checks a completed handshake and returns the peer's address:
// TLS 1.3 with ALPN, an Ed25519 certificate key (the handshake has already
// proved the peer holds it), hashing to want unless want is empty, and a
// certificate subject that claims that same address.
func verifyPeer(cs tls.ConnectionState, want string) (string, error) {
	if cs.Version != tls.VersionTLS13 || cs.NegotiatedProtocol != ALPN {
		return "", fmt.Errorf("%w: negotiated version %#x, protocol %q", ErrProtocolMismatch, cs.Version, cs.NegotiatedProtocol)
	}
	if len(cs.PeerCertificates) == 0 {
		return "", fmt.Errorf("%w: none presented", ErrBadCertificate)
	}
	cert := cs.PeerCertificates[0]
	pub, ok := cert.PublicKey.(ed25519.PublicKey)
	if !ok {
		return "", fmt.Errorf("%w: %v key, want Ed25519", ErrBadCertificate, cert.PublicKeyAlgorithm)
	}
	got := AddressOf(pub)
	if want != "" && got != want {
		return "", &AddressMismatchError{Want: want, Got: got}
	}
	if claimed := cert.Subject.CommonName; claimed != got {
		return "", &AddressMismatchError{Want: claimed, Got: got}
	}
	return got, nil
}
