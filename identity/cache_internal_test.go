package identity

import (
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	var c ttlCache[string, int]
	t0 := time.Unix(1000, 0)
	if _, ok := c.get("a", t0); ok {
		t.Fatal("empty cache has a")
	}
	c.put("a", 1, t0, time.Minute, 3)
	if v, ok := c.get("a", t0.Add(time.Minute-1)); !ok || v != 1 {
		t.Errorf("get before expiry = %d, %t", v, ok)
	}
	if _, ok := c.get("a", t0.Add(time.Minute)); ok {
		t.Errorf("get at expiry found a")
	}
	// Overwrite does not count against the bound.
	c.put("a", 2, t0, time.Minute, 1)
	if v, _ := c.get("a", t0); v != 2 || c.len() != 1 {
		t.Errorf("overwrite: %d, len %d", v, c.len())
	}
	// Full: expired entries go first.
	c.put("b", 3, t0.Add(-time.Hour), time.Minute, 3) // already expired at t0
	c.put("c", 4, t0, time.Minute, 3)
	c.put("d", 5, t0, time.Minute, 3)
	if c.len() != 3 {
		t.Fatalf("len = %d, want 3", c.len())
	}
	if _, ok := c.get("c", t0); !ok {
		t.Errorf("live entry c was evicted before expired b")
	}
	// Full of live entries: some go, the bound holds.
	for i := range 100 {
		c.put(string(rune('e'+i)), i, t0, time.Minute, 3)
		if c.len() > 3 {
			t.Fatalf("len = %d after %d puts, bound 3", c.len(), i)
		}
	}
	c.remove("zz")
	c.remove(string(rune('e' + 99)))
	if _, ok := c.get(string(rune('e'+99)), t0); ok {
		t.Errorf("removed entry still there")
	}
}
