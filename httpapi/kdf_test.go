package httpapi

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestKDFLimiter(t *testing.T) {
	l := make(kdfLimiter, 2)
	var now, most atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run(context.Background(), func() error {
				n := now.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				<-release
				now.Add(-1)
				return nil
			})
		}()
	}
	// With both slots held, a caller whose context ends gives up.
	for len(l) < cap(l) {
		runtime.Gosched() // until two derivations hold the slots
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.run(ctx, func() error { t.Error("ran without a slot"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("run on a full limiter with a cancelled context = %v", err)
	}
	close(release)
	wg.Wait()
	if m := most.Load(); m != 2 {
		t.Errorf("%d derivations ran at once, want 2", m)
	}
	want := errors.New("fn failed")
	if err := l.run(context.Background(), func() error { return want }); err != want {
		t.Errorf("run returned %v, want fn's error", err)
	}
}
