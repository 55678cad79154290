package identity

import (
	"sync"
	"time"
)

// ttlCache maps keys to values that expire. The zero value is an empty
// cache. It is safe for concurrent use.
type ttlCache[K comparable, V any] struct {
	mu sync.Mutex
	// entries is guarded by mu; nil until the first put.
	entries map[K]cacheEntry[V]
}

type cacheEntry[V any] struct {
	val     V
	expires time.Time
}

// get returns the value of k unless it is missing or has expired at now.
func (c *ttlCache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put stores v under k until now+ttl. When the cache holds max entries it
// first drops the expired ones and then, if it is still full, arbitrary
// ones (Go's map order), so its size never exceeds max.
func (c *ttlCache[K, V]) put(k K, v V, now time.Time, ttl time.Duration, max int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[K]cacheEntry[V])
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= max {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		for key := range c.entries {
			if len(c.entries) < max {
				break
			}
			delete(c.entries, key)
		}
	}
	c.entries[k] = cacheEntry[V]{val: v, expires: now.Add(ttl)}
}

// remove drops k.
func (c *ttlCache[K, V]) remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}

// len returns the number of entries, expired ones included.
func (c *ttlCache[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
