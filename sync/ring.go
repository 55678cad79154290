package sync

import gosync "sync"

// ring keeps the most recent frames in memory so live subscribers never
// touch the log. It holds a power-of-two number of slots; the frame with
// seq s lives in slot s mod size until a later frame takes the slot.
type ring struct {
	mu gosync.RWMutex
	// slots is guarded by mu.
	slots []Frame
	mask  uint64
}

func newRing(size int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{slots: make([]Frame, n), mask: uint64(n - 1)}
}

// put stores frames, which must have increasing seqs.
func (r *ring) put(frames []Frame) {
	r.mu.Lock()
	for _, f := range frames {
		r.slots[f.Seq&r.mask] = f
	}
	r.mu.Unlock()
}

// get returns the frame with seq s if the ring still holds it.
func (r *ring) get(s uint64) (Frame, bool) {
	r.mu.RLock()
	f := r.slots[s&r.mask]
	r.mu.RUnlock()
	return f, f.Seq == s && f.Data != nil
}
