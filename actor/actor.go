package actor

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
)

// Actor is the goroutine that owns writes to one account file. It is
// started by the Registry when a write arrives and stops after
// Config.IdleTimeout without work.
type Actor struct {
	reg     *Registry
	h       *handle
	did     atp.DID
	mailbox chan *request
	quit    chan struct{}
	done    chan struct{}

	// pending counts requests promised to the mailbox but not yet taken;
	// guarded by Registry.mu. An actor retires only when it is zero.
	pending int
	// lastActive is when the actor last took requests; guarded by
	// Registry.mu.
	lastActive time.Time
	// retireNow asks an idle actor to stop early, to free its file for
	// another account.
	retireNow chan struct{}

	// sequenced is the highest outbox number of this actor's events that
	// the event log holds; written by Sequencer callbacks, read by the
	// actor. The sequencer keeps each account's events in order, so every
	// outbox entry up to it is in the log, including those of earlier
	// actors of the same account.
	sequenced atomic.Uint64

	// The fields below belong to the actor's goroutine.
	clock *atp.Clock
	key   *crypto.PrivateKey
	state kv.AccountState
	// head is the repository head; hasHead is false before genesis.
	head    kv.Head
	hasHead bool
	tree    *mst.Tree
	getter  txGetter
	// pruned is the highest outbox number already deleted.
	pruned uint64
}

// txGetter reads MST nodes from the transaction of the current batch.
type txGetter struct{ tx *kv.AccountTx }

func (g *txGetter) GetBlock(c cid.Cid) ([]byte, error) {
	if g.tx == nil {
		return nil, fmt.Errorf("%w: %s read outside a transaction", mst.ErrBlockNotFound, c)
	}
	b, err := g.tx.Block(c)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
	}
	return b, err
}

// request is one unit of work for an actor, answered on reply.
type request struct {
	ctx context.Context
	// apply runs inside the batch transaction. It returns the events to
	// sequence and a result for the caller; an error with nothing written
	// fails only this request, unless it is fatal (see fatalError).
	apply func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error)
	reply chan result
}

type result struct {
	value any
	err   error
}

// fatalError marks an error after which the batch transaction must be
// rolled back and the actor's in-memory state reloaded.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

func fatal(err error) error {
	if err == nil {
		return nil
	}
	return fatalError{err}
}

// actorFor returns the running actor of did, starting it if needed, with
// one more request promised to its mailbox.
func (r *Registry) actorFor(ctx context.Context, did atp.DID) (*Actor, error) {
	h, err := r.acquire(ctx, did, false)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if a := h.actor; a != nil {
		a.pending++
		r.mu.Unlock()
		r.release(h)
		return a, nil
	}
	r.mu.Unlock()
	// Load the actor's state outside the lock; the file is held open by
	// our reference.
	a := &Actor{reg: r, h: h, did: did, mailbox: make(chan *request, r.cfg.MailboxSize),
		quit: make(chan struct{}), done: make(chan struct{}), retireNow: make(chan struct{}, 1)}
	if err := a.load(); err != nil {
		r.release(h)
		return nil, err
	}
	r.mu.Lock()
	if other := h.actor; other != nil || r.closed {
		// Another caller started one meanwhile (or we are closing).
		closed := r.closed
		if other != nil {
			other.pending++
		}
		r.mu.Unlock()
		r.release(h)
		if closed && other == nil {
			return nil, ErrClosed
		}
		return other, nil
	}
	h.actor = a
	a.pending++
	a.lastActive = r.cfg.Now()
	r.mu.Unlock()
	// The actor keeps the reference taken by acquire until it retires.
	go a.run()
	return a, nil
}

