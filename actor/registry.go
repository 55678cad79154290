package actor

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// Registry owns the open account files and the actors writing them. It
// opens a file on first use, keeps at most Config.MaxOpenFiles open
// (closing the least recently used idle one to make room, or waiting when
// every open file is in use), and closes files and stops actors that stay
// idle for Config.IdleTimeout.
type Registry struct {
	cfg  Config
	stop chan struct{}
	wg   sync.WaitGroup

	// Counters for Stats.
	txs      atomic.Uint64
	requests atomic.Uint64
	failures atomic.Uint64
	metrics  registryMetrics

	mu sync.Mutex
	// files holds every open or opening account file; guarded by mu.
	files map[atp.DID]*handle
	// idle lists the open files nobody uses, least recently used first;
	// guarded by mu.
	idle *list.List
	// freed is closed and replaced whenever a file is released or closed,
	// waking callers that wait for room; guarded by mu.
	freed chan struct{}
	// closing counts files taken out of files but not yet closed; they
	// still hold a descriptor, so they still count against the cap.
	// Guarded by mu.
	closing int
	// exclusive holds the accounts whose files are taken out of service
	// (see Exclusive); each channel is closed when the file is back.
	// Guarded by mu.
	exclusive map[atp.DID]chan struct{}
	// closed is set by Close; guarded by mu.
	closed bool
}

// slotRetry is how often a caller waiting for a free file slot looks again
// for an idle actor to stop.
const slotRetry = 20 * time.Millisecond

// handle is one open account file.
type handle struct {
	did atp.DID
	// ready is closed once the file is open (or failed to open).
	ready chan struct{}
	acct  *kv.Account
	err   error

	// The fields below are guarded by Registry.mu.
	refs     int
	elem     *list.Element // position in Registry.idle while refs == 0
	lastUsed time.Time
	actor    *Actor
}

// NewRegistry returns a Registry; Start begins its background work.
func NewRegistry(cfg Config) (*Registry, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Registry{
		cfg:       cfg.withDefaults(),
		stop:      make(chan struct{}),
		files:     make(map[atp.DID]*handle),
		exclusive: make(map[atp.DID]chan struct{}),
		idle:      list.New(),
		freed:     make(chan struct{}),
	}
	r.metrics = newRegistryMetrics(r)
	return r, nil
}

// Start runs the janitor that closes files idle longer than the idle
// timeout. It returns at once.
func (r *Registry) Start() {
	r.wg.Add(1)
	go r.janitor()
}

// Config returns the registry's configuration with defaults filled in.
func (r *Registry) Config() Config { return r.cfg }

func (r *Registry) janitor() {
	defer r.wg.Done()
	t := time.NewTicker(r.cfg.IdleTimeout / 2)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.closeIdle(r.cfg.Now().Add(-r.cfg.IdleTimeout))
			r.releaseIdle()
		}
	}
}

// closeIdle closes every unused file last used before cutoff.
func (r *Registry) closeIdle(cutoff time.Time) {
	var victims []*handle
	r.mu.Lock()
	for e := r.idle.Front(); e != nil; {
		h := e.Value.(*handle)
		next := e.Next()
		if h.lastUsed.Before(cutoff) {
			r.detachLocked(h)
			victims = append(victims, h)
		}
		e = next
	}
	r.mu.Unlock()
	r.closeFiles(victims)
}

// releaseIdle drops the mapped pages of the files open but unused from
// the process's resident set (kv.Account.ReleaseMapped).
func (r *Registry) releaseIdle() {
	var accts []*kv.Account
	r.mu.Lock()
	for e := r.idle.Front(); e != nil; e = e.Next() {
		accts = append(accts, e.Value.(*handle).acct)
	}
	r.mu.Unlock()
	for _, a := range accts {
		// A file closed meanwhile refuses the transaction; nothing is lost.
		if err := a.ReleaseMapped(); err != nil && !errors.Is(err, kv.ErrClosed) {
			r.cfg.Logger.Warn("cannot release an account file's mapped pages", "did", a.DID().String(), "err", err)
		}
	}
}

// detachLocked removes an idle handle from the registry so it can be
// closed outside the lock. Its slot stays counted until closeFiles.
func (r *Registry) detachLocked(h *handle) {
	r.idle.Remove(h.elem)
	h.elem = nil
	delete(r.files, h.did)
	r.closing++
}

