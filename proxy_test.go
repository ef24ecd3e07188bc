package teomq_test

import (
	"net"
	"sync"
	"testing"
)

// pausableProxy forwards TCP connections to a target until paused; then it
// keeps the connections open but forwards nothing (a half-open peer).
type pausableProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex // guards paused, conns
	paused bool
	conns  []net.Conn
}

func startPausableProxy(t testing.TB, target string) *pausableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausableProxy{ln: ln, target: target}
	var wg sync.WaitGroup
	wg.Add(1)
	go p.accept(&wg) // owned by the test: stopped by the cleanup below
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *pausableProxy) addr() string { return p.ln.Addr().String() }

// pause stops forwarding in both directions without closing anything.
func (p *pausableProxy) pause() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
}

func (p *pausableProxy) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

func (p *pausableProxy) accept(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		wg.Add(2)
		go p.pipe(wg, in, out)
		go p.pipe(wg, out, in)
	}
}

// pipe copies src to dst until either fails, dropping what it reads once
// paused.
func (p *pausableProxy) pipe(wg *sync.WaitGroup, dst, src net.Conn) {
	defer wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.isPaused() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
