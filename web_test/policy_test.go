package webtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/policy"
	"github.com/teonet-go/teomq/teonet"
	"github.com/teonet-go/teomq/wire"
)

// exampleConfig is the users_servers example's config file.
var exampleConfig = filepath.Join("..", "examples", "users_servers", "teomq.toml")

// examplePageOrigin is the origin the example's config file gives its web
// page.
const examplePageOrigin = "http://localhost:8094"

// exampleVersion is what the test's terminal consumer answers to version.
const exampleVersion = "users_servers consumer (test)"

// examplePolicy parses the example's config file with the addresses of the
// test's Go programs, by identity name in s.configDir, in place of its
// placeholders, and the stack's page origin in place of the example's.
func examplePolicy(t *testing.T, s *stack, names map[string]string) *policy.Policy {
	t.Helper()
	src, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	pairs := []string{examplePageOrigin, s.origin}
	for placeholder, name := range names {
		if !strings.Contains(string(src), placeholder) {
			t.Fatalf("%s has no placeholder %s", exampleConfig, placeholder)
		}
		pairs = append(pairs, placeholder, identityAddress(t, s.configDir, name))
	}
	p, err := policy.Parse([]byte(strings.NewReplacer(pairs...).Replace(string(src))), "teomq.toml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// identityAddress creates the identity name in config, as a client
// connecting with that name does on its first run, and returns its address.
func identityAddress(t *testing.T, config, name string) string {
	t.Helper()
	n, err := teonet.New(teonet.Config{Name: name, ConfigDir: config, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	return n.Address()
}

// The users_servers page under the example's config file: it gets the
// values in its own group and asks version, which the file allows its
// origin, and nothing more; a Go consumer the file does not name and a
// page of another origin are refused.
func TestWebConsumerUnderItsConfigFile(t *testing.T) {
	ctx := browser(t)
	s := startStack(t, withPolicy(func(s *stack) *policy.Policy {
		return examplePolicy(t, s, map[string]string{
			"ReplaceWithProducer1Address00000000": "producer-1",
			"ReplaceWithProducer2Address00000000": "producer-2",
			"ReplaceWithConsumerAddress000000000": "teomqconsumer",
		})
	}))

	producer1, producer2 := s.connect("producer-1"), s.connect("producer-2")
	terminal := &received{ch: make(chan string, 256)}
	tc := s.connect("teomqconsumer")
	for _, cmd := range []string{"num_servers", "num_players"} {
		if _, err := tc.Subscribe(cmd, terminal.handler); err != nil {
			t.Fatalf("the terminal consumer subscribes to %s: %v", cmd, err)
		}
	}
	if _, err := tc.Subscribe("version", func(context.Context, *teomq.Message) ([]byte, error) {
		return []byte(exampleVersion), nil
	}); err != nil {
		t.Fatalf("the terminal consumer subscribes to version: %v", err)
	}

	page := newTab(t, ctx)
	loaded := t.Run("the page gets the values in its own group and an answer to version", func(t *testing.T) {
		page.do("open the page", chromedp.Navigate(s.pageURL))
		page.waitFor("the connected state", `document.getElementById("state").dataset.state === "connected"`)
		page.waitFor("both subscriptions", `document.body.dataset.subscribed === "true"`)
		send(t, producer1, "num_servers", "4")
		send(t, producer2, "num_players", "61")
		page.waitText("num_servers", "4")
		page.waitText("num_players", "61")
		// The terminal consumer, in the default group, gets its own copies.
		terminal.expect(t, "num_servers=4", "num_players=61")

		page.do("click the version button", chromedp.Click(chromedp.CSS("#version-btn")))
		page.waitFor("the version answer", `["ok", "error"].includes(document.getElementById("version-answer").dataset.state)`)
		if got := page.text("version-answer"); !strings.HasPrefix(got, exampleVersion+" (from "+tc.Address()) {
			t.Fatalf("version answer %q, want the terminal consumer's", got)
		}
	})
	t.Run("a page may not read outside its own group nor send the values", func(t *testing.T) {
		if !loaded {
			t.Fatal("the page did not load (see above)")
		}
		type result struct{ SubscribeCode, SendCode int }
		r := eval[result](page, fmt.Sprintf(`(async () => {
			const m = await import(%s);
			const c = await m.connect(%s, %s, { name: "policy-test", logger: {} });
			try {
				const out = { SubscribeCode: 0, SendCode: 0 };
				await c.subscribe("num_servers", () => "", { ephemeral: true }).catch((e) => { out.SubscribeCode = e.code ?? -1; });
				await c.send("num_servers", "1").catch((e) => { out.SendCode = e.code ?? -1; });
				return out;
			} finally {
				c.close();
			}
		})()`, jsString(s.module()), jsString(s.wsURL()), jsString(s.broker.Address())))
		if r.SubscribeCode != int(wire.CodeForbidden) {
			t.Errorf("a page subscribing in the default group: code %d, want %d (Forbidden)", r.SubscribeCode, wire.CodeForbidden)
		}
		if r.SendCode != int(wire.CodeForbidden) {
			t.Errorf("a page sending num_servers: code %d, want %d (Forbidden)", r.SendCode, wire.CodeForbidden)
		}
	})
	t.Run("a Go consumer the file does not name may not subscribe", func(t *testing.T) {
		spy := s.connect("spy")
		_, err := spy.Subscribe("num_servers", terminal.handler)
		if !errors.Is(err, teomq.ErrForbidden) {
			t.Fatalf("Subscribe num_servers by a consumer the file does not name: %v, want ErrForbidden", err)
		}
	})
	t.Run("a page of another origin than the file names is refused", func(t *testing.T) {
		s.expectOtherOriginRefused(t, ctx)
	})
}