func (r *Registry) closeFiles(hs []*handle) {
	for _, h := range hs {
		if err := h.acct.Close(); err != nil {
			r.cfg.Logger.Error("cannot close account file", "did", h.did.String(), "err", err)
		}
	}
	if len(hs) > 0 {
		r.mu.Lock()
		r.closing -= len(hs)
		r.notifyLocked()
		r.mu.Unlock()
	}
}

// notifyLocked wakes every caller waiting for a free slot.
func (r *Registry) notifyLocked() {
	close(r.freed)
	r.freed = make(chan struct{})
}

// openCountLocked returns the number of file slots taken: open, opening,
// or detached and still closing.
func (r *Registry) openCountLocked() int { return len(r.files) + r.closing }

// Stats are running totals of a registry's work.
type Stats struct {
	// Transactions is the number of account-file write transactions
	// (one per batch).
	Transactions uint64
	// Requests is the number of requests processed.
	Requests uint64
	// FailedTransactions counts transactions that did not commit.
	FailedTransactions uint64
	// OpenFiles and Actors are current counts.
	OpenFiles int
	Actors    int
}

// Stats returns the registry's counters.
func (r *Registry) Stats() Stats {
	r.mu.Lock()
	actors := 0
	for _, h := range r.files {
		if h.actor != nil {
			actors++
		}
	}
	open := len(r.files)
	r.mu.Unlock()
	return Stats{Transactions: r.txs.Load(), Requests: r.requests.Load(),
		FailedTransactions: r.failures.Load(), OpenFiles: open, Actors: actors}
}

// OpenFiles returns how many account files are open or opening.
func (r *Registry) OpenFiles() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.files)
}

// acquire returns the open file of did, opening it (or creating it when
// create is set) if needed. The caller must release it.
func (r *Registry) acquire(ctx context.Context, did atp.DID, create bool) (*handle, error) {
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			return nil, ErrClosed
		}
		if wait, ok := r.exclusive[did]; ok {
			r.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if h, ok := r.files[did]; ok {
			if create {
				r.mu.Unlock()
				return nil, fmt.Errorf("%w: %s", ErrAccountExists, did)
			}
			r.useLocked(h)
			r.mu.Unlock()
			select {
			case <-h.ready:
			case <-ctx.Done():
				r.release(h)
				return nil, ctx.Err()
			}
			if h.err != nil {
				r.release(h)
				return nil, h.err
			}
			return h, nil
		}
		if r.openCountLocked() >= r.cfg.MaxOpenFiles {
			victim := r.idle.Front()
			if victim == nil {
				// Every open file is in use; ask the least recently
				// active idle actor to stop and free its file.
				r.retireOneLocked()
				wait := r.freed
				r.mu.Unlock()
				// Wake on a freed slot, or soon anyway: actors that were
				// busy a moment ago may be idle now and can be asked to
				// stop.
				select {
				case <-wait:
				case <-time.After(slotRetry):
				case <-ctx.Done():
					return nil, fmt.Errorf("actor: waiting for a free account file slot: %w", ctx.Err())
				}
				continue
			}
			h := victim.Value.(*handle)
			r.detachLocked(h)
			r.mu.Unlock()
			r.closeFiles([]*handle{h})
			continue
		}
		h := &handle{did: did, ready: make(chan struct{}), refs: 1}
		r.files[did] = h
		r.mu.Unlock()

		path := kv.AccountPath(r.cfg.DataDir, did)
		if create {
			h.acct, h.err = kv.CreateAccount(path, did, r.cfg.Storage)
			if errors.Is(h.err, kv.ErrExists) {
				h.err = fmt.Errorf("%w: %s", ErrAccountExists, did)
			}
		} else {
			h.acct, h.err = kv.OpenAccount(path, r.cfg.Storage)
			if errors.Is(h.err, kv.ErrNotFound) {
				h.err = fmt.Errorf("%w: %s", ErrAccountNotFound, did)
			}
		}
		close(h.ready)
		if h.err != nil {
			r.mu.Lock()
			if r.files[did] == h {
				delete(r.files, did)
			}
			r.notifyLocked()
			r.mu.Unlock()
			return nil, h.err
		}
		return h, nil
	}
}

