package sync

import (
	"context"
	"fmt"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// RecoveryStats reports what Recover did.
type RecoveryStats struct {
	Accounts int
	Events   int
}

// Recover sequences, for every account file under the registry's data
// directory, the outbox entries the event log does not hold yet, in each
// account's outbox order, and waits until they are durable. Run it after
// Start and before any actor writes, when the log reports an unclean stop.
func (s *Sequencer) Recover(ctx context.Context, reg *actor.Registry) (RecoveryStats, error) {
	var stats RecoveryStats
	dids, err := kv.AccountDIDs(reg.Config().DataDir)
	if err != nil {
		return stats, err
	}
	for _, did := range dids {
		n, err := s.recoverAccount(ctx, reg, did)
		if err != nil {
			return stats, fmt.Errorf("cannot recover events of %s: %w", did, err)
		}
		stats.Accounts++
		stats.Events += n
	}
	return stats, nil
}

func (s *Sequencer) recoverAccount(ctx context.Context, reg *actor.Registry, did atp.DID) (int, error) {
	st, _, err := s.log.DIDState(did)
	if err != nil {
		return 0, err
	}
	var events []*actor.Event
	err = reg.View(ctx, did, func(tx *kv.AccountTx) error {
		return tx.Outbox(st.OutboxSeq, func(seq uint64, data []byte) error {
			ev, err := actor.UnmarshalEvent(did, seq, data)
			if err != nil {
				return err
			}
			events = append(events, ev)
			return nil
		})
	})
	if err != nil || len(events) == 0 {
		return 0, err
	}
	done := make(chan error, 1)
	s.Submit(events, func(err error) { done <- err })
	select {
	case err := <-done:
		return len(events), err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
