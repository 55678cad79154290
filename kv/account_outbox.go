package kv

import (
	"encoding/binary"
	"fmt"
)

// The outbox holds events written with a change to the account file but
// not yet appended to the event log. Each entry has a local sequence
// number, increasing within the file. After an unclean stop, entries the
// event log lacks are sequenced again (see EventLog.DIDState).

// AppendOutbox adds an event to the outbox and returns its local sequence
// number.
func (t *AccountTx) AppendOutbox(event []byte) (uint64, error) {
	b := t.bucket(outboxBucket)
	n, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("cannot number outbox entry: %w", err)
	}
	if err := b.Put(binary.BigEndian.AppendUint64(nil, n), event); err != nil {
		return 0, fmt.Errorf("cannot append to outbox: %w", err)
	}
	return n, nil
}

// OutboxSeq returns the local sequence number of the latest outbox entry
// ever appended (zero when none was).
func (t *AccountTx) OutboxSeq() uint64 {
	return t.bucket(outboxBucket).Sequence()
}

// Outbox calls fn for each outbox entry with a local sequence number
// greater than after, in order. The event bytes are only valid during the
// call.
func (t *AccountTx) Outbox(after uint64, fn func(seq uint64, event []byte) error) error {
	c := t.bucket(outboxBucket).Cursor()
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return fmt.Errorf("%w: outbox key of %d bytes", ErrCorrupt, len(k))
		}
		if err := fn(binary.BigEndian.Uint64(k), v); err != nil {
			return err
		}
	}
	return nil
}

// PruneOutbox deletes outbox entries with local sequence numbers up to
// and including through: those the event log already holds.
func (t *AccountTx) PruneOutbox(through uint64) error {
	c := t.bucket(outboxBucket).Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= through; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("cannot prune outbox: %w", err)
		}
	}
	return nil
}
