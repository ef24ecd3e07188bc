package examples_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// builtPrograms names the programs the tests run, by their package path
// from the repository root.
var builtPrograms = map[string]string{
	"basic-broker":     "./examples/basic/broker",
	"basic-consumer":   "./examples/basic/consumer",
	"basic-producer":   "./examples/basic/producer",
	"command-broker":   "./examples/command/broker",
	"command-consumer": "./examples/command/consumer",
	"command-producer": "./examples/command/producer",
	"us-broker":        "./examples/users_servers/broker",
	"us-consumer":      "./examples/users_servers/consumer",
	"us-consumer-web":  "./examples/users_servers/consumer_web",
	"us-producer":      "./examples/users_servers/producer",
	"teomq":            "./cmd/teomq",
}

// builtDir is the temp dir of the built programs, removed by TestMain.
var builtDir string

// buildAll builds every program of builtPrograms once per test binary run,
// into builtDir, where a program's path mirrors its package path. One go
// build per package directory (programs of one directory share their
// names' last elements with the others'), all at once, so the go command
// links them in parallel. The programs are built with the race detector
// when this test binary is, so they reuse the packages the test run
// compiled, and their own races fail the flows.
var buildAll = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "teomq-examples")
	if err != nil {
		return "", err
	}
	builtDir = dir
	byParent := make(map[string][]string)
	for _, pkg := range builtPrograms {
		byParent[path.Dir(pkg)] = append(byParent[path.Dir(pkg)], pkg)
	}
	errs := make(chan error, len(byParent))
	for parent, pkgs := range byParent {
		go func() { // owned by buildAll, which waits for every build below
			args := []string{"build", "-ldflags=-s -w", "-o", filepath.Join(dir, filepath.FromSlash(parent)) + string(filepath.Separator)}
			if raceEnabled {
				args = append(args, "-race")
			}
			cmd := exec.Command("go", append(args, pkgs...)...)
			cmd.Dir = ".."
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- &buildError{pkgs: pkgs, out: string(out), err: err}
				return
			}
			errs <- nil
		}()
	}
	var all []error
	for range byParent {
		all = append(all, <-errs)
	}
	return dir, errors.Join(all...)
})

type buildError struct {
	pkgs []string
	out  string
	err  error
}

func (e *buildError) Error() string {
	return "build " + strings.Join(e.pkgs, " ") + ": " + e.err.Error() + "\n" + e.out
}

// bin is the path of a built program.
func bin(t *testing.T, name string) string {
	t.Helper()
	dir, err := buildAll()
	if err != nil {
		t.Fatal(err)
	}
	pkg, ok := builtPrograms[name]
	if !ok {
		t.Fatalf("no program %q in builtPrograms", name)
	}
	return builtPath(dir, pkg)
}

// builtPath is where buildAll puts the program of pkg.
func builtPath(dir, pkg string) string {
	return filepath.Join(dir, filepath.FromSlash(path.Clean(pkg)))
}

// proc is a running program whose output lines the test reads.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{} // closed when the process exited
	err   error         // its exit status, set before done closes

	mu  sync.Mutex // guards all
	all []string
}

// start runs a built program with args; stdout and stderr are read as
// lines. The process is killed when the test ends.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startBin(t, bin(t, name), args...)
}

// startBin is start for a binary given by its path.
func startBin(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	name := filepath.Base(path)
	cmd := exec.Command(path, args...)
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	p := &proc{t: t, name: name, cmd: cmd, lines: make(chan string, 10000), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { // owned by the proc: ends when the process's output closes
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.all = append(p.all, line)
			p.mu.Unlock()
			select {
			case p.lines <- line:
			default:
			}
		}
	}()
	go func() { // owned by the proc: ends when the process does
		p.err = cmd.Wait()
		w.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			p.mu.Lock()
			t.Logf("output of %s %v:\n  %s", name, args, strings.Join(p.all, "\n  "))
			p.mu.Unlock()
		}
	})
	return p
}

// waitFor returns the submatches of the first new line matching re.
func (p *proc) waitFor(re string) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if m := rx.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-p.done:
			// Drain what is left before giving up.
			for {
				select {
				case line := <-p.lines:
					if m := rx.FindStringSubmatch(line); m != nil {
						return m
					}
				default:
					p.t.Fatalf("%s exited (%v) before printing a line matching %q", p.name, p.err, re)
				}
			}
		case <-deadline:
			p.t.Fatalf("%s printed no line matching %q in 30s", p.name, re)
		}
	}
}

// address waits for the "Connected to Teonet" line and returns the address.
func (p *proc) address() string {
	p.t.Helper()
	return p.waitFor(`Connected to Teonet, this app address: ([A-Za-z0-9]{35})$`)[1]
}

// interrupt sends SIGINT and waits for the process to exit.
func (p *proc) interrupt() error {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		p.t.Fatalf("%s did not stop on SIGINT", p.name)
		return nil
	}
}

// wait waits for the process to exit by itself.
func (p *proc) wait() error {
	p.t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s did not exit", p.name)
		return nil
	}
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Kill()
		<-p.done
	}
}

// output is everything the process printed so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.all, "\n")
}
