package kv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/boltsky/boltsky/atp"
)

var (
	accountStateKey = []byte("account")
	prefsKey        = []byte("preferences")
)

// Status is an account's hosting status at this server. The zero value
// is "active".
type Status string

// Hosting statuses, as named on the firehose's #account event.
const (
	StatusActive         Status = ""
	StatusDeactivated    Status = "deactivated"
	StatusTakendown      Status = "takendown"
	StatusSuspended      Status = "suspended"
	StatusDeleted        Status = "deleted"
	StatusDesynchronized Status = "desynchronized"
	StatusThrottled      Status = "throttled"
)

// Active reports whether an account with this status is served.
func (s Status) Active() bool {
	return s == StatusActive || s == StatusDesynchronized || s == StatusThrottled
}

// AccountState is the identity, credentials and hosting state of an
// account, stored in its account file so that the file alone restores the
// account.
type AccountState struct {
	DID    atp.DID    `json:"did"`
	Handle atp.Handle `json:"handle,omitzero"`
	Email  string     `json:"email,omitempty"`
	// EmailConfirmedAt is zero while the email is unconfirmed.
	EmailConfirmedAt time.Time `json:"emailConfirmedAt,omitzero"`
	// PasswordHash is an encoded memory-hard hash; empty means no
	// password login.
	PasswordHash string `json:"passwordHash,omitempty"`
	// SigningKey is the repository signing key, sealed with the server's
	// key; only the server can open it.
	SigningKey []byte `json:"signingKey,omitempty"`
	// Status is the hosting status.
	Status Status `json:"status,omitempty"`
	// DeactivatedAt is when the account was last deactivated.
	DeactivatedAt time.Time `json:"deactivatedAt,omitzero"`
	// DeleteAfter is when a deactivated account may be deleted.
	DeleteAfter time.Time `json:"deleteAfter,omitzero"`
	// TakedownRef is the moderation reference of a takedown.
	TakedownRef string `json:"takedownRef,omitempty"`
	// InviteCode is the code the account signed up with, if any.
	InviteCode string `json:"inviteCode,omitempty"`
	// CreatedAt is when the account was created on this server.
	CreatedAt time.Time `json:"createdAt"`
}

// AccountState returns the account's state, or ErrNotFound before one was
// stored.
func (t *AccountTx) AccountState() (AccountState, error) {
	var s AccountState
	v := t.bucket(stateBucket).Get(accountStateKey)
	if v == nil {
		return s, fmt.Errorf("%w: account state", ErrNotFound)
	}
	if t.acct != nil {
		if d := t.acct.state.Load(); d != nil && bytes.Equal(d.raw, v) {
			s = d.state
			s.SigningKey = bytes.Clone(s.SigningKey)
			return s, nil
		}
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("%w: account state: %v", ErrCorrupt, err)
	}
	if t.acct != nil {
		t.acct.state.Store(&decodedState{raw: bytes.Clone(v), state: s})
		s.SigningKey = bytes.Clone(s.SigningKey)
	}
	return s, nil
}

// decodedState is an account state with the bytes it was decoded from.
// Neither changes once stored.
type decodedState struct {
	raw   []byte
	state AccountState
}

// PutAccountState stores the account's state.
func (t *AccountTx) PutAccountState(s AccountState) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("cannot encode account state: %w", err)
	}
	if err := t.bucket(stateBucket).Put(accountStateKey, b); err != nil {
		return fmt.Errorf("cannot put account state: %w", err)
	}
	return nil
}

// Preferences returns the stored preferences document (JSON), or nil.
func (t *AccountTx) Preferences() []byte {
	return clone(t.bucket(stateBucket).Get(prefsKey))
}

// SetPreferences replaces the preferences document (JSON).
func (t *AccountTx) SetPreferences(doc []byte) error {
	if err := t.bucket(stateBucket).Put(prefsKey, doc); err != nil {
		return fmt.Errorf("cannot put preferences: %w", err)
	}
	return nil
}

// AppPassword is a named secondary password with restricted rights.
type AppPassword struct {
	Name string `json:"name"`
	// Hash is the encoded memory-hard hash of the password.
	Hash string `json:"hash"`
	// Privileged app passwords may also reach direct messages.
	Privileged bool      `json:"privileged,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// AppPasswords returns the account's app passwords in name order.
func (t *AccountTx) AppPasswords() ([]AppPassword, error) {
	var out []AppPassword
	err := t.bucket(appPassBucket).ForEach(func(k, v []byte) error {
		var p AppPassword
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("%w: app password %q: %v", ErrCorrupt, k, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// AppPassword returns the app password with the given name, or
// ErrNotFound.
func (t *AccountTx) AppPassword(name string) (AppPassword, error) {
	var p AppPassword
	v := t.bucket(appPassBucket).Get([]byte(name))
	if v == nil {
		return p, fmt.Errorf("%w: app password %q", ErrNotFound, name)
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, fmt.Errorf("%w: app password %q: %v", ErrCorrupt, name, err)
	}
	return p, nil
}

// PutAppPassword stores an app password under its name.
func (t *AccountTx) PutAppPassword(p AppPassword) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("cannot encode app password: %w", err)
	}
	if err := t.bucket(appPassBucket).Put([]byte(p.Name), b); err != nil {
		return fmt.Errorf("cannot put app password: %w", err)
	}
	return nil
}

// DeleteAppPassword removes an app password, reporting ErrNotFound when
// there is none of that name.
func (t *AccountTx) DeleteAppPassword(name string) error {
	b := t.bucket(appPassBucket)
	if b.Get([]byte(name)) == nil {
		return fmt.Errorf("%w: app password %q", ErrNotFound, name)
	}
	if err := b.Delete([]byte(name)); err != nil {
		return fmt.Errorf("cannot delete app password: %w", err)
	}
	return nil
}
