package pebblestore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestWatermarkOutOfOrder checks that acks arriving in any order leave
// exactly the unacked messages, before and after reopening, and that
// messages appended after the watermark moved come back.
func TestWatermarkOutOfOrder(t *testing.T) {
	cases := []struct {
		name    string
		appends []uint64
		acks    []uint64
		later   []uint64 // appended after the acks
		want    []uint64
	}{
		{"ack 5 then 1..4", seqRange(1, 6), []uint64{5, 1, 2, 3, 4}, nil, []uint64{6}},
		{"reverse", seqRange(1, 6), []uint64{6, 5, 4, 3, 2, 1}, []uint64{7}, []uint64{7}},
		{"every other, then the first", seqRange(1, 10), []uint64{2, 4, 6, 8, 10, 1}, nil, []uint64{3, 5, 7, 9}},
		{"all in order, then more", seqRange(1, 6), seqRange(1, 6), []uint64{7, 8}, []uint64{7, 8}},
		{"gaps in seqs", []uint64{3, 7, 8, 20}, []uint64{7, 3}, []uint64{21}, []uint64{8, 20, 21}},
		{"unknown seqs acked", seqRange(1, 3), []uint64{100, 0, 2}, nil, []uint64{1, 3}},
		{"across chunk boundary", seqRange(4090, 4100), seqRange(4090, 4097), nil, seqRange(4098, 4100)},
		{"beyond sweep distance", seqRange(1, 3000), seqRange(1, 2999), []uint64{3001}, []uint64{3000, 3001}},
	}
	for _, im := range impls() {
		for _, tc := range cases {
			t.Run(im.name+"/"+tc.name, func(t *testing.T) {
				f := newFixture(t, im)
				f.write(true, appends("q", tc.appends...)...)
				for _, seq := range tc.acks {
					f.write(false, ackOp("q", seq, "", true))
				}
				if len(tc.later) > 0 {
					f.write(true, appends("q", tc.later...)...)
				}
				wantSeqs(t, f.load(), "q", tc.want...)
				f.reopen()
				wantSeqs(t, f.load(), "q", tc.want...)
				// Acking the rest after the reopen empties the queue for good.
				f.write(true, lastAcks("q", tc.want...)...)
				f.reopen()
				wantSeqs(t, f.load(), "q")
			})
		}
	}
}

// TestWatermarkRandomOrders acks a window of messages in many random
// orders, reopening in the middle, and checks that nothing acked returns.
func TestWatermarkRandomOrders(t *testing.T) {
	for _, im := range impls() {
		for seed := range 5 {
			t.Run(fmt.Sprintf("%s/seed=%d", im.name, seed), func(t *testing.T) {
				f := newFixture(t, im)
				const n = 300
				f.write(true, appends("q", seqRange(1, n)...)...)
				order := seqRange(1, n)
				shuffleWindowed(order, uint64(seed), 20)
				acked := map[uint64]bool{}
				for i, seq := range order[:n*2/3] {
					f.write(false, ackOp("q", seq, "", true))
					acked[seq] = true
					if i == n/3 {
						f.reopen()
					}
				}
				var want []uint64
				for seq := uint64(1); seq <= n; seq++ {
					if !acked[seq] {
						want = append(want, seq)
					}
				}
				f.reopen()
				wantSeqs(t, f.load(), "q", want...)
			})
		}
	}
}

// shuffleWindowed permutes s so that each element moves at most about w
// places: acks of a queue with several consumers arrive nearly in order.
func shuffleWindowed(s []uint64, seed uint64, w int) {
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range s {
		j := min(len(s)-1, i+r.IntN(w))
		s[i], s[j] = s[j], s[i]
	}
}
