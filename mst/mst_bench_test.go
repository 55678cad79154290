package mst

import (
	"context"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	imst "github.com/bluesky-social/indigo/atproto/repo/mst"
	legacymst "github.com/bluesky-social/indigo/mst"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
)

// Benchmarks of this package beside indigo's atproto/repo/mst (and, for
// Diff, indigo's legacy mst.DiffTrees, the only diff indigo has), on the
// same keys in the same run. Run with
//
//	go test -run '^$' -bench . -benchmem ./mst/
//
// and compare each ours/indigo pair. Besides ns/op (wall time), each
// benchmark reports cpu-ns/op, the process CPU time (all threads,
// garbage collection included) per operation, which is steadier on a
// shared machine.

const benchSize = 10_000

// cpuClock measures process CPU time across a benchmark loop.
type cpuClock struct{ start time.Duration }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{start: cpuNow()} }

// report adds cpu-ns/op; call it after the b.Loop loop.
func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNow()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// benchKeys returns n random keys and one value per key, the same on
// every call.
func benchKeys(n int, seed uint64) ([]string, []cid.Cid) {
	rng := rand.New(rand.NewPCG(seed, 99))
	gen := &keyGen{rng: rng, clock: 1_700_000_000_000_000}
	seen := map[string]bool{}
	keys := make([]string, 0, n)
	vals := make([]cid.Cid, 0, n)
	for len(keys) < n {
		k := gen.key()
		if seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		vals = append(vals, valueCID(len(keys)))
	}
	return keys, vals
}

// memSource adapts a memStore to the block interfaces of both indigo
// packages, so that all sides read the same map.
type memSource struct{ s memStore }

func (m memSource) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	return ourSource(m).Get(context.Background(), c)
}

func (m memSource) Put(_ context.Context, b blocks.Block) error {
	m.s[b.Cid()] = b.RawData()
	return nil
}

// writeOp returns the i-th operation of the write benchmarks: it inserts
// the keys of extra in rounds of len(extra) and deletes them again in the
// following round, so the tree stays between benchSize and
// benchSize+len(extra) keys however long the benchmark runs.
func writeOp(i int, extra []string) (key string, insert bool) {
	return extra[i%len(extra)], (i/len(extra))%2 == 0
}

// BenchmarkPutRoot inserts one key into a 10,000-key tree (or deletes it,
// in alternate rounds of 1,000) and computes the new root.
func BenchmarkPutRoot(b *testing.B) {
	keys, vals := benchKeys(benchSize, 1)
	extra, _ := benchKeys(1000, 2)
	val := valueCID(-1)
	b.Run("ours", func(b *testing.B) {
		t := New(nil)
		for i, k := range keys {
			t.Put(k, vals[i])
		}
		t.Root()
		b.ReportAllocs()
		clock := startCPU()
		i := 0
		for b.Loop() {
			k, insert := writeOp(i, extra)
			i++
			var err error
			if insert {
				_, err = t.Put(k, val)
			} else {
				_, err = t.Delete(k)
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := t.Root(); err != nil {
				b.Fatal(err)
			}
		}
		clock.report(b)
	})
	b.Run("indigo", func(b *testing.B) {
		t := imst.NewEmptyTree()
		for i, k := range keys {
			t.Insert([]byte(k), vals[i])
		}
		t.RootCID()
		b.ReportAllocs()
		clock := startCPU()
		i := 0
		for b.Loop() {
			k, insert := writeOp(i, extra)
			i++
			var err error
			if insert {
				_, err = t.Insert([]byte(k), val)
			} else {
				_, err = t.Remove([]byte(k))
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := t.RootCID(); err != nil {
				b.Fatal(err)
			}
		}
		clock.report(b)
	})
}

// BenchmarkGet looks up keys of a 10,000-key tree held in memory.
func BenchmarkGet(b *testing.B) {
	keys, vals := benchKeys(benchSize, 1)
	b.Run("ours", func(b *testing.B) {
		t := New(nil)
		for i, k := range keys {
			t.Put(k, vals[i])
		}
		t.Root()
		b.ReportAllocs()
		clock := startCPU()
		i := 0
		for b.Loop() {
			if _, ok, err := t.Get(keys[i%len(keys)]); !ok || err != nil {
				b.Fatal("missing key", err)
			}
			i++
		}
		clock.report(b)
	})
	b.Run("indigo", func(b *testing.B) {
		t := imst.NewEmptyTree()
		for i, k := range keys {
			t.Insert([]byte(k), vals[i])
		}
		t.RootCID()
		b.ReportAllocs()
		clock := startCPU()
		i := 0
		for b.Loop() {
			if v, err := t.Get([]byte(keys[i%len(keys)])); v == nil || err != nil {
				b.Fatal("missing key", err)
			}
			i++
		}
		clock.report(b)
	})
}

// BenchmarkDiffOne diffs two stored versions of a 10,000-key tree that
// differ in one value, reading nodes from a block map.
func BenchmarkDiffOne(b *testing.B) {
	keys, vals := benchKeys(benchSize, 1)
	m := map[string]cid.Cid{}
	for i, k := range keys {
		m[k] = vals[i]
	}
	tree, store, before := MustBuild(b, m)
	tree.Put(keys[benchSize/2], valueCID(-1))
	ch, err := tree.Commit()
	if err != nil {
		b.Fatal(err)
	}
	store.add(b, ch)
	after := ch.Root
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		clock := startCPU()
		for b.Loop() {
			ops, err := Diff(store, before, after)
			if err != nil || len(ops) != 1 {
				b.Fatal(ops, err)
			}
		}
		clock.report(b)
	})
	b.Run("indigo", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		clock := startCPU()
		for b.Loop() {
			ops, err := legacymst.DiffTrees(ctx, memSource{store}, before, after)
			if err != nil || len(ops) != 1 {
				b.Fatal(ops, err)
			}
		}
		clock.report(b)
	})
}

// BenchmarkBuild builds a 10,000-key tree from nothing, in random key
// order, and computes its root.
func BenchmarkBuild(b *testing.B) {
	keys, vals := benchKeys(benchSize, 1)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		clock := startCPU()
		for b.Loop() {
			t := New(nil)
			for i, k := range keys {
				if _, err := t.Put(k, vals[i]); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := t.Root(); err != nil {
				b.Fatal(err)
			}
		}
		clock.report(b)
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		clock := startCPU()
		for b.Loop() {
			t := imst.NewEmptyTree()
			for i, k := range keys {
				if _, err := t.Insert([]byte(k), vals[i]); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := t.RootCID(); err != nil {
				b.Fatal(err)
			}
		}
		clock.report(b)
	})
}
