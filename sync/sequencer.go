package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/kv"
)

// ErrClosed reports use of a closed sequencer.
var ErrClosed = errors.New("sync: sequencer closed")

// Config configures a Sequencer. Zero fields take the defaults.
type Config struct {
	// Log is the event log; required.
	Log *kv.EventLog
	// MaxBatch bounds the events appended in one transaction; default
	// 1,024.
	MaxBatch int
	// RingSize is how many recent frames stay in memory for live
	// subscribers; default 16,384.
	RingSize int
	// RingBytes bounds the bytes of those frames; default 32 MiB.
	RingBytes int
	// QueueSize bounds each subscription's queue of frames; default 512.
	QueueSize int
	// MaxLag is how far (in events) a live subscriber may fall behind
	// before it is cut off; default 10,000.
	MaxLag uint64
	// Retention is how long events stay in the log; default 72 hours.
	Retention time.Duration
	// Now reads the clock; default time.Now.
	Now func() time.Time
	// Logger receives the sequencer's logs; default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxBatch <= 0 {
		c.MaxBatch = 1024
	}
	if c.RingSize <= 0 {
		c.RingSize = 16384
	}
	if c.RingBytes <= 0 {
		c.RingBytes = 32 << 20
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 512
	}
	if c.MaxLag == 0 {
		c.MaxLag = 10000
	}
	if c.Retention <= 0 {
		c.Retention = 72 * time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Sequencer owns the event log; see the package documentation.
type Sequencer struct {
	cfg  Config
	log  *kv.EventLog
	in   chan submission
	ring *ring
	stop chan struct{}
	done chan struct{}

	// head is the seq of the latest frame published.
	head atomic.Uint64
	// appends and events count log transactions and events appended.
	appends atomic.Uint64
	events  atomic.Uint64
	metrics *sequencerMetrics

	mu gosync.Mutex
	// changed is closed and replaced whenever frames are published;
	// guarded by mu.
	changed chan struct{}
	// closing is set once Close began; guarded by mu.
	closing bool
	// inflight counts Submit calls between their closing check and their
	// send; guarded by mu.
	inflight gosync.WaitGroup
}

type submission struct {
	events []*actor.Event
	done   func(error)
}

var _ actor.Sequencer = (*Sequencer)(nil)

// New returns a Sequencer over cfg.Log; Start runs it.
func New(cfg Config) (*Sequencer, error) {
	if cfg.Log == nil {
		return nil, errors.New("sync: sequencer needs an event log")
	}
	cfg = cfg.withDefaults()
	s := &Sequencer{
		cfg:     cfg,
		log:     cfg.Log,
		in:      make(chan submission, 4096),
		ring:    newRing(cfg.RingSize, cfg.RingBytes),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	s.head.Store(cfg.Log.HighWater())
	s.metrics = newSequencerMetrics(s)
	return s, nil
}

// Start runs the sequencer's goroutine.
func (s *Sequencer) Start() {
	go s.run()
}

// Stats are running totals of a sequencer's work.
type Stats struct {
	// Appends is the number of log transactions.
	Appends uint64
	// Events is the number of events appended.
	Events uint64
	// Head is the latest seq.
	Head uint64
}

// Stats returns the sequencer's counters.
func (s *Sequencer) Stats() Stats {
	return Stats{Appends: s.appends.Load(), Events: s.events.Load(), Head: s.head.Load()}
}

// Head returns the seq of the latest event in the log.
func (s *Sequencer) Head() uint64 { return s.head.Load() }

// Submit queues events of one account, in order; done runs once they are
// durable in the log, or with ErrClosed when the sequencer is closing.
// Submit blocks while the queue is full.
func (s *Sequencer) Submit(events []*actor.Event, done func(error)) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		done(ErrClosed)
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	s.in <- submission{events: events, done: done}
	s.inflight.Done()
}

// changes returns a channel closed at the next publish.
func (s *Sequencer) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// releaseInterval is how often the event log's mapped pages leave the
// resident set: appends and replays keep touching new ones.
const releaseInterval = 10 * time.Second

func (s *Sequencer) run() {
	defer close(s.done)
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	release := time.NewTicker(releaseInterval)
	defer release.Stop()
	var batch []submission
	for {
		select {
		case sub := <-s.in:
			batch = append(batch[:0], sub)
			events := len(sub.events)
		drain:
			for events < s.cfg.MaxBatch {
				select {
				case sub := <-s.in:
					batch = append(batch, sub)
					events += len(sub.events)
				default:
					break drain
				}
			}
			s.process(batch)
			clear(batch)
		case <-prune.C:
			s.prune()
		case <-release.C:
			if err := s.log.ReleaseMapped(); err != nil {
				s.cfg.Logger.Warn("cannot release the event log's mapped pages", "err", err)
			}
		case <-s.stop:
			// Everything submitted before Close is sequenced.
			for {
				select {
				case sub := <-s.in:
					s.process([]submission{sub})
				default:
					return
				}
			}
		}
	}
}

// process appends a batch, retrying until the log takes it: an event an
// account file holds must never be dropped from the firehose.
func (s *Sequencer) process(batch []submission) {
	now := s.cfg.Now()
	next := s.head.Load()
	var entries []kv.LogEntry
	var frames []Frame
	failed := make([]error, len(batch))
	for i, sub := range batch {
		mark := len(entries)
		for _, ev := range sub.events {
			data, err := EncodeFrame(ev, next+1, now)
			if err != nil {
				// Events are built by actors; one that does not encode
				// is a bug. Its submission fails as a whole so that no
				// account's events are sequenced out of order.
				s.cfg.Logger.Error("cannot encode event", "did", ev.DID.String(), "kind", string(ev.Kind), "err", err)
				failed[i] = err
				next -= uint64(len(entries) - mark)
				entries, frames = entries[:mark], frames[:mark]
				break
			}
			next++
			entries = append(entries, kv.LogEntry{
				Seq: next, Time: now, DID: ev.DID, Frame: data, OutboxSeq: ev.OutboxSeq,
				Commit: ev.Commit, Rev: ev.Rev, SetStatus: ev.SetStatus, Status: ev.Status,
			})
			frames = append(frames, Frame{Seq: next, Data: data})
		}
	}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		err := s.log.Append(entries)
		if err == nil {
			break
		}
		s.cfg.Logger.Error("cannot append to the event log; retrying", "events", len(entries), "attempt", attempt, "err", err)
		select {
		case <-time.After(min(time.Duration(attempt+1)*100*time.Millisecond, 5*time.Second)):
		case <-s.stop:
			for _, sub := range batch {
				sub.done(fmt.Errorf("sync: event log append failed at shutdown: %w", err))
			}
			return
		}
	}
	s.appends.Add(1)
	s.events.Add(uint64(len(entries)))
	s.metrics.observeAppend(len(entries), time.Since(start))
	if len(frames) > 0 {
		s.ring.put(frames)
		s.head.Store(frames[len(frames)-1].Seq)
		s.mu.Lock()
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
	}
	for i, sub := range batch {
		sub.done(failed[i])
	}
}

// prune drops events older than the retention window.
func (s *Sequencer) prune() {
	before := s.cfg.Now().Add(-s.cfg.Retention)
	for {
		n, err := s.log.Prune(before, 10000)
		if err != nil {
			s.cfg.Logger.Error("cannot prune the event log", "err", err)
			return
		}
		if n < 10000 {
			return
		}
	}
}

// Close stops taking submissions, sequences what was submitted, and
// stops. It waits until ctx ends.
func (s *Sequencer) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.mu.Unlock()
	s.inflight.Wait()
	close(s.stop)
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sync: sequencer still running at close: %w", ctx.Err())
	}
}
