package httpapi

import (
	"context"
	"runtime"
)

// kdfLimiter bounds how many password key derivations run at once. Each
// holds the hash's memory cost (19 MiB by default) for tens of
// milliseconds; beyond one per core, more at once only add memory, not
// throughput, so a burst of sign-ins or logins queues here instead.
type kdfLimiter chan struct{}

func newKDFLimiter() kdfLimiter { return make(kdfLimiter, runtime.GOMAXPROCS(0)) }

// run calls fn when a slot is free, or fails with ctx's error.
func (l kdfLimiter) run(ctx context.Context, fn func() error) error {
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l }()
	return fn()
}
