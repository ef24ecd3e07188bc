package teomq_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// brokerProcess runs `teomq broker` as a separate process.
type brokerProcess struct {
	t    *testing.T
	bin  string
	args []string
	cmd  *exec.Cmd
	addr string
}

var addrLine = regexp.MustCompile(`Connected to Teonet, this app address: ([A-Za-z0-9]{35})`)

func (p *brokerProcess) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if os.Getenv("TEOMQ_TEST_LOG") != "" {
		p.cmd.Stderr = os.Stderr
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() { // owned by the process: ends when its stdout closes
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := addrLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case a := <-found:
		if p.addr != "" && a != p.addr {
			p.t.Fatalf("broker address changed across restart: %s then %s", p.addr, a)
		}
		p.addr = a
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		p.t.Fatal("broker printed no address in 30s")
	}
}

func (p *brokerProcess) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildCLI builds cmd/teomq into a temp dir, with the race detector when
// this test binary has it.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "teomq")
	args := []string{"build", "-ldflags=-s -w", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, "./cmd/teomq")...).CombinedOutput(); err != nil {
		t.Fatalf("build teomq: %v\n%s", err, out)
	}
	return bin
}

// crashSeedEnv names the variable that replays a crash test's kill
// schedule: the seed a failed run logged.
const crashSeedEnv = "TEOMQ_CRASH_SEED"

// crashSeed returns the seed of the kill schedule, from crashSeedEnv when
// set, else from the clock, and logs it.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(crashSeedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: want a decimal seed: %v", crashSeedEnv, v, err)
		}
	}
	t.Logf("kill schedule seed %d (replay it with %s=%d)", seed, crashSeedEnv, seed)
	return seed
}

// TestBrokerCrashLosesNoConfirmedMessage kills the broker with SIGKILL at
// random moments while producers publish, restarts it on the same data dir
// and then drains: every confirmed message must be delivered.
func TestBrokerCrashLosesNoConfirmedMessage(t *testing.T) {
	t.Parallel() // the broker is a process of its own; this overlaps the other parallel tests only
	dir := t.TempDir()
	hostport := freePort(t)
	bp := &brokerProcess{t: t, bin: buildCLI(t), args: []string{
		"broker", "-config", dir, "-listen", hostport, "-http", "127.0.0.1:0", "-durability", "sync",
		// A few hundred payloads in memory: the backlog is mostly read
		// back from the store, across the restarts too.
		"-resident-bytes", "4096",
		// A window of 16 messages: the backlog past it is counted, not
		// held, and read back from the store as consumers reach it.
		"-window", "16",
	}}
	bp.start()
	defer bp.kill()
	endpoint := bp.addr + "@" + hostport

	const producers, requesters = 4, 2
	var (
		mu        sync.Mutex
		confirmed = make(map[teomq.MessageID]bool)
		attempted = make(map[teomq.MessageID]string) // the payload sent
		sendErrs  atomic.Int64
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range producers {
		p := mustConnectTo(t, endpoint)
		wg.Add(1)
		go func() { // owned by the test: stopped by close(stop)
			defer wg.Done()
			for n := 0; n < 100_000; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := teomq.MessageID(mustUUID(t))
				data := fmt.Sprintf("p%d-%d", i, n)
				mu.Lock()
				attempted[id] = data
				mu.Unlock()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				_, err := p.Send(ctx, "crash", []byte(data), teomq.WithID(id))
				cancel()
				if err != nil {
					sendErrs.Add(1)
					continue
				}
				mu.Lock()
				confirmed[id] = true
				mu.Unlock()
			}
		}()
	}
	// Requesters whose answers must find their way back across the crashes.
	type reqResult struct {
		want string
		got  string
		err  error
	}
	results := make(chan reqResult, requesters*20)
	var rwg sync.WaitGroup
	for range requesters {
		p := mustConnectTo(t, endpoint)
		for range 20 {
			rwg.Add(1)
			go func() {
				defer rwg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
				defer cancel()
				a, err := p.Request(ctx, "whoami", nil)
				r := reqResult{want: p.Address(), err: err}
				if err == nil {
					r.got = string(a.Data)
				}
				results <- r
			}()
		}
	}

	rng := rand.New(rand.NewPCG(crashSeed(t), 1))
	const kills = 3
	for k := range kills {
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		bp.kill()
		t.Logf("kill %d: broker killed with SIGKILL", k+1)
		bp.start()
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	// Drain with consumers.
	var (
		dmu       sync.Mutex
		delivered = make(map[teomq.MessageID]int)
		payloads  = make(map[teomq.MessageID]string)
	)
	for range 2 {
		c := mustConnectTo(t, endpoint)
		if _, err := c.Subscribe("crash", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			dmu.Lock()
			delivered[m.ID]++
			payloads[m.ID] = string(m.Data)
			dmu.Unlock()
			return nil, nil
		}, teomq.Concurrency(32)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Subscribe("whoami", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			return []byte(m.From), nil
		}, teomq.Concurrency(8)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	waitForWithin(t, time.Minute, "every confirmed message to be delivered", func() bool {
		dmu.Lock()
		defer dmu.Unlock()
		for id := range confirmed {
			if delivered[id] == 0 {
				return false
			}
		}
		return true
	})
	rwg.Wait()
	close(results)
	for r := range results {
		if r.err != nil {
			t.Errorf("request across crashes: %v", r.err)
		} else if r.got != r.want {
			t.Errorf("producer %s got the answer for %s", r.want, r.got)
		}
	}
	dmu.Lock()
	defer dmu.Unlock()
	redelivered := 0
	for id, n := range delivered {
		if sent, ok := attempted[id]; !ok {
			t.Errorf("delivered message %s was never sent", id)
		} else if payloads[id] != sent {
			t.Errorf("message %s delivered with %q, sent with %q", id, payloads[id], sent)
		}
		redelivered += n - 1
	}
	if len(confirmed) == 0 {
		t.Fatal("no publish was confirmed")
	}
	t.Logf("sent %d, confirmed %d, failed or unknown %d, delivered %d distinct (%d unconfirmed ones among them), redelivered %d, requests answered %d",
		len(attempted), len(confirmed), sendErrs.Load(), len(delivered), len(delivered)-countConfirmed(delivered, confirmed), redelivered, requesters*20)
}

func countConfirmed(delivered map[teomq.MessageID]int, confirmed map[teomq.MessageID]bool) int {
	n := 0
	for id := range delivered {
		if confirmed[id] {
			n++
		}
	}
	return n
}
