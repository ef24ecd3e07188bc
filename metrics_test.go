package teomq_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/teonet-go/teomq"
	"github.com/teonet-go/teomq/wire"
)

// scrape fetches b's /metrics and parses it with Prometheus' text parser.
func scrape(t testing.TB, b *teomq.Broker) map[string]*dto.MetricFamily {
	t.Helper()
	res, body := httpGet(t, "http://"+b.HTTPAddr().String()+"/metrics", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %s", res.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// httpGet GETs url with the headers (Host sets the request's Host) and
// returns the response and its body.
func httpGet(t testing.TB, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res, string(body)
}

// series finds the metric of family name whose labels are the pairs
// "name=value" given (other labels are ignored); nil if there is none.
func series(fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		for _, l := range labels {
			k, v, _ := strings.Cut(l, "=")
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is the value of a counter or gauge series, or of a histogram's
// sample count; -1 when the series is missing.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := series(fams, name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// want checks series values; each entry is a series (name and labels,
// space separated) and its expected value.
func want(t *testing.T, fams map[string]*dto.MetricFamily, checks map[string]float64) {
	t.Helper()
	for s, w := range checks {
		f := strings.Fields(s)
		if got := value(fams, f[0], f[1:]...); got != w {
			t.Errorf("%s = %v, want %v", s, got, w)
		}
	}
}

func TestMetricsCountAKnownSequence(t *testing.T) {
	b := mustStartBroker(t, teomq.BrokerConfig{
		HTTP:           "127.0.0.1:0",
		DataDir:        t.TempDir(),
		Durability:     teomq.DurabilitySync,
		MaxDeliveries:  2,
		MaxMessageSize: 1024,
	})
	held := make(chan struct{})
	release := make(chan struct{})
	c := mustConnect(t, b)
	if _, err := c.Subscribe("work", func(_ context.Context, m *teomq.Message) ([]byte, error) {
		switch string(m.Data) {
		case "fail":
			return nil, errors.New("no such user")
		case "retry":
			return nil, teomq.Retry(errors.New("backend down"))
		case "hold":
			held <- struct{}{}
			<-release
		}
		return m.Data, nil
	}, teomq.Concurrency(4)); err != nil {
		t.Fatal(err)
	}
	p := mustConnect(t, b)
	ctx := testCtx(t)
	for range 3 {
		if _, err := p.Request(ctx, "work", []byte("ok")); err != nil {
			t.Fatal(err)
		}
	}
	var re *teomq.RemoteError
	if _, err := p.Request(ctx, "work", []byte("fail")); !errors.As(err, &re) {
		t.Fatalf("fail: %v, want a RemoteError", err)
	}
	// Retried, redelivered, retried again: dead-lettered at its second
	// delivery.
	if _, err := p.Request(ctx, "work", []byte("retry")); !errors.Is(err, teomq.ErrDeadLetter) {
		t.Fatalf("retry: %v, want ErrDeadLetter", err)
	}
	// No consumer: the request's deadline passes in the queue.
	if _, err := p.Request(ctx, "late", nil, teomq.WithTTL(50*time.Millisecond)); !errors.Is(err, teomq.ErrTimeout) {
		t.Fatalf("late: %v, want ErrTimeout", err)
	}
	for range 2 {
		if _, err := p.Send(ctx, "queued", nil); err != nil {
			t.Fatal(err)
		}
	}
	// A client refuses an oversized message itself; a peer that sends one
	// anyway gets the broker's refusal, which is counted.
	if _, err := p.Send(ctx, "work", make([]byte, 2000)); !errors.Is(err, teomq.ErrTooLarge) {
		t.Fatalf("oversized: %v, want ErrTooLarge", err)
	}
	raw := rawPeer(t, b)
	if err := raw.Send((&wire.Publish{ID: wire.ID{1}, Command: "work", Data: make([]byte, 2000)}).AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	if c := nextFrame(t, raw, wire.TypeConfirm).(*wire.Confirm); c.Code != wire.CodeTooLarge {
		t.Fatalf("raw oversized publish: code %v, want CodeTooLarge", c.Code)
	}
	answered := make(chan error, 1)
	go func() { // owned by the test: ends when release is closed
		_, err := p.Request(ctx, "work", []byte("hold"))
		answered <- err
	}()
	recv(t, held, "the held delivery")

	want(t, scrape(t, b), map[string]float64{
		"teomq_messages_published_total command=work":            6,
		"teomq_messages_published_total command=late":            1,
		"teomq_messages_published_total command=queued":          2,
		"teomq_messages_delivered_total command=work group=":     7,
		"teomq_messages_redelivered_total command=work group=":   1,
		"teomq_answers_total command=work group= kind=reply":     3,
		"teomq_answers_total command=work group= kind=error":     1,
		"teomq_answers_total command=work group= kind=retry":     2,
		"teomq_messages_dead_lettered_total command=work group=": 1,
		"teomq_messages_expired_total command=late group=":       1,
		"teomq_messages_expired_total command=work group=":       0,
		"teomq_messages_pending command=queued group=":           2,
		"teomq_messages_pending command=work group=":             0,
		"teomq_messages_in_flight command=work group=":           1,
		"teomq_dead_letters command=work group=":                 1,
		"teomq_subscribers command=work group=":                  1,
		"teomq_subscribers command=queued group=":                0,
		"teomq_commands":                               3,
		"teomq_connections kind=go":                    3, // producer, consumer, raw peer
		"teomq_connections kind=browser":               0,
		"teomq_refused_total reason=message_too_large": 1,
		"teomq_refused_total reason=policy":            0,
		"teomq_slow_peer_disconnects_total":            0,
		"teomq_protocol_errors_total":                  0,
		"teomq_ready":                                  1,
		"teomq_store_healthy":                          1,
		"teomq_queue_wait_seconds":                     6, // first deliveries
		"teomq_handler_seconds":                        6, // answers
	})

	close(release)
	if err := recv(t, answered, "the held answer"); err != nil {
		t.Fatal(err)
	}
	fams := scrape(t, b)
	want(t, fams, map[string]float64{
		"teomq_answers_total command=work group= kind=reply": 4,
		"teomq_messages_in_flight command=work group=":       0,
		"teomq_handler_seconds":                              7,
		"teomq_publish_confirm_seconds":                      9,
	})
	if v := value(fams, "teomq_store_size_bytes"); v <= 0 {
		t.Errorf("teomq_store_size_bytes = %v, want the store's size", v)
	}
	if v := value(fams, "teomq_store_fsync_seconds"); v < 1 {
		t.Errorf("teomq_store_fsync_seconds counts %v syncs, want some", v)
	}
	if m := series(fams, "teomq_store_fsync_messages"); m == nil || m.Histogram.GetSampleSum() < 1 {
		t.Errorf("teomq_store_fsync_messages %v, want the messages synced", m)
	}
	if value(fams, "go_goroutines") <= 0 || value(fams, "process_cpu_seconds_total") < 0 {
		t.Errorf("the Go runtime's and the process's metrics are missing")
	}
}

func TestMetricsCapCommandLabels(t *testing.T) {
	const commands, capped = 10_000, 1000
	b := mustStartBroker(t, teomq.BrokerConfig{HTTP: "127.0.0.1:0"})
	p := mustConnect(t, b)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < commands; i += 16 {
				if _, err := p.Send(ctx, fmt.Sprintf("cmd-%05d", i), nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	fams := scrape(t, b)
	for _, name := range []string{"teomq_messages_published_total", "teomq_messages_pending", "teomq_messages_delivered_total", "teomq_subscribers"} {
		values := map[string]bool{}
		for _, m := range fams[name].GetMetric() {
			for _, l := range m.Label {
				if l.GetName() == "command" {
					values[l.GetValue()] = true
				}
			}
		}
		if len(values) != capped+1 || !values["_other"] {
			t.Errorf("%s has %d command label values, want %d and _other", name, len(values), capped+1)
		}
	}
	want(t, fams, map[string]float64{
		"teomq_messages_published_total command=_other":      commands - capped,
		"teomq_messages_published_total command=cmd-00000":   1,
		"teomq_messages_pending command=_other group=_other": commands - capped,
		"teomq_commands": commands,
	})
	// The help says so.
	if h := fams["teomq_messages_pending"].GetHelp(); !strings.Contains(h, `"_other"`) || !strings.Contains(h, "MetricsMaxCommands") {
		t.Errorf("help %q does not tell of the cap", h)
	}
}
