package teonet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// addressBook is the directory ConfigDir/teonet/peers/, shared by the nodes
// of one user: each listening node keeps a file named after its address
// listing its endpoints, "host:port" one per line. Files are replaced
// atomically, so readers never see a partial list.
type addressBook struct {
	dir string
}

// write replaces the entry of addr with hostports.
func (b addressBook) write(addr string, hostports []string) error {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return err
	}
	data := []byte(strings.Join(hostports, "\n") + "\n")
	return writeFileAtomic(filepath.Join(b.dir, addr), data, 0o600)
}

// remove deletes the entry of addr, if any.
func (b addressBook) remove(addr string) error {
	err := os.Remove(filepath.Join(b.dir, addr))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// lookup returns the endpoints of a well-formed address, or an error
// matching ErrUnknownPeer that tells the user to give the endpoint.
func (b addressBook) lookup(addr string) ([]string, error) {
	path := filepath.Join(b.dir, addr)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %s: no entry in the address book %s (is it listening on this machine?); pass the peer as ADDRESS@host:port",
			ErrUnknownPeer, addr, b.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("teonet: read address book: %w", err)
	}
	var hostports []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || checkHostPort(line) != nil {
			continue
		}
		hostports = append(hostports, line)
	}
	if len(hostports) == 0 {
		return nil, fmt.Errorf("%w %s: the address book entry %s lists no host:port; pass the peer as ADDRESS@host:port",
			ErrUnknownPeer, addr, path)
	}
	return hostports, nil
}

// Resolve returns the address of target and a host:port to reach it. A
// target ADDRESS@host:port is only parsed; a bare ADDRESS is looked up in
// the address book and, if absent, gives an error matching ErrUnknownPeer
// that tells the user to pass ADDRESS@host:port.
func (n *Node) Resolve(target string) (addr, hostport string, err error) {
	addr, hostports, err := n.resolveAll(target)
	if err != nil {
		return "", "", err
	}
	return addr, hostports[0], nil
}

// resolveAll is Resolve returning every endpoint of the address book entry.
func (n *Node) resolveAll(target string) (string, []string, error) {
	addr, hostport, err := ParseTarget(target)
	if err != nil {
		return "", nil, err
	}
	if hostport != "" {
		return addr, []string{hostport}, nil
	}
	hostports, err := n.book.lookup(addr)
	if err != nil {
		return "", nil, err
	}
	return addr, hostports, nil
}
