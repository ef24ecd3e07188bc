package webtest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/teonet-go/teomq"
)

// The golden frames the Go codec is tested against (wire/vectors_test.go),
// and the page's check of the browser client's codec against them.
const (
	vectorsFile  = "../wire/testdata/frames.jsonl"
	checkVectors = "testdata/check_vectors.js"
)

// TestBrowserCodecMatchesGoldenFrames runs the browser client's encoders
// and decoder (web/teomq.js, as the broker serves it) in Chromium over the
// golden frames that pin the Go codec, so that a change to either side
// that the other does not follow fails a test.
func TestBrowserCodecMatchesGoldenFrames(t *testing.T) {
	ctx := browser(t)
	vectors, err := os.ReadFile(vectorsFile)
	if err != nil {
		t.Fatal(err)
	}
	check, err := os.ReadFile(checkVectors)
	if err != nil {
		t.Fatal(err)
	}
	b, err := teomq.NewBroker(teomq.BrokerConfig{
		Name:       "wire-vectors-broker",
		ConfigDir:  t.TempDir(),
		Listen:     "127.0.0.1:0",
		HTTP:       "127.0.0.1:0",
		Durability: teomq.DurabilityMemory,
		Logger:     testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	origin := "http://" + b.HTTPAddr().String()

	page := newTab(t, ctx)
	page.do("open a page of the broker's origin", chromedp.Navigate(origin+"/healthz"))
	type result struct {
		Checked  int
		Failures []string
	}
	r := eval[result](page, fmt.Sprintf("(%s)(%s, %s)",
		strings.TrimSpace(string(check)), jsString(origin+"/teomq.js"), jsString(string(vectors))))
	for _, f := range r.Failures {
		t.Error(f)
	}
	if r.Checked < strings.Count(string(vectors), `"type":`) {
		t.Fatalf("checked %d frames, the file has %d", r.Checked, strings.Count(string(vectors), `"type":`))
	}
	t.Logf("%d checks of %s in Chromium, %d failed", r.Checked, vectorsFile, len(r.Failures))
}
