package sync

import (
	"bytes"
	"testing"
)

func frame(seq uint64, size int) Frame {
	return Frame{Seq: seq, Data: bytes.Repeat([]byte{byte(seq)}, size)}
}

// held returns the seqs the ring serves, checking its byte count.
func held(t *testing.T, r *ring, upTo uint64) []uint64 {
	t.Helper()
	var seqs []uint64
	total := 0
	for s := uint64(1); s <= upTo; s++ {
		if f, ok := r.get(s); ok {
			if f.Seq != s || len(f.Data) == 0 || f.Data[0] != byte(s) {
				t.Fatalf("get(%d) returned frame %d", s, f.Seq)
			}
			seqs = append(seqs, s)
			total += len(f.Data)
		}
	}
	if total != r.bytes {
		t.Fatalf("ring counts %d bytes, holds %d", r.bytes, total)
	}
	return seqs
}

func TestRing(t *testing.T) {
	for _, tc := range []struct {
		name         string
		slots, bytes int
		sizes        []int // frame sizes, seqs 1, 2, ...
		want         []uint64
	}{
		{"all fit", 8, 1000, []int{10, 10, 10}, []uint64{1, 2, 3}},
		{"slots wrap", 4, 1000, []int{10, 10, 10, 10, 10, 10}, []uint64{3, 4, 5, 6}},
		{"budget drops the oldest", 8, 100, []int{40, 40, 40, 30}, []uint64{3, 4}},
		{"a frame over budget stays alone", 8, 100, []int{10, 10, 500}, []uint64{3}},
		{"small frames after a big one", 8, 100, []int{500, 10, 10}, []uint64{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(tc.slots, tc.bytes)
			for i, size := range tc.sizes {
				r.put([]Frame{frame(uint64(i+1), size)})
			}
			got := held(t, r, uint64(len(tc.sizes)))
			if len(got) != len(tc.want) {
				t.Fatalf("holds %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("holds %v, want %v", got, tc.want)
				}
			}
		})
	}
	// Batches, many times round the slots, stay within the budget.
	r := newRing(16, 2000)
	seq := uint64(0)
	for range 500 {
		var batch []Frame
		for range 1 + int(seq%7) {
			seq++
			batch = append(batch, frame(seq, 50+int(seq%200)))
		}
		r.put(batch)
		if r.bytes > 2000 {
			t.Fatalf("after seq %d the ring holds %d bytes", seq, r.bytes)
		}
		if _, ok := r.get(seq); !ok {
			t.Fatalf("newest frame %d not held", seq)
		}
	}
	held(t, r, seq)
}
