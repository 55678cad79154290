package sync_test

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// openFDs counts this process's open file descriptors.
func openFDs(tb testing.TB) int {
	tb.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatalf("cannot count file descriptors: %v", err)
	}
	return len(ents)
}

// TestOpenFileCap writes to 10,000 accounts with at most 256 account files
// open: sampled throughout, the process never holds more descriptors than
// the cap plus what it held before the accounts were touched.
func TestOpenFileCap(t *testing.T) {
	accounts, maxOpen := 10000, 256
	if testing.Short() {
		accounts = 1000
	}
	n := MustNode(t, t.TempDir(), nodeOptions{noSync: true, maxOpen: maxOpen})
	base := openFDs(t)
	var peak atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		for {
			if k := int64(openFDs(t) - base); k > peak.Load() {
				peak.Store(k)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	ctx := context.Background()
	dids := make([]atp.DID, accounts)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				dids[i], _ = n.mustAccount(t, i)
				if _, err := n.createPost(ctx, t, dids[i], "hello"); err != nil {
					t.Error(err)
				}
				if got := n.reg.OpenFiles(); got > maxOpen {
					t.Errorf("registry holds %d files, cap %d", got, maxOpen)
				}
			}
		}()
	}
	for i := range accounts {
		work <- i
	}
	close(work)
	wg.Wait()
	// Reads of every account go through the same cap.
	for _, did := range dids {
		err := n.reg.View(ctx, did, func(tx *kv.AccountTx) error {
			_, err := tx.Head()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	sampler.Wait()
	if p := peak.Load(); p > int64(maxOpen) {
		t.Fatalf("peak of %d descriptors above the baseline, cap %d", p, maxOpen)
	}
	t.Logf("%d accounts, peak %d descriptors above baseline (cap %d)", accounts, peak.Load(), maxOpen)
}

// TestIdleClose runs in a synctest bubble: actors stop and files close
// after the idle timeout, with fake time rather than sleeps.
func TestIdleClose(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		n, err := openNode(dir, nodeOptions{noSync: true, idle: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer n.close()
		ctx := context.Background()
		for i := range 5 {
			did, _ := n.mustAccount(t, i)
			if _, err := n.createPost(ctx, t, did, "hi"); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if got := n.reg.OpenFiles(); got != 5 {
			t.Fatalf("%d files open after writing, want 5", got)
		}
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if got := n.reg.OpenFiles(); got != 5 {
			t.Fatalf("%d files open before the timeout, want 5", got)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if got := n.reg.OpenFiles(); got != 0 {
			t.Fatalf("%d files open after the idle timeout, want 0", got)
		}
	})
}
