package sync_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	pdssync "github.com/boltsky/boltsky/sync"
)

// collect reads n frames from sub.
func collect(t *testing.T, sub *pdssync.Subscription, n int) []pdssync.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := make([]pdssync.Frame, 0, n)
	for len(out) < n {
		f, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d frames: %v", len(out), err)
		}
		out = append(out, f)
	}
	return out
}

// checkRun asserts frames are exactly seqs from, from+1, ..., and equal
// byte for byte to the log's.
func checkRun(t *testing.T, n *node, frames []pdssync.Frame, from uint64) {
	t.Helper()
	stored, err := n.log.Read(from-1, len(frames))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		if f.Seq != from+uint64(i) {
			t.Fatalf("frame %d has seq %d, want %d", i, f.Seq, from+uint64(i))
		}
		if string(stored[i].Frame) != string(f.Data) {
			t.Fatalf("frame %d differs from the log", f.Seq)
		}
	}
}

func TestSubscribeReplayAndLive(t *testing.T) {
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true, ringSize: 64})
	ctx := context.Background()
	did, _ := n.mustAccount(t, 1)
	for i := range 300 {
		if _, err := n.createPost(ctx, t, did, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	head := n.seq.Head()
	if head != 304 {
		t.Fatalf("head %d, want 304", head)
	}
	start := func(cursor *uint64) *pdssync.Subscription {
		sub, err := n.seq.Subscribe(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sub.Close)
		return sub
	}
	zero, middle := uint64(0), uint64(150)
	fromZero := start(&zero)
	fromMiddle := start(&middle)
	live := start(nil)

	// Writes after subscribing arrive live on all three.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 100 {
			if _, err := n.createPost(ctx, t, did, fmt.Sprint("live ", i)); err != nil {
				t.Error(err)
			}
		}
	}()
	checkRun(t, n, collect(t, fromZero, int(head)+100), 1)
	checkRun(t, n, collect(t, fromMiddle, int(head)-150+100), 151)
	checkRun(t, n, collect(t, live, 100), head+1)
	wg.Wait()
	// Nothing more is pending on any of them.
	quick, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	for _, sub := range []*pdssync.Subscription{fromZero, fromMiddle, live} {
		if f, err := sub.Next(quick); err == nil {
			t.Fatalf("extra frame %d", f.Seq)
		}
	}
}

func TestSubscribeCursors(t *testing.T) {
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true})
	ctx := context.Background()
	did, _ := n.mustAccount(t, 1)
	for i := range 10 {
		n.createPost(ctx, t, did, fmt.Sprint(i))
	}
	future := n.seq.Head() + 1
	if _, err := n.seq.Subscribe(ctx, &future); !errors.Is(err, pdssync.ErrFutureCursor) {
		t.Fatalf("future cursor: %v", err)
	}
	// Age out the oldest events: a cursor before what the log holds gets
	// #info OutdatedCursor, then the whole window.
	if _, err := n.log.Prune(time.Now().Add(time.Hour), 6); err != nil {
		t.Fatal(err)
	}
	old := uint64(2)
	sub, err := n.seq.Subscribe(ctx, &old)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	frames := collect(t, sub, 1+int(n.seq.Head())-6)
	info := decodeFrame(t, frames[0].Data)
	if info.kind != "#info" || info.body["name"] != "OutdatedCursor" || frames[0].Seq != 0 {
		t.Fatalf("first frame %+v, want #info OutdatedCursor", info)
	}
	checkRun(t, n, frames[1:], 7)
}

// TestStalledSubscriberCutOff: one subscriber stops reading while ten
// others keep up with a stream of writes; the stalled one is cut off with
// ConsumerTooSlow and the others receive every frame in order.
func TestStalledSubscriberCutOff(t *testing.T) {
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true, maxLag: 200, queue: 16, ringSize: 4096})
	ctx := context.Background()
	did, _ := n.mustAccount(t, 1)
	start := n.seq.Head()
	stalled, err := n.seq.Subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	const writes = 1000
	var readers sync.WaitGroup
	got := make([][]pdssync.Frame, 10)
	for i := range got {
		sub, err := n.seq.Subscribe(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer sub.Close()
			got[i] = collect(t, sub, writes)
		}()
	}
	for i := range writes {
		if _, err := n.createPost(ctx, t, did, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	readers.Wait()
	for i := range got {
		checkRun(t, n, got[i], start+1)
	}
	// The stalled subscriber got at most its queue, then the cut-off.
	var err2 error
	k := 0
	for err2 == nil {
		_, err2 = stalled.Next(ctx)
		k++
	}
	if !errors.Is(err2, pdssync.ErrConsumerTooSlow) {
		t.Fatalf("stalled subscriber ended with %v after %d frames", err2, k)
	}
	t.Logf("stalled subscriber cut off after %d queued frames; 10 others got all %d", k-1, writes)
}
