package sync

import gosync "sync"

// ring keeps the most recent frames in memory so live subscribers never
// touch the log. It holds a power-of-two number of slots; the frame with
// seq s lives in slot s mod size until a later frame takes the slot, or
// until the frames held outgrow the byte budget, which drops the oldest
// first (a few large frames, such as bulk writes, must not pin hundreds
// of megabytes).
type ring struct {
	mu gosync.RWMutex
	// The fields below are guarded by mu.
	slots  []Frame
	mask   uint64
	bytes  int    // total frame bytes held
	budget int    // most bytes held; the newest frame is always kept
	oldest uint64 // lowest seq that may still be held
	newest uint64 // highest seq put
}

func newRing(size, budget int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{slots: make([]Frame, n), mask: uint64(n - 1), budget: budget}
}

// put stores frames, which must have increasing seqs.
func (r *ring) put(frames []Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range frames {
		slot := &r.slots[f.Seq&r.mask]
		r.bytes -= len(slot.Data)
		*slot = f
		r.bytes += len(f.Data)
		if r.newest == 0 {
			r.oldest = f.Seq
		}
		r.newest = f.Seq
	}
	if low := r.newest - r.mask; r.newest > r.mask && r.oldest < low {
		r.oldest = low // older slots were taken by newer frames
	}
	for r.bytes > r.budget && r.oldest < r.newest {
		if slot := &r.slots[r.oldest&r.mask]; slot.Seq == r.oldest {
			r.bytes -= len(slot.Data)
			*slot = Frame{}
		}
		r.oldest++
	}
}

// get returns the frame with seq s if the ring still holds it.
func (r *ring) get(s uint64) (Frame, bool) {
	r.mu.RLock()
	f := r.slots[s&r.mask]
	r.mu.RUnlock()
	return f, f.Seq == s && f.Data != nil
}
