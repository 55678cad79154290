package httpapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// tempSweeper is a blob store that also leaves files of interrupted
// uploads behind (blobstore.Disk).
type tempSweeper interface {
	SweepTemp(age time.Duration, now time.Time) (int, error)
}

// SweepTempBlobs removes the blobs that were uploaded more than
// olderThan ago and that no record references (metadata and bytes), for
// every account on this node, and the files interrupted uploads left in
// the blob store. It returns how many it removed. cmd runs it
// periodically (hourly, with a grace period of several hours, as the
// blob specification recommends). An account it cannot sweep is skipped
// and reported in the error; the others are still swept.
func (s *Server) SweepTempBlobs(ctx context.Context, olderThan time.Duration) (int, error) {
	if s.d.Blobs == nil {
		return 0, nil
	}
	dids, err := kv.AccountDIDs(s.d.Registry.Config().DataDir)
	if err != nil {
		return 0, fmt.Errorf("cannot list accounts: %w", err)
	}
	now := s.d.Now()
	cutoff := now.Add(-olderThan)
	total := 0
	var errs []error
	for _, did := range dids {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := s.sweepAccountBlobs(ctx, did, cutoff)
		total += n
		if err != nil && !isAccountMissing(err) {
			errs = append(errs, fmt.Errorf("cannot sweep blobs of %s: %w", did, err))
		}
	}
	if ts, ok := s.d.Blobs.(tempSweeper); ok {
		n, err := ts.SweepTemp(olderThan, now)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot sweep interrupted uploads: %w", err))
		}
	}
	return total, errors.Join(errs...)
}

// sweepAccountBlobs removes did's stale temporary blobs. Candidates are
// found in a read transaction; each is checked again and removed in the
// actor's order, so an upload or a write referencing it meanwhile keeps
// it.
func (s *Server) sweepAccountBlobs(ctx context.Context, did atp.DID, cutoff time.Time) (int, error) {
	stale := func(tx *kv.AccountTx, m kv.BlobMeta) bool {
		return m.Temp && !m.Missing && m.CreatedAt.Before(cutoff) && !tx.BlobReferenced(m.CID)
	}
	var found []cid.Cid
	err := s.d.Registry.View(ctx, did, func(tx *kv.AccountTx) error {
		return tx.ForEachBlob(cid.Undef, func(m kv.BlobMeta) bool {
			if stale(tx, m) {
				found = append(found, m.CID)
			}
			return true
		})
	})
	if err != nil || len(found) == 0 {
		return 0, err
	}
	n := 0
	err = s.d.Registry.UpdateState(ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		n = 0
		for _, c := range found {
			m, err := tx.Blob(c)
			if errors.Is(err, kv.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if !stale(tx, m) {
				continue
			}
			// Bytes first: a failure then leaves nothing half done.
			if err := s.d.Blobs.Delete(ctx, did, c); err != nil {
				return nil, err
			}
			if err := tx.DeleteBlob(c); err != nil {
				return nil, err
			}
			n++
		}
		return nil, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
