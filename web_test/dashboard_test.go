package webtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/teonet-go/teomq"
)

// cell is the JavaScript text of the dashboard's cell of class col in the
// row of command.
func cell(command, col string) string {
	return fmt.Sprintf(`document.querySelector('tr.command[data-command=%s] td.%s')?.textContent`, jsString(command), col)
}

func TestDashboardInChromium(t *testing.T) {
	ctx := browser(t)
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		Name:          "dashboard-test-broker",
		ConfigDir:     t.TempDir(),
		Listen:        "127.0.0.1:0",
		HTTP:          "127.0.0.1:0",
		Durability:    teomq.DurabilityMemory,
		MaxDeliveries: 1,
		Logger:        testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	s := &stack{t: t, configDir: t.TempDir(), broker: b}
	p := s.connect("producer")
	for i := range 5 {
		send(t, p, "jobs", fmt.Sprint("job ", i))
	}
	for i := range 12 {
		send(t, p, "emails", fmt.Sprint("mail ", i))
	}

	page := newTab(t, ctx)
	page.do("open the dashboard", chromedp.Navigate("http://"+b.HTTPAddr().String()+"/"))
	page.waitText("state", "ready")
	page.waitFor("jobs with 5 pending", cell("jobs", "pending")+` === "5"`)
	page.waitFor("emails with 12 pending", cell("emails", "pending")+` === "12"`)
	if got := page.text("address"); got != b.Address() {
		t.Fatalf("address %q, want %s", got, b.Address())
	}

	// A consumer takes one job at a time and holds it until released.
	release := make(chan struct{})
	c := s.connect("consumer")
	if _, err := c.Subscribe("jobs", func(ctx context.Context, m *teomq.Message) ([]byte, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return m.Data, nil
	}); err != nil {
		t.Fatal(err)
	}
	page.waitFor("one job in flight", cell("jobs", "inflight")+` === "1" && `+cell("jobs", "pending")+` === "4"`)
	page.waitFor("the consumer counted", cell("jobs", "subscribers")+` === "1"`)
	for range 5 {
		release <- struct{}{}
	}
	page.waitFor("jobs drained", cell("jobs", "pending")+` === "0" && `+cell("jobs", "inflight")+` === "0"`)

	// A consumer that asks for a retry: with MaxDeliveries 1 the message
	// is dead-lettered, and the page shows it.
	if _, err := s.connect("billing").Subscribe("billing", func(context.Context, *teomq.Message) ([]byte, error) {
		return nil, teomq.Retry(errors.New("ledger offline"))
	}); err != nil {
		t.Fatal(err)
	}
	reqCtx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	if _, err := p.Request(reqCtx, "billing", []byte("invoice 7")); !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("billing request: %v, want ErrDeadLetter", err)
	}
	page.waitFor("a dead letter of billing", cell("billing", "dead")+` === "1"`)
	page.waitText("total-dead", "1")
	// A second group of emails shows as its own row.
	if _, err := s.connect("audit").Subscribe("emails", func(context.Context, *teomq.Message) ([]byte, error) {
		return nil, nil
	}, teomq.Group("audit")); err != nil {
		t.Fatal(err)
	}
	page.waitFor("the audit group's row",
		`document.querySelector('tr.group[data-command="emails"][data-group="audit"] td.subscribers')?.textContent === "1"`)
	// Some history for the charts.
	page.waitFor("a few polls", `Number(document.body.dataset.polls) >= 6`)

	page.saveScreenshot("dashboard.png")
}
