package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/examples/users_servers/consumer_web/webserver"
	"github.com/teonet-go/teomq/policy"
)

// stepTimeout bounds each wait of the browser tests.
const stepTimeout = 15 * time.Second

// testLogger discards logs unless TEOMQ_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TEOMQ_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// chromium returns the path of the Chromium binary. Without one the test
// fails in CI (CI=true), where .ci/run installs it, and is skipped
// elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must install it (.ci/run: apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium to run the browser tests")
	return ""
}

// stack is a broker, restartable with the same identity and ports, and the
// consumer_web server whose origin it allows.
type stack struct {
	t         *testing.T
	configDir string
	listen    string // the broker's Teonet host:port, fixed after the first start
	httpAddr  string // the broker's HTTP host:port, likewise
	origin    string // the page server's origin
	pageURL   string
	broker    *teomq.Broker
	// policy is the broker's policy, nil for the default; with one, the
	// page's origin is admitted only if the policy names it.
	policy *policy.Policy
}

// stackOption sets up a stack before its broker starts.
type stackOption func(*stack)

// withPolicy runs the broker under the policy that build returns. build
// gets the stack before the broker starts: its configDir (for the Go
// peers' identities) and its page origin are set.
func withPolicy(build func(s *stack) *policy.Policy) stackOption {
	return func(s *stack) { s.policy = build(s) }
}

// startStack starts a broker and the consumer_web server on 127.0.0.1.
func startStack(t *testing.T, opts ...stackOption) *stack {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{
		t:         t,
		configDir: t.TempDir(),
		listen:    "127.0.0.1:0",
		httpAddr:  "127.0.0.1:0",
		origin:    "http://" + ln.Addr().String(),
	}
	for _, o := range opts {
		o(s)
	}
	s.startBroker()
	s.listen, s.httpAddr = s.broker.Addr().String(), s.broker.HTTPAddr().String()

	h, err := webserver.New(webserver.Config{WS: s.wsURL(), Broker: s.broker.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { // owned by the test: stopped by the cleanup below
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	s.pageURL = s.origin + webserver.PagePath
	return s
}

// wsURL is the broker's WebSocket URL.
func (s *stack) wsURL() string { return "ws://" + s.httpAddr + "/teomq" }

// module is the URL of the broker's teomq.js.
func (s *stack) module() string { return "http://" + s.httpAddr + "/teomq.js" }

// startBroker starts the broker on the stack's identity and addresses.
func (s *stack) startBroker() {
	s.t.Helper()
	cfg := teomq.BrokerConfig{
		Name:           "web-test-broker",
		ConfigDir:      s.configDir,
		Listen:         s.listen,
		HTTP:           s.httpAddr,
		AllowedOrigins: []string{s.origin},
		Durability:     teomq.DurabilityMemory,
		Logger:         testLogger(),
	}
	if s.policy != nil {
		cfg.Policy, cfg.AllowedOrigins = s.policy, nil
	}
	b, err := teomq.NewBroker(cfg)
	if err != nil {
		s.t.Fatalf("NewBroker: %v", err)
	}
	s.broker = b
	s.t.Cleanup(func() { b.Close() })
}

// expectOtherOriginRefused opens the page by another name than the
// stack's origin (localhost for 127.0.0.1), an origin the broker does not
// allow, and checks that the page shows the broker's reason and the
// setting that would allow it.
func (s *stack) expectOtherOriginRefused(t *testing.T, browserCtx context.Context) {
	t.Helper()
	_, port, _ := strings.Cut(strings.TrimPrefix(s.origin, "http://"), ":")
	refused := newTab(t, browserCtx)
	refused.do("open the page by another name", chromedp.Navigate("http://localhost:"+port+"/"))
	refused.waitFor("the broker's reason", `document.getElementById("state").textContent.includes("origin not allowed")`)
	if hint := refused.text("hint"); !strings.Contains(hint, "-allow-origin http://localhost:"+port) {
		t.Fatalf("hint %q, want the -allow-origin to give", hint)
	}
}

// connect connects a Go client with its own identity.
func (s *stack) connect(name string) *teomq.Client {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	c, err := teomq.Connect(ctx, s.broker.Endpoint(),
		teomq.WithName(name), teomq.WithConfigDir(s.configDir), teomq.WithLogger(testLogger()))
	if err != nil {
		s.t.Fatalf("Connect %s: %v", name, err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// send sends one message and waits for its confirm.
func send(t *testing.T, c *teomq.Client, command, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	if _, err := c.Send(ctx, command, []byte(data)); err != nil {
		t.Fatalf("send %s %q: %v", command, data, err)
	}
}

// browser is a headless Chromium with a fresh profile, closed when the test
// ends.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 860),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// tab is one browser tab and what its page printed to the console.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex // guards console
	console []string
}

// newTab opens a tab of the browser of parent and records its console.
func newTab(t *testing.T, parent context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		var line string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			line = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				line += " " + ev.ExceptionDetails.Exception.Description
			}
		default:
			return
		}
		tb.mu.Lock()
		tb.console = append(tb.console, line)
		tb.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			tb.mu.Lock()
			defer tb.mu.Unlock()
			t.Logf("console of the tab:\n%s", strings.Join(tb.console, "\n"))
		}
	})
	return tb
}

// do runs browser actions within stepTimeout.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page, awaiting a promise.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAsValue, func(p *runtime.EvaluateParams) {
		p.AwaitPromise = ptr(true)
	}))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until the expression is truthy in the page.
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(stepTimeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		tb.t.Fatalf("waiting for %s (%s): %v; page state: %q", what, expr, err, tb.text("state"))
	}
}

// text returns the text of the element with the id.
func (tb *tab) text(id string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf("document.getElementById(%s)?.textContent ?? ''", jsString(id)))
}

// waitText waits until the element with the id shows exactly want.
func (tb *tab) waitText(id, want string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf("#%s to show %q", id, want),
		fmt.Sprintf("document.getElementById(%s)?.textContent === %s", jsString(id), jsString(want)))
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// saveScreenshot saves a full-page screenshot as name in the test's temp
// dir, or in TEOMQ_WEB_ARTIFACTS when set (for CI to keep it), and logs
// where.
func (p *tab) saveScreenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("TEOMQ_WEB_ARTIFACTS")
	if dir == "" {
		dir = p.t.TempDir()
	}
	shot := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", shot)
}
