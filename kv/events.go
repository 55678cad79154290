package kv

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
)

// Buckets of events.db.
var (
	eventsBucket = []byte("events") // seq (uint64) -> time (int64 µs) + frame
	didsBucket   = []byte("dids")   // DID -> DIDState JSON
)

var (
	highWaterKey = []byte("high_water")
	cleanKey     = []byte("clean")
)

var eventsSchema = schema{kind: kindEvents, migrations: []migration{
	createBuckets(eventsBucket, didsBucket),
}}

// EventLog is events.db: the firehose log. Sequence numbers are assigned
// by the caller (the sequencer, its only writer) and must exceed the
// high-water mark, which never goes backwards, even when retention empties
// the log.
type EventLog struct {
	db        *bolt.DB
	path      string
	wasClean  bool
	highWater uint64
}

// DIDState is what the log knows of an account after the latest event it
// holds for it: enough to list repositories and to find the outbox
// entries an unclean stop left unsequenced.
type DIDState struct {
	// LastSeq is the seq of the account's latest event.
	LastSeq uint64 `json:"lastSeq"`
	// OutboxSeq is the local outbox number of the latest event taken from
	// the account file's outbox.
	OutboxSeq uint64 `json:"outboxSeq,omitempty"`
	// Commit and Rev are the repository head after the latest commit or
	// sync event.
	Commit cid.Cid `json:"commit,omitzero"`
	Rev    atp.TID `json:"rev,omitzero"`
	// Status is the hosting status after the latest account event.
	Status Status `json:"status,omitempty"`
}

// LogEntry is one event to append.
type LogEntry struct {
	Seq   uint64
	Time  time.Time
	DID   atp.DID
	Frame []byte
	// OutboxSeq is the account-local outbox number the event came from,
	// zero when it did not come from an outbox.
	OutboxSeq uint64
	// Commit and Rev, when Commit is defined, are the new repository head.
	Commit cid.Cid
	Rev    atp.TID
	// SetStatus makes Status the account's new hosting status.
	SetStatus bool
	Status    Status
}

// OpenEventLog opens or creates events.db at path. It records that the log
// is in use, so that the next open can tell whether this one ended with
// Close (see WasClean).
func OpenEventLog(path string, opts Options) (*EventLog, error) {
	db, err := openBolt(path, eventsSchema, opts, logMmapSize, logAllocSize)
	if err != nil {
		return nil, err
	}
	l := &EventLog{db: db, path: path}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if v := meta.Get(highWaterKey); len(v) == 8 {
			l.highWater = binary.BigEndian.Uint64(v)
		}
		// A new, empty log counts as clean: there is nothing to recover.
		clean := meta.Get(cleanKey)
		l.wasClean = clean == nil && l.highWater == 0 || bytes.Equal(clean, []byte{1})
		return meta.Put(cleanKey, []byte{0})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return l, nil
}

// WasClean reports whether the previous user of the log closed it, so no
// recovery sweep is needed.
func (l *EventLog) WasClean() bool { return l.wasClean }

// HighWater returns the greatest seq ever appended (zero for a new log).
func (l *EventLog) HighWater() uint64 { return l.highWater }

// Append writes entries in one transaction and syncs it. Their seqs must
// increase and exceed HighWater. Only one goroutine may append.
func (l *EventLog) Append(entries []LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	last := l.highWater
	for _, e := range entries {
		if e.Seq <= last {
			return fmt.Errorf("kv: event seq %d does not exceed %d", e.Seq, last)
		}
		last = e.Seq
	}
	err := l.db.Update(func(tx *bolt.Tx) error {
		events, dids := tx.Bucket(eventsBucket), tx.Bucket(didsBucket)
		events.FillPercent = appendFill // seqs only grow
		states := make(map[atp.DID]DIDState, len(entries))
		for _, e := range entries {
			// bbolt keeps the slices given to Put until commit, so each
			// row gets its own.
			val := make([]byte, 8, 8+len(e.Frame))
			binary.BigEndian.PutUint64(val, uint64(e.Time.UnixMicro()))
			val = append(val, e.Frame...)
			if err := events.Put(binary.BigEndian.AppendUint64(nil, e.Seq), val); err != nil {
				return fmt.Errorf("cannot append event %d: %w", e.Seq, err)
			}
			st, ok := states[e.DID]
			if !ok {
				var err error
				if st, _, err = didState(dids, e.DID); err != nil {
					return err
				}
			}
			st.LastSeq = e.Seq
			if e.OutboxSeq > st.OutboxSeq {
				st.OutboxSeq = e.OutboxSeq
			}
			if e.Commit.Defined() {
				st.Commit, st.Rev = e.Commit, e.Rev
			}
			if e.SetStatus {
				st.Status = e.Status
			}
			states[e.DID] = st
		}
		for did, st := range states {
			if err := putDIDState(dids, did, st); err != nil {
				return err
			}
		}
		return tx.Bucket(metaBucket).Put(highWaterKey, binary.BigEndian.AppendUint64(nil, last))
	})
	if err != nil {
		return fmt.Errorf("cannot append %d events: %w", len(entries), err)
	}
	l.highWater = last
	return nil
}

