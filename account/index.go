package account

import (
	"errors"
	"fmt"
	"strings"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// maxEmailLength bounds an email address (RFC 5321's path limit less the
// brackets).
const maxEmailLength = 254

// NormalizeEmail checks that email is a plain address local@domain (no
// display name, no spaces, a domain of at least two DNS labels) and
// returns it lower-cased, the form the index keys it by. Anything else is
// ErrInvalidEmail.
func NormalizeEmail(email string) (string, error) {
	if len(email) > maxEmailLength {
		return "", ErrInvalidEmail
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return "", ErrInvalidEmail
	}
	for i := range len(local) {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>[\]`, c) >= 0 {
			return "", ErrInvalidEmail
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", ErrInvalidEmail
	}
	if _, err := atp.ParseHandle(domain); err != nil {
		return "", ErrInvalidEmail
	}
	return strings.ToLower(email), nil
}

// Index is the handle -> DID and email -> DID index in server.db
// (kv.TableHandles, kv.TableEmails). Each operation runs in one
// transaction; the Tx variants run in the caller's, so that sign-up can
// claim a handle and an email and use an invite code atomically.
type Index struct {
	db *kv.Server
}

// NewIndex returns the index of server.db.
func NewIndex(db *kv.Server) *Index { return &Index{db: db} }

// HandleDID returns the account with handle h, or an error wrapping
// kv.ErrNotFound.
func (x *Index) HandleDID(h atp.Handle) (atp.DID, error) {
	var did atp.DID
	err := x.db.View(func(tx *kv.ServerTx) error {
		var err error
		did, err = tx.HandleDID(h)
		return err
	})
	return did, err
}

// EmailDID returns the account with the address email (normalised here),
// or an error wrapping kv.ErrNotFound.
func (x *Index) EmailDID(email string) (atp.DID, error) {
	var did atp.DID
	err := x.db.View(func(tx *kv.ServerTx) error {
		var err error
		did, err = tx.EmailDID(strings.ToLower(email))
		return err
	})
	return did, err
}

// ClaimTx maps h and email (already normalised) to did, failing with
// ErrHandleTaken or ErrEmailTaken when another account holds either. A
// zero handle or empty email is skipped. Claiming what did already holds
// is not an error.
func (x *Index) ClaimTx(tx *kv.ServerTx, did atp.DID, h atp.Handle, email string) error {
	if !h.IsZero() {
		if err := claimTx(tx, kv.TableHandles, h.String(), did, ErrHandleTaken); err != nil {
			return err
		}
	}
	if email != "" {
		if err := claimTx(tx, kv.TableEmails, email, did, ErrEmailTaken); err != nil {
			return err
		}
	}
	return nil
}

// Claim is ClaimTx in a transaction of its own.
func (x *Index) Claim(did atp.DID, h atp.Handle, email string) error {
	return x.db.Update(func(tx *kv.ServerTx) error { return x.ClaimTx(tx, did, h, email) })
}

// MoveHandleTx moves did from handle from (zero for none) to handle to:
// it claims to (ErrHandleTaken if another account holds it) and releases
// from if did held it.
func (x *Index) MoveHandleTx(tx *kv.ServerTx, did atp.DID, from, to atp.Handle) error {
	if err := claimTx(tx, kv.TableHandles, to.String(), did, ErrHandleTaken); err != nil {
		return err
	}
	if !from.IsZero() && from != to {
		return releaseTx(tx, kv.TableHandles, from.String(), did)
	}
	return nil
}

// MoveHandle is MoveHandleTx in a transaction of its own.
func (x *Index) MoveHandle(did atp.DID, from, to atp.Handle) error {
	return x.db.Update(func(tx *kv.ServerTx) error { return x.MoveHandleTx(tx, did, from, to) })
}

// MoveEmailTx moves did from address from ("" for none) to address to,
// both normalised, failing with ErrEmailTaken when another account holds
// to.
func (x *Index) MoveEmailTx(tx *kv.ServerTx, did atp.DID, from, to string) error {
	if err := claimTx(tx, kv.TableEmails, to, did, ErrEmailTaken); err != nil {
		return err
	}
	if from != "" && from != to {
		return releaseTx(tx, kv.TableEmails, from, did)
	}
	return nil
}

// MoveEmail is MoveEmailTx in a transaction of its own.
func (x *Index) MoveEmail(did atp.DID, from, to string) error {
	return x.db.Update(func(tx *kv.ServerTx) error { return x.MoveEmailTx(tx, did, from, to) })
}

// ReleaseTx removes h and email from the index where they map to did
// (account deletion); entries of other accounts are left alone.
func (x *Index) ReleaseTx(tx *kv.ServerTx, did atp.DID, h atp.Handle, email string) error {
	if !h.IsZero() {
		if err := releaseTx(tx, kv.TableHandles, h.String(), did); err != nil {
			return err
		}
	}
	if email != "" {
		return releaseTx(tx, kv.TableEmails, email, did)
	}
	return nil
}

// Release is ReleaseTx in a transaction of its own.
func (x *Index) Release(did atp.DID, h atp.Handle, email string) error {
	return x.db.Update(func(tx *kv.ServerTx) error { return x.ReleaseTx(tx, did, h, email) })
}

func claimTx(tx *kv.ServerTx, table kv.Table, key string, did atp.DID, taken *Error) error {
	raw, err := tx.Get(table, key)
	switch {
	case err == nil && string(raw) == did.String():
		return nil
	case err == nil:
		return taken.withMessage(fmt.Sprintf("%s: %s", taken.Message, key))
	case !errors.Is(err, kv.ErrNotFound):
		return err
	}
	return tx.Put(table, key, []byte(did.String()))
}

func releaseTx(tx *kv.ServerTx, table kv.Table, key string, did atp.DID) error {
	raw, err := tx.Get(table, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if string(raw) != did.String() {
		return nil
	}
	return tx.Delete(table, key)
}
