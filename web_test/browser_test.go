package webtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/teonet-go/teomq/wire"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/teonet"
)

var addressRE = regexp.MustCompile(`^[A-Za-z0-9]{35}$`)

// received collects what a Go consumer got, by command.
type received struct {
	ch chan string // "command=data"
}

func (r *received) handler(_ context.Context, m *teomq.Message) ([]byte, error) {
	r.ch <- m.Command + "=" + string(m.Data)
	return []byte("ok"), nil
}

// expect waits until the consumer got each of want, in any order among
// other messages.
func (r *received) expect(t *testing.T, want ...string) {
	t.Helper()
	missing := make(map[string]int)
	for _, w := range want {
		missing[w]++
	}
	deadline := time.After(stepTimeout)
	for len(missing) > 0 {
		select {
		case got := <-r.ch:
			if missing[got]--; missing[got] <= 0 {
				delete(missing, got)
			}
		case <-deadline:
			t.Fatalf("the terminal consumer did not get %v", missing)
		}
	}
}

func TestWebConsumerInChromium(t *testing.T) {
	ctx := browser(t)
	s := startStack(t)

	// The Go side of users_servers: two producers, the terminal consumer
	// in the default group, and a consumer of version.
	producer1, producer2 := s.connect("produser-1"), s.connect("produser-2")
	terminal := &received{ch: make(chan string, 256)}
	tc := s.connect("terminal-consumer")
	for _, cmd := range []string{"num_servers", "num_players"} {
		if _, err := tc.Subscribe(cmd, terminal.handler); err != nil {
			t.Fatal(err)
		}
	}
	versionFrom := make(chan string, 16)
	vc := s.connect("version-consumer")
	if _, err := vc.Subscribe("version", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		versionFrom <- m.From
		return []byte("teomq-test 1.2.3 ✓"), nil
	}); err != nil {
		t.Fatal(err)
	}

	page := newTab(t, ctx)
	var address string
	ok := t.Run("page connects and shows its address", func(t *testing.T) {
		page.do("open the page", chromedp.Navigate(s.pageURL))
		page.waitFor("the connected state", `document.getElementById("state").dataset.state === "connected"`)
		page.waitFor("both subscriptions", `document.body.dataset.subscribed === "true"`)
		address = page.text("address")
		if !addressRE.MatchString(address) {
			t.Fatalf("page shows address %q, want 35 characters [A-Za-z0-9]", address)
		}
		if got := page.text("broker"); got != s.broker.Address() {
			t.Fatalf("page shows broker %q, want %s", got, s.broker.Address())
		}
	})
	ok = ok && t.Run("JavaScript derives addresses as Go does", func(t *testing.T) {
		keys := []ed25519.PublicKey{ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)).Public().(ed25519.PublicKey)}
		for range 4 {
			pub, _, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, pub)
		}
		for _, k := range keys {
			expr := fmt.Sprintf("import(%s).then((m) => m.addressOf(new Uint8Array(%s)))", jsString(s.module()), jsonBytes(k))
			if got, want := eval[string](page, expr), teonet.AddressOf(k); got != want {
				t.Fatalf("addressOf(%x) = %s in JavaScript, %s in Go", []byte(k), got, want)
			}
		}
	})
	ok = ok && t.Run("two producers' values reach the page and the terminal consumer", func(t *testing.T) {
		for _, v := range []string{"3", "8", "5"} {
			send(t, producer1, "num_servers", v)
		}
		for _, v := range []string{"120", "96"} {
			send(t, producer2, "num_players", v)
		}
		page.waitText("num_servers", "5")
		page.waitText("num_players", "96")
		terminal.expect(t, "num_servers=3", "num_servers=8", "num_servers=5", "num_players=120", "num_players=96")
		if from := page.text("num_players_from"); !strings.Contains(from, producer2.Address()) {
			t.Fatalf("num_players shown %q, want it from producer 2 (%s)", from, producer2.Address())
		}
	})
	ok = ok && t.Run("text arrives intact and inert", func(t *testing.T) {
		const unicode = "héllo ✓ 日本"
		const markup = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`
		send(t, producer2, "num_players", unicode)
		send(t, producer1, "num_servers", markup)
		page.waitText("num_players", unicode)
		page.waitText("num_servers", markup)
		terminal.expect(t, "num_players="+unicode, "num_servers="+markup)
		if eval[bool](page, `window.__xss !== undefined || document.querySelector("main img, main script") !== null`) {
			t.Fatal("the payload's markup became part of the page")
		}
	})
	ok = ok && t.Run("version button shows the Go consumer's answer", func(t *testing.T) {
		page.do("click the version button", chromedp.Click(chromedp.CSS("#version-btn")))
		page.waitFor("the version answer", `document.getElementById("version-answer").dataset.state === "ok"`)
		if got := page.text("version-answer"); !strings.HasPrefix(got, "teomq-test 1.2.3 ✓ (from "+vc.Address()) {
			t.Fatalf("version answer %q, want the version consumer's", got)
		}
		// The broker derived the page's address from its key as the page did.
		select {
		case from := <-versionFrom:
			if from != address {
				t.Fatalf("the request came from %s, the page shows %s", from, address)
			}
		case <-time.After(stepTimeout):
			t.Fatal("the version consumer got no request")
		}
	})
	ok = ok && t.Run("the client refuses a broker of another address", func(t *testing.T) {
		wrong := strings.Repeat("A", 35)
		reason := eval[string](page, fmt.Sprintf(`(async () => {
			const m = await import(%s);
			const c = await m.connect(%s, %s, { name: "wrong-broker", logger: {} });
			try {
				return await new Promise((resolve) =>
					c.addEventListener("disconnected", (e) => resolve(e.detail.reason), { once: true }));
			} finally {
				c.close();
			}
		})()`, jsString(s.module()), jsString(s.wsURL()), jsString(wrong)))
		if !strings.Contains(reason, s.broker.Address()) || !strings.Contains(reason, "not of "+wrong) {
			t.Fatalf("disconnected with %q, want a reason naming both addresses", reason)
		}
	})
	ok = ok && t.Run("client API: bytes, IDs, remote errors and timeouts", func(t *testing.T) {
		got := make(chan *teomq.Message, 1)
		api := s.connect("api-consumer")
		if _, err := api.Subscribe("api_bytes", func(_ context.Context, m *teomq.Message) ([]byte, error) {
			got <- m
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := api.Subscribe("api_fail", func(context.Context, *teomq.Message) ([]byte, error) {
			return nil, errors.New("boom ✗")
		}); err != nil {
			t.Fatal(err)
		}
		type result struct {
			ID          string
			FailCode    int
			FailMessage string
			FailFrom    string
			TimeoutCode int
			BadSub      string
			EmptySend   int
			EmptySub    int
		}
		r := eval[result](page, fmt.Sprintf(`(async () => {
			const m = await import(%s);
			const c = await m.connect(%s, %s, { name: "api-test" });
			try {
				const out = {};
				out.ID = await c.send("api_bytes", new Uint8Array([0, 255, 1, 128]));
				await c.request("api_fail", "x", { timeout: 5000 }).catch((e) => {
					out.FailCode = e.code; out.FailMessage = e.message; out.FailFrom = e.from;
				});
				await c.request("api_nobody", "x", { timeout: 300 }).catch((e) => { out.TimeoutCode = e.code; });
				await c.subscribe("api_bytes", () => "", { concurrency: 0 }).catch((e) => { out.BadSub = e.name; });
				await c.send("", "x").catch((e) => { out.EmptySend = e.code; });
				await c.subscribe("", () => "").catch((e) => { out.EmptySub = e.code; });
				return out;
			} finally {
				c.close();
			}
		})()`, jsString(s.module()), jsString(s.wsURL()), jsString(s.broker.Address())))
		m := recvMsg(t, got)
		if !bytes.Equal(m.Data, []byte{0, 255, 1, 128}) || m.ID.String() != r.ID {
			t.Fatalf("Go consumer got % x with ID %s, want 00 ff 01 80 with the ID send returned (%s)", m.Data, m.ID, r.ID)
		}
		if r.FailCode != 5 || r.FailMessage != "boom ✗" || r.FailFrom != api.Address() {
			t.Fatalf("remote error: code %d %q from %s, want 5 (RemoteError) \"boom ✗\" from %s", r.FailCode, r.FailMessage, r.FailFrom, api.Address())
		}
		if r.TimeoutCode != 6 {
			t.Fatalf("unanswered request: code %d, want 6 (Timeout)", r.TimeoutCode)
		}
		if r.BadSub != "TypeError" {
			t.Fatalf("subscribe with concurrency 0: %q, want a TypeError", r.BadSub)
		}
		// An empty command is refused, as the Go client refuses it.
		if r.EmptySend != 3 || r.EmptySub != 3 {
			t.Fatalf("empty command: send code %d, subscribe code %d, want 3 (BadCommand) for both", r.EmptySend, r.EmptySub)
		}
	})
	ok = ok && t.Run("a page's handler learns that the producer gave up", func(t *testing.T) {
		ready := eval[bool](page, fmt.Sprintf(`(async () => {
			const m = await import(%s);
			const c = await m.connect(%s, %s, { name: "cancel-test" });
			window.__cancelClient = c;
			await c.subscribe("web_slow", (msg) => new Promise((resolve) => {
				window.__started = true;
				msg.signal.addEventListener("abort", () => {
					window.__aborted = msg.signal.reason?.code ?? -2;
					resolve("late answer");
				});
			}));
			return true;
		})()`, jsString(s.module()), jsString(s.wsURL()), jsString(s.broker.Address())))
		if !ready {
			t.Fatal("the page did not subscribe")
		}
		defer eval[bool](page, `(window.__cancelClient.close(), true)`)
		p := s.connect("cancel-producer")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res := make(chan error, 1)
		go func() {
			_, err := p.Request(ctx, "web_slow", []byte("x"))
			res <- err
		}()
		page.waitFor("the page's handler to start", `window.__started === true`)
		cancel()
		page.waitFor("the handler's signal to abort", `window.__aborted !== undefined`)
		if code := eval[int](page, `window.__aborted`); code != int(wire.CodeCancelled) {
			t.Fatalf("signal aborted with code %d, want %d (Cancelled)", code, wire.CodeCancelled)
		}
		select {
		case err := <-res:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Request: %v, want context.Canceled", err)
			}
		case <-time.After(stepTimeout):
			t.Fatal("Request did not return")
		}
	})
	ok = ok && t.Run("a page the broker refuses says why and what to do", func(t *testing.T) {
		s.expectOtherOriginRefused(t, ctx)
	})
	ok = ok && t.Run("a reload keeps the identity, another tab has its own", func(t *testing.T) {
		page.do("reload", chromedp.Reload())
		page.waitFor("the connected state after the reload", `document.getElementById("state").dataset.state === "connected"`)
		if got := page.text("address"); got != address {
			t.Fatalf("after a reload the page's address is %s, was %s", got, address)
		}
		page.waitFor("both subscriptions", `document.body.dataset.subscribed === "true"`)

		other := newTab(t, ctx)
		other.do("open the page in a second tab", chromedp.Navigate(s.pageURL))
		other.waitFor("the connected state of the second tab", `document.getElementById("state").dataset.state === "connected"`)
		other.waitFor("both subscriptions of the second tab", `document.body.dataset.subscribed === "true"`)
		second := other.text("address")
		if !addressRE.MatchString(second) || second == address {
			t.Fatalf("second tab's address %q, want another 35-character address than %s", second, address)
		}
		// Each tab is its own peer in its own group: both get a copy.
		send(t, producer1, "num_servers", "13")
		page.waitText("num_servers", "13")
		other.waitText("num_servers", "13")
		terminal.expect(t, "num_servers=13")
	})
	ok = ok && t.Run("page recovers after a broker restart", func(t *testing.T) {
		if err := s.broker.Close(); err != nil {
			t.Fatal(err)
		}
		page.waitFor("the disconnected state", `document.getElementById("state").dataset.state === "disconnected"`)
		s.startBroker()
		page.waitFor("the connected state after the restart", `document.getElementById("state").dataset.state === "connected"`)
		if got := page.text("address"); got != address {
			t.Fatalf("after the restart the page's address is %s, was %s", got, address)
		}
		// The page and the terminal consumer re-subscribe as they reconnect,
		// each in its own time; the restarted broker (memory durability)
		// knows no groups, so a value sent before a consumer's group exists
		// again does not reach it. Send until both have the values.
		missing := map[string]bool{"num_servers=42": true, "num_players=77": true}
		deadline := time.Now().Add(stepTimeout)
		for n := 0; ; n++ {
			send(t, producer1, "num_servers", "42")
			send(t, producer2, "num_players", "77")
		drain:
			for {
				select {
				case got := <-terminal.ch:
					delete(missing, got)
				default:
					break drain
				}
			}
			if page.text("num_servers") == "42" && page.text("num_players") == "77" && len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) || n == 100 {
				t.Fatalf("after the restart the page shows %q and %q, want 42 and 77; the terminal consumer still lacks %v",
					page.text("num_servers"), page.text("num_players"), missing)
			}
			time.Sleep(100 * time.Millisecond) // polling with a bounded deadline
		}

		page.do("click the version button", chromedp.Click(chromedp.CSS("#version-btn")))
		page.waitFor("the version answer after the restart",
			`document.getElementById("version-answer").dataset.state === "ok"`)
	})
	if !ok {
		return
	}
	page.mu.Lock()
	for _, line := range page.console {
		if strings.Contains(line, "frame") {
			t.Errorf("the page logged a frame it could not take: %s", line)
		}
	}
	page.mu.Unlock()
	page.saveScreenshot("consumer_web.png")
}

// jsonBytes writes b as a JavaScript array literal.
func jsonBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// recvMsg waits for a message from a Go handler.
func recvMsg(t *testing.T, ch <-chan *teomq.Message) *teomq.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(stepTimeout):
		t.Fatal("the Go consumer got nothing")
		return nil
	}
}
