package teonet

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Layout of ConfigDir/teonet/.
const (
	rootDirName  = "teonet"
	peersDirName = "peers"
	keyFileName  = "key.pem"
	lockFileName = "lock"
	keyPEMType   = "PRIVATE KEY"
)

// identity is a node's key and the lock that makes it exclusively the
// node's. It is owned by one Node, which releases it in Close. An
// ephemeral identity has neither directory nor lock.
type identity struct {
	dir  string
	key  ed25519.PrivateKey
	lock *identityLock // nil for an ephemeral identity
}

// ephemeralIdentity makes a key that lives in memory only.
func ephemeralIdentity() (*identity, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("teonet: generate identity key: %w", err)
	}
	return &identity{key: key}, nil
}

// openIdentity takes the lock of the identity directory dir (creating the
// directory) and then loads its key, creating it on first use. Taking the
// lock first means two processes starting at once cannot make two keys.
func openIdentity(dir, name string) (*identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("teonet: create identity directory: %w", err)
	}
	lock, err := lockIdentity(dir, name)
	if err != nil {
		return nil, err
	}
	key, err := loadOrCreateKey(filepath.Join(dir, keyFileName))
	if err != nil {
		lock.release()
		return nil, err
	}
	return &identity{dir: dir, key: key, lock: lock}, nil
}

// close releases the lock, if any.
func (id *identity) close() error {
	if id.lock == nil {
		return nil
	}
	return id.lock.release()
}

// loadOrCreateKey reads the PKCS #8 PEM Ed25519 key at path, or makes one
// and writes it atomically with mode 0600 if there is no file.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseKey(path, data)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("teonet: read identity key: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("teonet: generate identity key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("teonet: encode identity key: %w", err)
	}
	data = pem.EncodeToMemory(&pem.Block{Type: keyPEMType, Bytes: der})
	if err := writeFileAtomic(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("teonet: write identity key: %w", err)
	}
	return key, nil
}

// parseKey decodes the key file read from path.
func parseKey(path string, data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != keyPEMType {
		return nil, fmt.Errorf("%w %s: no %q PEM block", ErrBadIdentity, path, keyPEMType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrBadIdentity, path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w %s: %T, want an Ed25519 key", ErrBadIdentity, path, parsed)
	}
	return key, nil
}