// load reads the account's state, head and key and seeds the clock.
func (a *Actor) load() error {
	a.clock = atp.NewClock(a.reg.cfg.ClockID, a.reg.cfg.Now)
	a.tree, a.hasHead, a.head = nil, false, kv.Head{}
	err := a.h.acct.View(func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if err != nil {
			return err
		}
		a.state = st
		head, err := tx.Head()
		switch {
		case err == nil:
			a.head, a.hasHead = head, true
			a.clock.Observe(head.Rev)
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cannot load account %s: %w", a.did, err)
	}
	if len(a.state.SigningKey) > 0 {
		if a.key, err = a.reg.cfg.OpenKey(a.state.SigningKey); err != nil {
			return fmt.Errorf("cannot open signing key of %s: %w", a.did, err)
		}
	}
	if a.hasHead {
		a.tree = mst.Load(&a.getter, a.head.Data)
	} else {
		a.tree = mst.New(&a.getter)
	}
	return nil
}

// submit queues req with the actor; the caller has been counted in
// pending by actorFor.
func (a *Actor) submit(req *request) error {
	select {
	case a.mailbox <- req:
		return nil
	case <-req.ctx.Done():
		a.reg.mu.Lock()
		a.pending--
		a.reg.mu.Unlock()
		return req.ctx.Err()
	}
}

// do runs apply as a request of did's actor and waits for its answer.
func (r *Registry) do(ctx context.Context, did atp.DID, apply func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error)) (any, error) {
	a, err := r.actorFor(ctx, did)
	if err != nil {
		return nil, err
	}
	req := &request{ctx: ctx, apply: apply, reply: make(chan result, 1)}
	if err := a.submit(req); err != nil {
		return nil, err
	}
	select {
	case res := <-req.reply:
		return res.value, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *Actor) shutdown() {
	select {
	case <-a.quit:
	default:
		close(a.quit)
	}
}

func (a *Actor) run() {
	defer close(a.done)
	idle := time.NewTimer(a.reg.cfg.IdleTimeout)
	defer idle.Stop()
	batch := make([]*request, 0, a.reg.cfg.MaxBatch)
	for {
		select {
		case req := <-a.mailbox:
			batch = append(batch[:0], req)
		drain:
			for len(batch) < cap(batch) {
				select {
				case req := <-a.mailbox:
					batch = append(batch, req)
				default:
					break drain
				}
			}
			a.reg.mu.Lock()
			a.pending -= len(batch)
			a.lastActive = a.reg.cfg.Now()
			a.reg.mu.Unlock()
			a.process(batch)
			clear(batch)
			idle.Reset(a.reg.cfg.IdleTimeout)
		case <-idle.C:
			if a.retire() {
				return
			}
			idle.Reset(a.reg.cfg.IdleTimeout)
		case <-a.retireNow:
			if a.retire() {
				return
			}
		case <-a.quit:
			// Finish what callers already handed over, then stop.
			for {
				a.reg.mu.Lock()
				n := a.pending
				a.reg.mu.Unlock()
				if n == 0 && len(a.mailbox) == 0 {
					break
				}
				req := <-a.mailbox
				a.reg.mu.Lock()
				a.pending--
				a.reg.mu.Unlock()
				a.process([]*request{req})
			}
			a.detach()
			return
		}
	}
}

// retire stops the actor when nothing is queued or promised.
func (a *Actor) retire() bool {
	a.reg.mu.Lock()
	if a.pending > 0 || len(a.mailbox) > 0 {
		a.reg.mu.Unlock()
		return false
	}
	a.h.actor = nil
	a.reg.mu.Unlock()
	a.reg.release(a.h)
	return true
}

func (a *Actor) detach() {
	a.reg.mu.Lock()
	if a.h.actor == a {
		a.h.actor = nil
	}
	a.reg.mu.Unlock()
	a.reg.release(a.h)
}

// process persists a batch of requests in one transaction, then hands
// their events to the sequencer.
func (a *Actor) process(batch []*request) {
	type outcome struct {
		events []*Event
		value  any
		err    error
	}
	out := make([]outcome, len(batch))
	start := time.Now()
	err := a.h.acct.Update(func(tx *kv.AccountTx) error {
		a.getter.tx = tx
		defer func() { a.getter.tx = nil }()
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				out[i].err = err
				continue
			}
			events, value, err := req.apply(a, tx)
			if err != nil {
				var f fatalError
				if errors.As(err, &f) {
					return f.err
				}
				out[i].err = err
				continue
			}
			for _, ev := range events {
				n, err := tx.AppendOutbox(ev.marshal())
				if err != nil {
					return err
				}
				ev.OutboxSeq = n
			}
			out[i].events, out[i].value = events, value
		}
		if done := a.sequenced.Load(); done > a.pruned {
			if err := tx.PruneOutbox(done); err != nil {
				return err
			}
			a.pruned = done
		}
		return nil
	})
	a.reg.txs.Add(1)
	a.reg.requests.Add(uint64(len(batch)))
	a.reg.metrics.observeBatch(len(batch), time.Since(start), err != nil)
	if err != nil {
		a.reg.failures.Add(1)
		err = fmt.Errorf("cannot commit to account %s: %w", a.did, err)
		a.reg.cfg.Logger.Error("account transaction failed", "did", a.did.String(), "err", err)
		for i, req := range batch {
			if out[i].err == nil {
				req.reply <- result{err: err}
			}
		}
		if lerr := a.load(); lerr != nil {
			a.reg.cfg.Logger.Error("cannot reload account after failed transaction", "did", a.did.String(), "err", lerr)
		}
		return
	}
	for i, req := range batch {
		o := out[i]
		if o.err != nil || len(o.events) == 0 {
			req.reply <- result{value: o.value, err: o.err}
			continue
		}
		last := o.events[len(o.events)-1].OutboxSeq
		a.reg.cfg.Sequencer.Submit(o.events, func(err error) {
			if err == nil {
				for {
					cur := a.sequenced.Load()
					if cur >= last || a.sequenced.CompareAndSwap(cur, last) {
						break
					}
				}
			}
			req.reply <- result{value: o.value, err: err}
		})
	}
}
