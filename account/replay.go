package account

import (
	"container/heap"
	"sync"
	"time"
)

// replayCache remembers the nonces of accepted tokens until they expire,
// so that a token is accepted once. It holds at most max nonces; when
// full, the nonce that expires first is forgotten early.
type replayCache struct {
	max int

	mu sync.Mutex
	// Guarded by mu: seen maps a nonce to its expiry; byExp orders the
	// same entries by expiry.
	seen  map[string]time.Time
	byExp expiryHeap
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, seen: make(map[string]time.Time)}
}

// claim records nonce as used until exp and reports whether it was unused
// (or had expired) before.
func (c *replayCache) claim(nonce string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byExp) > 0 && !c.byExp[0].exp.After(now) {
		c.pop()
	}
	if e, ok := c.seen[nonce]; ok && e.After(now) {
		return false
	}
	c.seen[nonce] = exp
	heap.Push(&c.byExp, expiryEntry{nonce: nonce, exp: exp})
	for len(c.seen) > c.max {
		c.pop()
	}
	return true
}

// pop removes the entry that expires first.
func (c *replayCache) pop() {
	e := heap.Pop(&c.byExp).(expiryEntry)
	if c.seen[e.nonce].Equal(e.exp) {
		delete(c.seen, e.nonce)
	}
}

// len returns the number of nonces held.
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expiryEntry struct {
	nonce string
	exp   time.Time
}

// expiryHeap is a min-heap of entries by expiry.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
