package sync

import (
	"context"
	"errors"
	"fmt"
)

// Subscription errors, named after the firehose's error frames.
var (
	// ErrFutureCursor reports a cursor beyond the latest seq.
	ErrFutureCursor = errors.New("sync: cursor is in the future")
	// ErrConsumerTooSlow reports a subscriber cut off for falling behind.
	ErrConsumerTooSlow = errors.New("sync: consumer too slow")
)

// OutdatedCursorInfo is the #info name sent before replay when a cursor
// is older than the log's retention window.
const OutdatedCursorInfo = "OutdatedCursor"

// logPage is how many events a subscription reads from the log at once.
const logPage = 256

// Subscription delivers frames in seq order: a replay from its cursor,
// then live frames. Next returns them one at a time.
type Subscription struct {
	frames chan Frame
	cancel context.CancelFunc
	done   chan struct{}
	// err is set before frames is closed.
	err error
}

// Subscribe starts a subscription. A nil cursor starts live, after the
// latest event. Otherwise frames with seq greater than *cursor are
// replayed first; when the log no longer holds the event after the cursor,
// an #info OutdatedCursor frame (seq 0) comes first and the replay starts
// at the oldest event held. A cursor beyond the latest seq fails with
// ErrFutureCursor. The subscription ends when ctx ends or Close is called.
func (s *Sequencer) Subscribe(ctx context.Context, cursor *uint64) (*Subscription, error) {
	head := s.head.Load()
	pos := head
	var info []Frame
	if cursor != nil {
		if *cursor > head {
			return nil, fmt.Errorf("%w: %d is beyond %d", ErrFutureCursor, *cursor, head)
		}
		pos = *cursor
		first, ok, err := s.log.First()
		if err != nil {
			return nil, fmt.Errorf("sync: cannot start subscription: %w", err)
		}
		if pos < head && ok && first.Seq > pos+1 {
			if pos > 0 {
				info = append(info, Frame{Data: InfoFrame(OutdatedCursorInfo, "Requested cursor exceeded limit. Possibly missing events")})
			}
			// Replay the whole window, from the oldest event held.
			pos = first.Seq - 1
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	sub := &Subscription{frames: make(chan Frame, s.cfg.QueueSize), cancel: cancel, done: make(chan struct{})}
	for _, f := range info {
		sub.frames <- f
	}
	go s.pump(ctx, sub, pos)
	return sub, nil
}

// Next returns the next frame. After the subscription ends it returns the
// reason: ErrConsumerTooSlow, ErrClosed, or the context's error.
func (sub *Subscription) Next(ctx context.Context) (Frame, error) {
	select {
	case f, ok := <-sub.frames:
		if !ok {
			return Frame{}, sub.err
		}
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// Frames is the channel Next reads from, for callers that wait on it
// together with other events or take every frame already queued. It is
// closed when the subscription ends; Err then tells why.
func (sub *Subscription) Frames() <-chan Frame { return sub.frames }

// Err is why the subscription ended: ErrConsumerTooSlow, ErrClosed or the
// context's error. Call it only after receiving from a closed Frames
// channel, which is what makes reading it safe.
func (sub *Subscription) Err() error { return sub.err }

// Close ends the subscription and waits for its goroutine.
func (sub *Subscription) Close() {
	sub.cancel()
	<-sub.done
}

// pump feeds sub with the frames after pos: from the ring when it holds
// them, else from the log, then live as they are published. Once caught
// up, a subscriber that lets MaxLag events pile up is cut off.
func (s *Sequencer) pump(ctx context.Context, sub *Subscription, pos uint64) {
	defer close(sub.done)
	s.metrics.subscribers.Add(1)
	defer s.metrics.subscribers.Add(-1)
	end := func(err error) {
		if errors.Is(err, ErrConsumerTooSlow) {
			s.metrics.slow.Inc()
		}
		sub.err = err
		close(sub.frames)
	}
	live := false
	var page []Frame
	for {
		changed := s.changes()
		head := s.head.Load()
		if pos >= head {
			live = true
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				end(ctx.Err())
				return
			case <-s.done:
				end(ErrClosed)
				return
			}
		}
		var f Frame
		if len(page) > 0 && page[0].Seq > pos {
			f, page = page[0], page[1:]
		} else if rf, ok := s.ring.get(pos + 1); ok {
			f = rf
		} else {
			evs, err := s.log.Read(pos, logPage)
			if err != nil {
				end(fmt.Errorf("sync: cannot read the event log: %w", err))
				return
			}
			if len(evs) == 0 {
				// The log has nothing after pos yet (a publish raced
				// the read); wait for the next change.
				select {
				case <-changed:
				case <-ctx.Done():
					end(ctx.Err())
					return
				}
				continue
			}
			page = page[:0]
			for _, ev := range evs {
				page = append(page, Frame{Seq: ev.Seq, Data: ev.Frame})
			}
			f, page = page[0], page[1:]
		}
		for sent := false; !sent; {
			select {
			case sub.frames <- f:
				sent = true
				s.metrics.frames.Inc()
				s.metrics.bytes.Add(len(f.Data))
			case <-changed:
				changed = s.changes()
				if live && s.head.Load()-pos > s.cfg.MaxLag {
					end(fmt.Errorf("%w: %d events behind", ErrConsumerTooSlow, s.head.Load()-pos))
					return
				}
			case <-ctx.Done():
				end(ctx.Err())
				return
			}
		}
		pos = f.Seq
	}
}
