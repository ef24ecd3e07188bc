// Package childtest runs a test's own binary again as a child process that
// plays a part in the test, such as holding a lock another process must be
// refused, for tests of what happens across processes.
package childtest

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// readyTimeout bounds how long Start waits for the child's ready line.
const readyTimeout = 10 * time.Second

// Child is a test's child process, started by Start.
type Child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Start runs the test binary again with only the test named test selected
// and env set to value in its environment, and returns once the child
// prints ready as a line of its standard output. The test calls Start when
// env is unset, and plays the child's part when it is set. The child is
// killed, if still running, when the test ends.
func Start(t testing.TB, test, env, value, ready string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+value)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	found := make(chan bool, 1)
	go func() { // owned by Start; ends when the child's stdout closes
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == ready {
				found <- true
				io.Copy(io.Discard, stdout)
				return
			}
			t.Logf("child: %s", sc.Text())
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if !ok {
			t.Fatalf("child exited without printing %q", ready)
		}
	case <-time.After(readyTimeout):
		t.Fatalf("child did not print %q within %v", ready, readyTimeout)
	}
	return c
}

// PID returns the child's process ID.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Stop closes the child's standard input, which tells it to finish, and
// returns its exit error.
func (c *Child) Stop() error {
	c.stdin.Close()
	return c.cmd.Wait()
}

// Kill kills the child at once, closing nothing on its side, and waits
// for it.
func (c *Child) Kill() error {
	if err := c.cmd.Process.Kill(); err != nil {
		return err
	}
	c.cmd.Wait()
	return nil
}
