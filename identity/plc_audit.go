package identity

import (
	"errors"
	"fmt"
	"time"

	"github.com/boltsky/boltsky/atp"
)

// RecoveryWindow is how long after an operation a higher-priority rotation
// key may still nullify it by forking the log at an earlier operation.
const RecoveryWindow = 72 * time.Hour

// AuditEntry is one entry of a did:plc audit log (GET /:did/log/audit):
// an operation as the directory received it, with its CID, the time the
// directory accepted it, and whether a later recovery nullified it.
type AuditEntry struct {
	DID       atp.DID      `json:"did"`
	Operation Operation    `json:"operation"`
	CID       string       `json:"cid"`
	Nullified bool         `json:"nullified"`
	CreatedAt atp.Datetime `json:"createdAt"`
}

// opState is what audit-log verification remembers about an operation.
type opState struct {
	createdAt time.Time
	nullified bool
	// lastChild is the CID of the latest operation whose prev is this one.
	lastChild string
	// allowed are the rotation keys that may still sign an operation with
	// this one as prev: the operation's own rotation keys, cut down to
	// those of higher priority than the signer of each later child.
	allowed []string
}

// VerifyAuditLog checks a did:plc audit log, in the order the directory
// lists it (nullified entries included), as the reference directory would
// have built it:
//
//   - every entry names the same DID, and its CID is that of its operation;
//   - the first entry is a genesis operation whose hash gives that DID,
//     signed by one of its own rotation keys; no other entry is a genesis;
//   - every later entry's prev is an earlier, not nullified entry, and it is
//     signed (strict base64url, low-S) by a rotation key of that entry that
//     is still allowed: when an operation forks the log at prev, it must be
//     signed by a key of higher priority than the one that signed prev's
//     previous child, and it nullifies that child and all its successors;
//   - nothing follows a tombstone (it has no rotation keys);
//   - timestamps do not go backwards; a fork comes after the current head
//     and at most RecoveryWindow after the first operation it nullifies;
//   - each entry's Nullified flag matches the outcome, and the genesis is
//     never nullified.
//
// Failures wrap ErrInvalidAuditLog and the cause.
func VerifyAuditLog(entries []AuditEntry) error {
	if len(entries) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidAuditLog)
	}
	did := entries[0].DID
	states := make(map[string]*opState, len(entries))
	var head string
	for i := range entries {
		if err := verifyAuditEntry(did, i, &entries[i], states, &head); err != nil {
			return fmt.Errorf("%w: entry %d (%s): %w", ErrInvalidAuditLog, i, entries[i].CID, err)
		}
	}
	for i, e := range entries {
		if got := states[e.CID].nullified; got != e.Nullified {
			return fmt.Errorf("%w: entry %d (%s): marked nullified=%t, but the log makes it %t",
				ErrInvalidAuditLog, i, e.CID, e.Nullified, got)
		}
	}
	return nil
}

func verifyAuditEntry(did atp.DID, i int, e *AuditEntry, states map[string]*opState, head *string) error {
	op := &e.Operation
	if e.DID != did {
		return fmt.Errorf("DID %s differs from %s", e.DID, did)
	}
	c, err := op.CID()
	if err != nil {
		return err
	}
	if c.String() != e.CID {
		return fmt.Errorf("CID of the operation is %s", c)
	}
	if _, dup := states[e.CID]; dup {
		return errors.New("operation repeats an earlier entry")
	}
	if e.CreatedAt.IsZero() {
		return errors.New("missing createdAt")
	}
	at := e.CreatedAt.Time()
	if i == 0 {
		if !op.IsGenesis() {
			return errors.New("first entry is not a genesis operation")
		}
		got, err := DIDForGenesis(*op)
		if err != nil {
			return err
		}
		if got != did {
			return fmt.Errorf("genesis operation hashes to %s", got)
		}
		if _, err := op.VerifySignature(op.EffectiveRotationKeys()); err != nil {
			return err
		}
		states[e.CID] = &opState{createdAt: at, allowed: op.EffectiveRotationKeys()}
		*head = e.CID
		return nil
	}
	if op.IsGenesis() {
		return errors.New("genesis operation after the first entry")
	}
	prev, ok := states[op.Prev]
	if !ok {
		return fmt.Errorf("prev %s is not an earlier entry", op.Prev)
	}
	if prev.nullified {
		return fmt.Errorf("%w: prev %s is nullified", ErrInvalidOperation, op.Prev)
	}
	keyIdx, err := op.VerifySignature(prev.allowed)
	if err != nil {
		return err
	}
	if prev.lastChild == "" {
		if at.Before(prev.createdAt) {
			return fmt.Errorf("created at %s, before its prev (%s)", at, prev.createdAt)
		}
	} else {
		if cur := states[*head]; !at.After(cur.createdAt) {
			return fmt.Errorf("recovery created at %s, not after the head (%s)", at, cur.createdAt)
		}
		first := states[prev.lastChild]
		if lapse := at.Sub(first.createdAt); lapse > RecoveryWindow {
			return fmt.Errorf("%w: recovery %s after the operation it nullifies, outside the %s window",
				ErrInvalidOperation, lapse, RecoveryWindow)
		}
		for c := prev.lastChild; c != ""; c = states[c].lastChild {
			states[c].nullified = true
		}
	}
	prev.allowed = prev.allowed[:keyIdx]
	prev.lastChild = e.CID
	states[e.CID] = &opState{createdAt: at, allowed: op.EffectiveRotationKeys()}
	*head = e.CID
	return nil
}

// LastActive returns the last entry of a log that is not nullified: the
// operation that gives the DID its current state. It does not verify the
// log; call VerifyAuditLog first.
func LastActive(entries []AuditEntry) (AuditEntry, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if !entries[i].Nullified {
			return entries[i], true
		}
	}
	return AuditEntry{}, false
}
