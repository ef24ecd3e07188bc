package pebblestore_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/teonet-go/teomq/store"
	"github.com/teonet-go/teomq/store/pebblestore"
)

// TestPebbleMatchesMemory drives a PebbleStore and a MemoryStore with the
// same random ops (appends, acks in and out of order, replays below the
// watermark, attempts, dead letters, groups, mailbox, purges) and checks after
// every step of writes that both Load the same records, reopening the
// pebble store now and then.
func TestPebbleMatchesMemory(t *testing.T) {
	const seeds, steps = 6, 150
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			g := newOpGen(seed)
			mem := store.NewMemory()
			dir := t.TempDir()
			peb := store.Store(openPebble(t, dir, pebblestore.PebbleOptions{}))
			for step := range steps {
				ops := g.batch()
				sync := g.r.IntN(3) == 0
				mustWrite(t, mem, sync, ops...)
				mustWrite(t, peb, sync, ops...)
				if g.r.IntN(25) == 0 {
					if err := peb.Close(); err != nil {
						t.Fatalf("Close: %v", err)
					}
					peb = openPebble(t, dir, pebblestore.PebbleOptions{})
				}
				if step%10 == 9 || step == steps-1 {
					got, want := load(t, peb), load(t, mem)
					if len(want) == 0 && step == steps-1 {
						t.Fatal("the generator left nothing to compare")
					}
					wantRecords(t, got, want)
				}
			}
		})
	}
}

// opGen makes random but well-formed batches of ops, as a broker would:
// per command, appends mostly with ascending seqs, some arriving late (as
// concurrent writers deliver them) and some replayed with their old seq.
type opGen struct {
	r      *rand.Rand
	next   map[string]uint64
	ids    uint64
	cmds   []string
	groups []string
	late   map[string][]uint64 // seqs skipped, to be appended later
}

func newOpGen(seed uint64) *opGen {
	return &opGen{
		r:      rand.New(rand.NewPCG(seed, 42)),
		next:   map[string]uint64{},
		cmds:   []string{"alpha", "beta", "gamma"},
		groups: []string{"", "g1", "g2"},
		late:   map[string][]uint64{},
	}
}

func (g *opGen) batch() []store.Op {
	ops := make([]store.Op, 1+g.r.IntN(6))
	for i := range ops {
		ops[i] = g.op()
	}
	return ops
}

// seq picks a seq of cmd at or below the last appended, mostly near the
// top, so that acks hit undone messages in and out of order.
func (g *opGen) seq(cmd string) uint64 {
	n := g.next[cmd]
	if n == 0 {
		return 1
	}
	back := uint64(g.r.IntN(12))
	if g.r.IntN(10) == 0 {
		back = uint64(g.r.IntN(int(n)))
	}
	return max(1, n-min(back, n))
}

func (g *opGen) op() store.Op {
	cmd := g.cmds[g.r.IntN(len(g.cmds))]
	group := g.groups[g.r.IntN(len(g.groups))]
	live := future(time.Hour)
	switch k := g.r.IntN(100); {
	case k < 32:
		g.next[cmd]++
		if g.r.IntN(6) == 0 { // a writer that will append it later
			g.late[cmd] = append(g.late[cmd], g.next[cmd])
			g.next[cmd]++
		}
		return appendOp(cmd, g.next[cmd])
	case k < 35 && len(g.late[cmd]) > 0: // seqs arriving out of order
		i := g.r.IntN(len(g.late[cmd]))
		seq := g.late[cmd][i]
		g.late[cmd] = append(g.late[cmd][:i], g.late[cmd][i+1:]...)
		return appendOp(cmd, seq)
	case k < 38: // a replay keeps its old seq
		return appendOp(cmd, g.seq(cmd))
	case k < 65:
		op := ackOp(cmd, g.seq(cmd), group, g.r.IntN(4) != 0)
		op.Size = len(newMsg(cmd, op.Seq).Data)
		if op.Last && g.r.IntN(2) == 0 {
			g.ids++
			op.ID, op.Expires = msgID("dedup", g.ids), live+int64(g.ids)
			if g.r.IntN(2) == 0 {
				op.Answer = &store.Answer{Producer: "p", Code: 5, From: "c", Data: []byte("answer")}
			}
		}
		return op
	case k < 78:
		return store.Op{Kind: store.KindAttempt, Command: cmd, Seq: g.seq(cmd), Group: group, Attempt: uint32(1 + g.r.IntN(20))}
	case k < 84:
		seq := g.seq(cmd)
		m := newMsg(cmd, seq)
		m.Attempt = 20
		return store.Op{Kind: store.KindDeadLetter, Command: cmd, Seq: seq, Group: group, Msg: m}
	case k < 87:
		return store.Op{Kind: store.KindDeadLetterDelete, Command: cmd, Seq: g.seq(cmd), Group: group}
	case k < 90:
		return store.Op{Kind: store.KindGroup, Command: cmd, Group: group}
	case k < 96:
		id := msgID("mail", uint64(g.r.IntN(8)))
		return store.Op{Kind: store.KindMailbox, Answer: &store.Answer{ID: id, Producer: "p", Data: []byte("m")}, Expires: live}
	case k < 97: // the result its producer got, kept with the message
		return store.Op{Kind: store.KindResult, Command: cmd, Seq: g.seq(cmd),
			Answer: &store.Answer{Producer: "p", Code: uint16(g.r.IntN(8)), From: "c", Data: []byte("result")}}
	case k < 98: // a purge of a stretch, a message or two of it kept
		to := g.seq(cmd)
		from := to - min(to-1, uint64(g.r.IntN(40)))
		var keep []uint64
		for seq := from; seq <= to; seq++ {
			if g.r.IntN(16) == 0 {
				keep = append(keep, seq)
			}
		}
		return store.Op{Kind: store.KindPurge, Command: cmd, Seq: from, To: to, Seqs: keep}
	default:
		return store.Op{Kind: store.KindMailboxDelete, ID: msgID("mail", uint64(g.r.IntN(8)))}
	}
}
