package atp_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// fakeTime is a settable time source, safe for concurrent use.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time // guarded by mu
}

func (f *fakeTime) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeTime) set(t time.Time) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}

var epoch2025 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// requireIncreasing fails t unless tids strictly increase.
func requireIncreasing(t *testing.T, tids []atp.TID) {
	t.Helper()
	for i := 1; i < len(tids); i++ {
		if tids[i-1].Compare(tids[i]) >= 0 {
			t.Fatalf("TID %d (%s) is not after TID %d (%s)", i, tids[i], i-1, tids[i-1])
		}
		if tids[i-1].Integer() >= tids[i].Integer() {
			t.Fatalf("TID %d integer %d is not after %d", i, tids[i].Integer(), tids[i-1].Integer())
		}
	}
}

func TestClockUsesTime(t *testing.T) {
	ft := &fakeTime{t: epoch2025}
	c := atp.NewClock(42, ft.now)
	tid := c.Next()
	if _, err := atp.ParseTID(tid.String()); err != nil {
		t.Fatalf("Next gave an invalid TID: %v", err)
	}
	if !tid.Time().Equal(epoch2025) || tid.ClockID() != 42 {
		t.Errorf("Next = %s (%v, clock %d), want %v clock 42", tid, tid.Time(), tid.ClockID(), epoch2025)
	}
	ft.set(epoch2025.Add(time.Second))
	if got := c.Next().Time(); !got.Equal(epoch2025.Add(time.Second)) {
		t.Errorf("after the clock moved on, Next().Time() = %v", got)
	}
}

func TestClockSameMicrosecond(t *testing.T) {
	ft := &fakeTime{t: epoch2025}
	c := atp.NewClock(1, ft.now)
	var tids []atp.TID
	for range 1000 {
		tids = append(tids, c.Next())
	}
	requireIncreasing(t, tids)
	if got, want := tids[999].Time(), epoch2025.Add(999*time.Microsecond); !got.Equal(want) {
		t.Errorf("1000 TIDs in one microsecond end at %v, want %v", got, want)
	}
}

func TestClockBackwards(t *testing.T) {
	ft := &fakeTime{t: epoch2025}
	c := atp.NewClock(7, ft.now)
	var tids []atp.TID
	steps := []time.Duration{0, -time.Hour, -time.Hour, time.Microsecond, -24 * time.Hour, 2 * time.Second, -time.Second}
	for _, d := range steps {
		ft.set(ft.now().Add(d))
		for range 3 {
			tids = append(tids, c.Next())
		}
	}
	requireIncreasing(t, tids)
	if got := tids[len(tids)-1].Time(); got.Before(epoch2025) {
		t.Errorf("last TID %v went below the highest time seen", got)
	}
	// A time before the UNIX epoch is treated as the epoch.
	c2 := atp.NewClock(0, func() time.Time { return time.Unix(-100, 0) })
	a, b := c2.Next(), c2.Next()
	if a.Micros() != 0 || b.Micros() != 1 {
		t.Errorf("pre-epoch clock gave %d, %d micros", a.Micros(), b.Micros())
	}
}

func TestClockConcurrent(t *testing.T) {
	const goroutines, each = 8, 2000
	for _, name := range []string{"frozen", "wall"} {
		t.Run(name, func(t *testing.T) {
			now := time.Now
			if name == "frozen" {
				ft := &fakeTime{t: epoch2025}
				now = ft.now
			}
			c := atp.NewClock(3, now)
			results := make([][]atp.TID, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for range each {
						results[g] = append(results[g], c.Next())
					}
				})
			}
			wg.Wait()
			var all []atp.TID
			for g, r := range results {
				requireIncreasing(t, r) // each caller sees increasing TIDs
				if len(r) != each {
					t.Fatalf("goroutine %d got %d TIDs", g, len(r))
				}
				all = append(all, r...)
			}
			slices.SortFunc(all, atp.TID.Compare)
			requireIncreasing(t, all) // no TID was issued twice
		})
	}
}

func TestClockObserve(t *testing.T) {
	ft := &fakeTime{t: epoch2025}
	c := atp.NewClock(5, ft.now)

	// A stored rev from the future (another clock id, higher) must be
	// exceeded.
	stored := atp.NewTID(epoch2025.Add(time.Hour).UnixMicro(), atp.MaxTIDClockID)
	c.Observe(stored)
	next := c.Next()
	if next.Compare(stored) <= 0 {
		t.Fatalf("Next() = %s, not after observed %s", next, stored)
	}
	if next.ClockID() != 5 {
		t.Errorf("Next() clock id %d, want 5", next.ClockID())
	}

	// Observing something older, or the zero TID, changes nothing.
	c.Observe(atp.NewTID(epoch2025.UnixMicro(), 0))
	c.Observe(atp.TID{})
	if again := c.Next(); again.Compare(next) <= 0 {
		t.Fatalf("Next() = %s after %s", again, next)
	}

	// Seeding a fresh clock, as after a restart, from the last rev.
	restarted := atp.NewClock(5, ft.now)
	restarted.Observe(next)
	if got := restarted.Next(); got.Compare(next) <= 0 {
		t.Fatalf("restarted clock gave %s, not after %s", got, next)
	}

	// Observe from other goroutines while Next runs.
	var wg sync.WaitGroup
	var last atp.TID
	wg.Go(func() {
		for i := range 1000 {
			c.Observe(atp.NewTID(epoch2025.Add(2*time.Hour).UnixMicro()+int64(i), 0))
		}
	})
	wg.Go(func() {
		for range 1000 {
			last = c.Next()
		}
	})
	wg.Wait()
	if final := c.Next(); final.Compare(last) <= 0 || final.Time().Before(epoch2025.Add(2*time.Hour)) {
		t.Errorf("after concurrent Observe, Next() = %s (%v)", final, final.Time())
	}
}

func TestClockEndOfRange(t *testing.T) {
	ft := &fakeTime{t: epoch2025}
	c := atp.NewClock(9, ft.now)
	end := atp.NewTID(atp.MaxTIDMicros, atp.MaxTIDClockID)
	c.Observe(end)
	a, b := c.Next(), c.Next()
	if a.Micros() != atp.MaxTIDMicros || a != b {
		t.Errorf("at the end of the range Next gave %s then %s, want the last TID for clock 9 twice", a, b)
	}
	if a.ClockID() != 9 {
		t.Errorf("clock id %d, want 9", a.ClockID())
	}
}

func TestClockDefaults(t *testing.T) {
	c := atp.NewClock(atp.MaxTIDClockID+2, nil) // id masked to 1, nil means time.Now
	tid := c.Next()
	if tid.ClockID() != 1 {
		t.Errorf("clock id %d, want 1 (masked to 10 bits)", tid.ClockID())
	}
	if d := time.Since(tid.Time()); d < 0 || d > time.Minute {
		t.Errorf("nil now: TID time %v is not about now", tid.Time())
	}
}
