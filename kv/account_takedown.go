package kv

import "fmt"

// Record takedowns are keyed by record path, so a takedown stays with the
// record when it is updated and ends when the record is deleted
// (DeleteRecord, PruneRecordTakedowns): a record created again at the same
// path is not taken down.

// RecordTakedown returns the moderation reference of a record taken
// down, and whether it is taken down.
func (t *AccountTx) RecordTakedown(path string) (ref string, ok bool) {
	v := t.bucket(takedownsBucket).Get([]byte(path))
	if v == nil {
		return "", false
	}
	return string(v), true
}

// SetRecordTakedown takes the record at path down with a moderation
// reference, or restores it when applied is false.
func (t *AccountTx) SetRecordTakedown(path, ref string, applied bool) error {
	b := t.bucket(takedownsBucket)
	var err error
	if applied {
		err = b.Put([]byte(path), []byte(ref))
	} else {
		err = b.Delete([]byte(path))
	}
	if err != nil {
		return fmt.Errorf("cannot set takedown of %s: %w", path, err)
	}
	return nil
}

// PruneRecordTakedowns ends the takedowns of paths that hold no record,
// after the record index was replaced (DeleteAllRecords and PutRecord).
func (t *AccountTx) PruneRecordTakedowns() error {
	records, takedowns := t.bucket(recordsBucket), t.bucket(takedownsBucket)
	var gone [][]byte
	takedowns.ForEach(func(k, _ []byte) error {
		if records.Get(k) == nil {
			gone = append(gone, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range gone {
		if err := takedowns.Delete(k); err != nil {
			return fmt.Errorf("cannot end takedown of %s: %w", k, err)
		}
	}
	return nil
}
