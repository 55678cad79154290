package atp

import (
	"sync"
	"time"
)

// Clock issues TIDs that strictly increase, for one owner (a repository's
// record keys and commit revisions). Each TID carries the clock's id and
// the current time in microseconds, or one microsecond past the last TID
// issued or observed when the time has not moved on: several TIDs within
// one microsecond, or a wall clock that steps back, still give increasing
// TIDs.
//
// A Clock does not remember anything across restarts; seed it with
// Observe from the owner's stored last TID (a repository's last rev) so
// that new TIDs sort after everything issued before.
//
// A Clock is safe for concurrent use. It reads time only through the
// function given to NewClock.
type Clock struct {
	clockID uint
	now     func() time.Time

	mu sync.Mutex
	// last is the timestamp, in microseconds, of the latest TID issued or
	// observed; guarded by mu. -1 before the first.
	last int64
}

// NewClock returns a Clock that stamps clockID (only its low 10 bits are
// used) into its TIDs and reads the time from now, which must be safe for
// concurrent use. A nil now means time.Now. Pick a random clock id per process so that replicas do not
// issue the same TIDs.
func NewClock(clockID uint, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{clockID: clockID & MaxTIDClockID, now: now, last: -1}
}

// Next returns a TID greater than every TID the clock has issued or
// observed. Its timestamp is the current time when that is later than the
// last one, else the last one plus a microsecond.
//
// The TID range ends in the year 2255 (MaxTIDMicros); a clock that has
// reached it keeps returning the last TID of the range for its clock id.
func (c *Clock) Next() TID {
	now := clampMicros(c.now().UnixMicro())
	c.mu.Lock()
	if now <= c.last {
		now = min(c.last+1, MaxTIDMicros)
	}
	c.last = now
	c.mu.Unlock()
	return NewTID(now, c.clockID)
}

// Observe records t as issued, so that every later Next returns a TID
// greater than t. Use it to seed a clock from a stored last TID after a
// restart or an account import. A zero t, or one older than what the
// clock has already seen, changes nothing. A t past the end of the TID
// range (see Next) cannot be exceeded.
func (c *Clock) Observe(t TID) {
	if t.IsZero() {
		return
	}
	m := clampMicros(t.Micros())
	c.mu.Lock()
	c.last = max(c.last, m)
	c.mu.Unlock()
}

// clampMicros limits a timestamp to the range a TID holds.
func clampMicros(m int64) int64 {
	return min(max(m, 0), MaxTIDMicros)
}
