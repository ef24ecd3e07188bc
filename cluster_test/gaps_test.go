//go:build cluster_gaps

package clustertest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/teonet-go/teomq"
)

// This file holds behaviour of one broker that cluster mode lacks today,
// as docs/cluster.md says ("Where it differs from one broker"). Its tests
// fail until the engine has it; run them with -tags cluster_gaps.

// A Request retried with its ID through another broker, after its first
// answer came, gets that answer again, as with one broker (WithID).
func TestRetriedRequestThroughAnotherBrokerGetsTheFirstAnswer(t *testing.T) {
	t.Parallel()
	tc := startCluster(t, 2, teomq.BrokerConfig{})
	var calls atomic.Int64
	c := tc.connect(on(1))
	if _, err := c.Subscribe("once", func(context.Context, *teomq.Message) ([]byte, error) {
		return []byte(fmt.Sprint("call ", calls.Add(1))), nil
	}); err != nil {
		t.Fatal(err)
	}
	dir, id, ctx := t.TempDir(), newID(t), testCtx(t)
	var answers []string
	for _, b := range []int{0, 1} {
		p := tc.connectAs("producer", dir, on(b))
		ans, err := p.Request(ctx, "once", nil, teomq.WithID(id))
		if err != nil {
			t.Fatalf("request through broker %d: %v", b, err)
		}
		answers = append(answers, string(ans.Data))
		p.Close()
	}
	if answers[0] != "call 1" || answers[1] != "call 1" {
		t.Fatalf("answers %q, want the first answer twice", answers)
	}
}