func didState(dids *bolt.Bucket, did atp.DID) (DIDState, bool, error) {
	var st DIDState
	v := dids.Get([]byte(did.String()))
	if v == nil {
		return st, false, nil
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return st, false, fmt.Errorf("%w: state of %s: %v", ErrCorrupt, did, err)
	}
	return st, true, nil
}

func putDIDState(dids *bolt.Bucket, did atp.DID, st DIDState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("cannot encode state of %s: %w", did, err)
	}
	if err := dids.Put([]byte(did.String()), b); err != nil {
		return fmt.Errorf("cannot put state of %s: %w", did, err)
	}
	return nil
}

// DIDState returns what the log knows of did; ok is false when it holds
// no event for it.
func (l *EventLog) DIDState(did atp.DID) (st DIDState, ok bool, err error) {
	err = l.db.View(func(tx *bolt.Tx) error {
		st, ok, err = didState(tx.Bucket(didsBucket), did)
		return err
	})
	return st, ok, err
}

// ForEachDID calls fn for each DID the log has seen, in DID order,
// starting after the DID after (from the start when zero), until fn
// returns false.
func (l *EventLog) ForEachDID(after atp.DID, fn func(did atp.DID, st DIDState) bool) error {
	return l.db.View(func(tx *bolt.Tx) error {
		dids := tx.Bucket(didsBucket)
		c := dids.Cursor()
		var k []byte
		if after.IsZero() {
			k, _ = c.First()
		} else {
			start := []byte(after.String())
			k, _ = c.Seek(start)
			if bytes.Equal(k, start) {
				k, _ = c.Next()
			}
		}
		for ; k != nil; k, _ = c.Next() {
			did, err := atp.ParseDID(string(k))
			if err != nil {
				return fmt.Errorf("%w: DID key %q: %v", ErrCorrupt, k, err)
			}
			st, _, err := didState(dids, did)
			if err != nil {
				return err
			}
			if !fn(did, st) {
				return nil
			}
		}
		return nil
	})
}

// Event is one stored event.
type Event struct {
	Seq   uint64
	Time  time.Time
	Frame []byte
}

// Read returns up to limit events with seq greater than after, in order.
// The frames are copies. Readers page through the log with repeated calls
// so that no read transaction stays open for long.
func (l *EventLog) Read(after uint64, limit int) ([]Event, error) {
	var out []Event
	err := l.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(eventsBucket).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil && len(out) < limit; k, v = c.Next() {
			if len(k) != 8 || len(v) < 8 {
				return fmt.Errorf("%w: event row", ErrCorrupt)
			}
			out = append(out, Event{
				Seq:   binary.BigEndian.Uint64(k),
				Time:  time.UnixMicro(int64(binary.BigEndian.Uint64(v))).UTC(),
				Frame: clone(v[8:]),
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read events after %d: %w", after, err)
	}
	return out, nil
}

// First returns the oldest event still held; ok is false for an empty
// log.
func (l *EventLog) First() (ev Event, ok bool, err error) {
	err = l.db.View(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(eventsBucket).Cursor().First()
		if k == nil {
			return nil
		}
		if len(k) != 8 || len(v) < 8 {
			return fmt.Errorf("%w: event row", ErrCorrupt)
		}
		ev = Event{
			Seq:   binary.BigEndian.Uint64(k),
			Time:  time.UnixMicro(int64(binary.BigEndian.Uint64(v))).UTC(),
			Frame: clone(v[8:]),
		}
		ok = true
		return nil
	})
	return ev, ok, err
}

// Prune deletes up to max events older than before, oldest first, and
// returns how many it deleted. The high-water mark is kept.
func (l *EventLog) Prune(before time.Time, max int) (int, error) {
	n := 0
	err := l.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(eventsBucket).Cursor()
		limit := uint64(before.UnixMicro())
		for k, v := c.First(); k != nil && n < max; k, v = c.First() {
			if len(v) < 8 || binary.BigEndian.Uint64(v) >= limit {
				break
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("cannot prune events: %w", err)
	}
	return n, nil
}

// ReleaseMapped drops the log's file pages from the process's resident
// set (they stay in the page cache); see releaseMapped.
func (l *EventLog) ReleaseMapped() error { return releaseMapped(l.db) }

// Close marks the log as closed cleanly and closes it.
func (l *EventLog) Close() error {
	err := l.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(cleanKey, []byte{1})
	})
	if cerr := l.db.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return fmt.Errorf("cannot close %s: %w", l.path, err)
	}
	return nil
}
