package teomq_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/teonet-go/teomq"
)

// BenchmarkRequestScraped measures what /metrics costs the hot path:
// request/reply from 64 clients, each with its own connection (as
// BenchmarkRequest's clients=64 rows), with /metrics not scraped, and
// scraped every second, in one invocation. 100 other
// commands with a message each give the scrapes some labelled series to
// walk. Compare the two rows' ops/s; run with -benchtime of several
// seconds (a scrape a second) and -count to interleave them:
//
//	go test -run XXX -bench RequestScraped -benchtime 10s -count 3 .
func BenchmarkRequestScraped(b *testing.B) {
	for _, every := range []time.Duration{0, time.Second} {
		name := "scraped=never"
		if every > 0 {
			name = "scraped=" + every.String()
		}
		b.Run("clients=64/"+name, func(b *testing.B) {
			br := mustStartBroker(b, teomq.BrokerConfig{HTTP: "127.0.0.1:0"})
			for range 2 {
				c := mustConnect(b, br)
				if _, err := c.Subscribe("bench", echo, teomq.Concurrency(64)); err != nil {
					b.Fatal(err)
				}
			}
			clients := connectClients(b, br, 64)
			p := clients[0]
			for i := range 100 {
				if _, err := p.Send(context.Background(), fmt.Sprint("idle-", i), nil); err != nil {
					b.Fatal(err)
				}
			}
			scrapes := 0
			if every > 0 {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Go(func() { scrapes = scrapeEvery(b, br, every, stop) }) // owned by this benchmark: stopped below
				defer func() {
					close(stop)
					wg.Wait()
					b.ReportMetric(float64(scrapes), "scrapes")
				}()
			}
			payload := make([]byte, 128)
			b.ReportAllocs()
			runProducers(b, 64, func(ctx context.Context, i int) error {
				_, err := clients[i].Request(ctx, "bench", payload)
				return err
			})
		})
	}
}

// scrapeEvery GETs b's /metrics every interval until stop is closed, and
// returns how many scrapes it made.
func scrapeEvery(tb testing.TB, b *teomq.Broker, every time.Duration, stop <-chan struct{}) int {
	url := "http://" + b.HTTPAddr().String() + "/metrics"
	t := time.NewTicker(every)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-stop:
			return n
		case <-t.C:
		}
		res, err := http.Get(url)
		if err != nil {
			tb.Error(err)
			return n
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			tb.Errorf("scrape: %s %v", res.Status, err)
			return n
		}
		n++
	}
}

// BenchmarkMetricsScrape measures one scrape of /metrics (collect, encode,
// transfer) of a broker with 1,000 commands, each holding a message: the
// label cap's worth of series.
func BenchmarkMetricsScrape(b *testing.B) {
	br := mustStartBroker(b, teomq.BrokerConfig{HTTP: "127.0.0.1:0"})
	p := mustConnect(b, br)
	for i := range 1000 {
		if _, err := p.Send(context.Background(), fmt.Sprint("cmd-", i), nil); err != nil {
			b.Fatal(err)
		}
	}
	url := "http://" + br.HTTPAddr().String() + "/metrics"
	b.ReportAllocs()
	for b.Loop() {
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("scrape: %s %v", res.Status, err)
		}
		b.SetBytes(n)
	}
}
