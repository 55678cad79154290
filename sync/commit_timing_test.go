package sync_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
	pdssync "github.com/boltsky/boltsky/sync"
)

// benchCommits writes b.N posts, durably (fsync on), with writers
// goroutines spread over accounts accounts, and reports commits/s and
// fsyncs per commit (bbolt syncs each write transaction twice: data
// pages, then the meta page).
func benchCommits(b *testing.B, accounts, writers int) {
	n := MustNode(b, b.TempDir(), nodeOptions{})
	dids := make([]atp.DID, accounts)
	for i := range dids {
		dids[i], _ = n.mustAccount(b, i)
	}
	rec := post(b, "a typical post of some length, with a little text in it")
	ctx := context.Background()
	before, seqBefore := n.reg.Stats(), n.seq.Stats()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			did := dids[w%accounts]
			for next.Add(1) <= int64(b.N) {
				_, err := n.reg.Write(ctx, did, actor.WriteRequest{Writes: []actor.Write{{
					Action: actor.Create, Collection: postNSID, Record: rec}}})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	after, seqAfter := n.reg.Stats(), n.seq.Stats()
	txs := (after.Transactions - before.Transactions) + (seqAfter.Appends - seqBefore.Appends)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(2*float64(txs)/float64(b.N), "fsyncs/commit")
}

func BenchmarkCommits(b *testing.B) {
	for _, c := range []struct{ accounts, writers int }{{1, 1}, {1, 64}, {64, 64}} {
		b.Run(fmt.Sprintf("accounts=%d/writers=%d", c.accounts, c.writers), func(b *testing.B) {
			benchCommits(b, c.accounts, c.writers)
		})
	}
}

// BenchmarkSequencerAppend measures the sequencer alone: events from 64
// accounts submitted as fast as it takes them, durably appended.
func BenchmarkSequencerAppend(b *testing.B) {
	log, err := kv.OpenEventLog(b.TempDir()+"/events.db", kv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	seq, err := pdssync.New(pdssync.Config{Log: log})
	if err != nil {
		b.Fatal(err)
	}
	seq.Start()
	defer seq.Close(context.Background())
	body := identityBody(b)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(b.N)
	for i := range b.N {
		did, _ := atp.ParseDID(fmt.Sprintf("did:plc:%024d", i%64))
		seq.Submit([]*actor.Event{{Kind: actor.KindIdentity, DID: did, Body: body}}, func(error) { wg.Done() })
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := seq.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(st.Events)/float64(st.Appends), "events/append")
}

func identityBody(tb testing.TB) []byte {
	tb.Helper()
	// {"did": "did:plc:...", "handle": "x.test"} in canonical order.
	return []byte("\xa2cdidx\x20did:plc:000000000000000000000000fhandlefx.test")
}

// BenchmarkFanOut publishes frames to 1,000 live subscribers and reports
// frames delivered per second across all of them.
func BenchmarkFanOut(b *testing.B) {
	const subscribers = 1000
	n := MustNode(b, b.TempDir(), nodeOptions{noSync: true, maxLag: 1 << 40, queue: 1024})
	ctx := context.Background()
	var got atomic.Int64
	var wg sync.WaitGroup
	subs := make([]*pdssync.Subscription, subscribers)
	for i := range subs {
		sub, err := n.seq.Subscribe(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		subs[i] = sub
	}
	body := identityBody(b)
	did, _ := atp.ParseDID("did:plc:000000000000000000000000")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range b.N {
				if _, err := sub.Next(ctx); err != nil {
					b.Error(err)
					return
				}
				got.Add(1)
			}
		}()
	}
	var pub sync.WaitGroup
	pub.Add(b.N)
	for range b.N {
		n.seq.Submit([]*actor.Event{{Kind: actor.KindIdentity, DID: did, Body: body}}, func(error) { pub.Done() })
	}
	pub.Wait()
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	for _, sub := range subs {
		sub.Close()
	}
	b.ReportMetric(float64(got.Load())/elapsed.Seconds(), "deliveries/s")
}