// retireOneLocked asks the least recently active actor with nothing
// queued to stop early.
func (r *Registry) retireOneLocked() {
	var pick *Actor
	for _, h := range r.files {
		a := h.actor
		if a == nil || a.pending > 0 || len(a.mailbox) > 0 {
			continue
		}
		if pick == nil || a.lastActive.Before(pick.lastActive) {
			pick = a
		}
	}
	if pick != nil {
		select {
		case pick.retireNow <- struct{}{}:
		default:
		}
	}
}

// useLocked takes a reference on h.
func (r *Registry) useLocked(h *handle) {
	h.refs++
	if h.elem != nil {
		r.idle.Remove(h.elem)
		h.elem = nil
	}
}

// release drops a reference taken by acquire.
func (r *Registry) release(h *handle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h.refs--
	if h.refs > 0 {
		return
	}
	if h.err != nil || r.files[h.did] != h {
		return
	}
	h.lastUsed = r.cfg.Now()
	h.elem = r.idle.PushBack(h)
	r.notifyLocked()
}

// Exclusive takes did's account file out of service, runs fn with its
// path while no one holds it open, and puts it back: the actor is stopped
// once its queue is empty, readers finish, the file is closed, and every
// request for the account waits until fn returns. fn may replace or
// rewrite the file (restore, compaction); the next request opens what fn
// left. The file need not exist.
func (r *Registry) Exclusive(ctx context.Context, did atp.DID, fn func(path string) error) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	if _, busy := r.exclusive[did]; busy {
		r.mu.Unlock()
		return fmt.Errorf("actor: %s is already out of service", did)
	}
	done := make(chan struct{})
	r.exclusive[did] = done
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.exclusive, did)
		close(done)
		r.notifyLocked()
		r.mu.Unlock()
	}()
	// Wait for the file to fall idle, asking its actor to stop.
	for {
		r.mu.Lock()
		h, open := r.files[did]
		if !open {
			r.mu.Unlock()
			break
		}
		if h.refs == 0 && h.elem != nil {
			r.detachLocked(h)
			r.mu.Unlock()
			r.closeFiles([]*handle{h})
			break
		}
		if a := h.actor; a != nil && a.pending == 0 && len(a.mailbox) == 0 {
			select {
			case a.retireNow <- struct{}{}:
			default:
			}
		}
		wait := r.freed
		r.mu.Unlock()
		select {
		case <-wait:
		case <-time.After(slotRetry):
		case <-ctx.Done():
			return fmt.Errorf("actor: waiting to take %s out of service: %w", did, ctx.Err())
		}
	}
	return fn(kv.AccountPath(r.cfg.DataDir, did))
}

// View runs fn in a read transaction on did's account file, without
// queuing behind the account's writes.
func (r *Registry) View(ctx context.Context, did atp.DID, fn func(tx *kv.AccountTx) error) error {
	h, err := r.acquire(ctx, did, false)
	if err != nil {
		return err
	}
	defer r.release(h)
	return h.acct.View(fn)
}

// Backup writes a hot, consistent copy of did's account file to w.
func (r *Registry) Backup(ctx context.Context, did atp.DID, w interface{ Write([]byte) (int, error) }) (int64, error) {
	h, err := r.acquire(ctx, did, false)
	if err != nil {
		return 0, err
	}
	defer r.release(h)
	return h.acct.Backup(w)
}

// Close stops every actor (each finishes the requests already queued),
// then closes every file. It waits for actors until ctx ends.
func (r *Registry) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	var actors []*Actor
	for _, h := range r.files {
		if h.actor != nil {
			actors = append(actors, h.actor)
		}
	}
	r.mu.Unlock()
	close(r.stop)
	for _, a := range actors {
		a.shutdown()
	}
	var err error
	for _, a := range actors {
		select {
		case <-a.done:
		case <-ctx.Done():
			err = fmt.Errorf("actor: actors still running at close: %w", ctx.Err())
		}
	}
	r.wg.Wait()
	r.mu.Lock()
	var all []*handle
	for _, h := range r.files {
		all = append(all, h)
	}
	r.mu.Unlock()
	for _, h := range all {
		<-h.ready
		if h.acct != nil {
			if cerr := h.acct.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	}
	return err
}
