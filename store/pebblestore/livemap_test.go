package pebblestore

import "testing"

func TestLiveMapWatermark(t *testing.T) {
	type step struct {
		op        string // "add" or "done"
		seq       uint64
		wantFloor uint64
		wantPoint bool // done: the seq needs a point delete
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{
			{"add", 1, 0, false}, {"add", 2, 0, false},
			{"done", 1, 2, false}, {"done", 2, 3, false},
		}},
		{"out of order", []step{
			{"add", 1, 0, false}, {"add", 2, 0, false}, {"add", 3, 0, false},
			{"done", 2, 1, true}, {"done", 1, 3, false}, {"done", 3, 4, false},
		}},
		{"gap after an aborted seq", []step{
			{"add", 1, 0, false}, {"add", 5, 0, false},
			{"done", 1, 5, false}, {"done", 5, 6, false},
		}},
		{"unknown seq changes nothing", []step{
			{"add", 3, 0, false}, {"done", 9, 0, false}, {"done", 3, 4, false},
		}},
		{"replay below the watermark goes to the low lane", []step{
			{"add", 1, 0, false}, {"done", 1, 2, false},
			{"add", 1, 2, false}, {"add", 2, 2, false},
			{"done", 1, 2, false}, {"done", 2, 3, false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m liveMap
			for i, st := range tc.steps {
				point := false
				if st.op == "add" {
					m.add(st.seq)
				} else {
					_, _, point = m.done(st.seq)
				}
				if m.floor != st.wantFloor || point != st.wantPoint {
					t.Fatalf("step %d (%s %d): floor %d point %v, want floor %d point %v",
						i, st.op, st.seq, m.floor, point, st.wantFloor, st.wantPoint)
				}
			}
		})
	}
}

func TestLiveMapSweep(t *testing.T) {
	var m liveMap
	for seq := range uint64(3000) {
		m.add(seq)
	}
	var swept [][2]uint64
	for seq := range uint64(2500) {
		m.done(seq)
		if from, to, ok := m.sweep(1024); ok {
			swept = append(swept, [2]uint64{from, to})
		}
	}
	want := [][2]uint64{{0, 1024}, {1024, 2048}}
	if len(swept) != len(want) || swept[0] != want[0] || swept[1] != want[1] {
		t.Fatalf("sweeps %v, want %v", swept, want)
	}
}

func TestLiveMapClean(t *testing.T) {
	var m liveMap
	add := func(seq uint64) bool { _, clean, _ := m.add(seq); return clean }
	for _, seq := range []uint64{1, 2, 4, 5} {
		if !add(seq) {
			t.Fatalf("first append of %d not clean", seq)
		}
	}
	if !add(3) {
		t.Fatal("a seq arriving late, never written, was not clean")
	}
	if add(4) {
		t.Fatal("rewriting an undone seq was clean")
	}
	m.done(4) // out of order: a hole
	if add(4) {
		t.Fatal("re-appending a seq deleted out of order was clean")
	}
	m.done(1) // in order: below the watermark now
	if l, clean, _ := m.add(1); l != laneLow || !clean {
		t.Fatalf("replay below the watermark: lane %d clean %v, want low lane, clean", l, clean)
	}
	m.done(1)
	if _, clean, _ := m.add(1); !clean {
		t.Fatal("low-lane seq done and re-appended was not clean: its keys were range-deleted")
	}
	for _, seq := range []uint64{1, 2, 3, 4, 5} {
		m.done(seq)
	}
	if m.holes.len() != 0 {
		t.Fatalf("%d holes left below the watermark", m.holes.len())
	}
}
