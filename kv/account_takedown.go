package kv

import "fmt"

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
