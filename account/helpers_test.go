package account

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// MustServer opens a fresh server.db in tb.TempDir().
func MustServer(tb testing.TB) *kv.Server {
	tb.Helper()
	db, err := kv.OpenServer(filepath.Join(tb.TempDir(), "server.db"), kv.Options{NoSync: true})
	if err != nil {
		tb.Fatalf("cannot open server.db: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// MustDID parses a DID or fails the test.
func MustDID(tb testing.TB, s string) atp.DID {
	tb.Helper()
	did, err := atp.ParseDID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return did
}

// MustHandle parses a handle or fails the test.
func MustHandle(tb testing.TB, s string) atp.Handle {
	tb.Helper()
	h, err := atp.ParseHandle(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// MustNSID parses an NSID or fails the test.
func MustNSID(tb testing.TB, s string) atp.NSID {
	tb.Helper()
	n, err := atp.ParseNSID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// MustKey generates a key on curve or fails the test.
func MustKey(tb testing.TB, curve crypto.Curve) *crypto.PrivateKey {
	tb.Helper()
	k, err := crypto.GeneratePrivateKey(curve, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// fakeClock is a settable clock for injected Now functions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time // guarded by mu
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cheapParams make password hashing fast in tests that are not about its
// cost.
var cheapParams = PasswordParams{Memory: 64, Time: 1, Threads: 1}

// wantError fails unless err matches the sentinel under errors.Is.
func wantError(tb testing.TB, err error, sentinel error) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		tb.Fatalf("got %v, want %v", err, sentinel)
	}
}
