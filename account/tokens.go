package account

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// TokenPurpose names what an emailed token authorises.
type TokenPurpose string

// Token purposes, as the reference names them.
const (
	PurposeConfirmEmail  TokenPurpose = "confirm_email"
	PurposeUpdateEmail   TokenPurpose = "update_email"
	PurposeResetPassword TokenPurpose = "reset_password"
	PurposeDeleteAccount TokenPurpose = "delete_account"
	PurposePLCOperation  TokenPurpose = "plc_operation"
)

// Valid reports whether p is one of the purposes above.
func (p TokenPurpose) Valid() bool {
	switch p {
	case PurposeConfirmEmail, PurposeUpdateEmail, PurposeResetPassword, PurposeDeleteAccount, PurposePLCOperation:
		return true
	}
	return false
}

// DefaultEmailTokenLifetime is how long an emailed token is valid.
const DefaultEmailTokenLifetime = 15 * time.Minute

// EmailTokenConfig configures EmailTokens. Lifetime zero means
// DefaultEmailTokenLifetime; Now nil time.Now; Rand nil crypto/rand.
type EmailTokenConfig struct {
	Lifetime time.Duration
	Now      func() time.Time
	Rand     io.Reader
}

// EmailTokens issues and checks the one-time tokens mailed for
// confirmEmail, updateEmail, resetPassword, deleteAccount and PLC
// operations. An account holds at most one token per purpose: a new one
// replaces the old.
//
// kv.TableTokens holds each token's record under "<purpose>\x00<did>" and
// the reverse entry "<purpose>\x01<TOKEN>" -> DID, for resetPassword,
// which knows only the token.
type EmailTokens struct {
	db  *kv.Server
	cfg EmailTokenConfig
}

// NewEmailTokens returns EmailTokens over server.db.
func NewEmailTokens(db *kv.Server, cfg EmailTokenConfig) *EmailTokens {
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultEmailTokenLifetime
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = randomReader(cfg.Rand)
	return &EmailTokens{db: db, cfg: cfg}
}

type emailTokenRecord struct {
	Token       string    `json:"token"`
	RequestedAt time.Time `json:"requestedAt"`
}

func tokenKey(p TokenPurpose, did atp.DID) string         { return string(p) + "\x00" + did.String() }
func tokenReverseKey(p TokenPurpose, token string) string { return string(p) + "\x01" + token }

// normalizeToken upper-cases a presented token, as the reference compares
// them.
func normalizeToken(token string) string { return strings.ToUpper(strings.TrimSpace(token)) }

// Create issues a token "XXXXX-XXXXX" (upper-case letters and digits 2-7)
// for did and purpose, replacing any earlier one.
func (t *EmailTokens) Create(purpose TokenPurpose, did atp.DID) (string, error) {
	if !purpose.Valid() {
		return "", fmt.Errorf("account: unknown token purpose %q", purpose)
	}
	now := t.cfg.Now().UTC()
	var token string
	err := t.db.Update(func(tx *kv.ServerTx) error {
		if err := t.deleteTx(tx, purpose, did); err != nil {
			return err
		}
		// Draw again on the rare collision with another account's token.
		for {
			s, err := randomGroups(t.cfg.Rand, 2, 5)
			if err != nil {
				return err
			}
			token = strings.ToUpper(s)
			if _, err := tx.Get(kv.TableTokens, tokenReverseKey(purpose, token)); errors.Is(err, kv.ErrNotFound) {
				break
			} else if err != nil {
				return err
			}
		}
		if err := tx.PutJSON(kv.TableTokens, tokenKey(purpose, did), emailTokenRecord{Token: token, RequestedAt: now}); err != nil {
			return err
		}
		return tx.Put(kv.TableTokens, tokenReverseKey(purpose, token), []byte(did.String()))
	})
	if err != nil {
		return "", fmt.Errorf("cannot create email token: %w", err)
	}
	return token, nil
}

// Check reports whether token is did's current token for purpose:
// ErrInvalidEmailToken when it is not, ErrExpiredEmailToken when it is
// but is older than the lifetime. It does not consume the token.
func (t *EmailTokens) Check(purpose TokenPurpose, did atp.DID, token string) error {
	return t.db.View(func(tx *kv.ServerTx) error { return t.checkTx(tx, purpose, did, token) })
}

// Consume checks the token like Check and deletes it in the same
// transaction, so it can be used once.
func (t *EmailTokens) Consume(purpose TokenPurpose, did atp.DID, token string) error {
	return t.db.Update(func(tx *kv.ServerTx) error {
		if err := t.checkTx(tx, purpose, did, token); err != nil {
			return err
		}
		return t.deleteTx(tx, purpose, did)
	})
}

// FindDID returns the account whose valid token for purpose this is, for
// resetPassword. Failures are ErrInvalidEmailToken and
// ErrExpiredEmailToken.
func (t *EmailTokens) FindDID(purpose TokenPurpose, token string) (atp.DID, error) {
	var did atp.DID
	err := t.db.View(func(tx *kv.ServerTx) error {
		var err error
		did, err = t.findTx(tx, purpose, token)
		return err
	})
	return did, err
}

// ConsumeByToken is FindDID that also deletes the token.
func (t *EmailTokens) ConsumeByToken(purpose TokenPurpose, token string) (atp.DID, error) {
	var did atp.DID
	err := t.db.Update(func(tx *kv.ServerTx) error {
		var err error
		if did, err = t.findTx(tx, purpose, token); err != nil {
			return err
		}
		return t.deleteTx(tx, purpose, did)
	})
	return did, err
}

// Delete removes did's token for purpose, if any.
func (t *EmailTokens) Delete(purpose TokenPurpose, did atp.DID) error {
	return t.db.Update(func(tx *kv.ServerTx) error { return t.deleteTx(tx, purpose, did) })
}

// DeleteAll removes every token of did (account deletion).
func (t *EmailTokens) DeleteAll(did atp.DID) error {
	return t.db.Update(func(tx *kv.ServerTx) error {
		for _, p := range []TokenPurpose{PurposeConfirmEmail, PurposeUpdateEmail, PurposeResetPassword, PurposeDeleteAccount, PurposePLCOperation} {
			if err := t.deleteTx(tx, p, did); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteExpired removes every expired token and reports how many, for a
// periodic sweep.
func (t *EmailTokens) DeleteExpired() (int, error) {
	now := t.cfg.Now()
	n := 0
	err := t.db.Update(func(tx *kv.ServerTx) error {
		var expired []string
		var scanErr error
		err := tx.Scan(kv.TableTokens, "", "", func(key string, value []byte) bool {
			if !strings.Contains(key, "\x00") {
				return true // a reverse entry
			}
			var rec emailTokenRecord
			if err := json.Unmarshal(value, &rec); err != nil {
				scanErr = fmt.Errorf("%w: email token %q: %v", kv.ErrCorrupt, key, err)
				return false
			}
			if t.expired(rec, now) {
				expired = append(expired, key)
			}
			return true
		})
		if err == nil {
			err = scanErr
		}
		if err != nil {
			return err
		}
		for _, key := range expired {
			purpose, didStr, _ := strings.Cut(key, "\x00")
			did, err := atp.ParseDID(didStr)
			if err != nil {
				return fmt.Errorf("%w: email token %q: %v", kv.ErrCorrupt, key, err)
			}
			if err := t.deleteTx(tx, TokenPurpose(purpose), did); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (t *EmailTokens) expired(rec emailTokenRecord, now time.Time) bool {
	return !now.Before(rec.RequestedAt.Add(t.cfg.Lifetime))
}

func (t *EmailTokens) checkTx(tx *kv.ServerTx, purpose TokenPurpose, did atp.DID, token string) error {
	var rec emailTokenRecord
	if err := tx.GetJSON(kv.TableTokens, tokenKey(purpose, did), &rec); err != nil {
		if errors.Is(err, kv.ErrNotFound) {
			return ErrInvalidEmailToken
		}
		return err
	}
	if subtle.ConstantTimeCompare([]byte(rec.Token), []byte(normalizeToken(token))) != 1 {
		return ErrInvalidEmailToken
	}
	if t.expired(rec, t.cfg.Now()) {
		return ErrExpiredEmailToken
	}
	return nil
}

func (t *EmailTokens) findTx(tx *kv.ServerTx, purpose TokenPurpose, token string) (atp.DID, error) {
	token = normalizeToken(token)
	if token == "" || strings.ContainsAny(token, "\x00\x01") {
		return atp.DID{}, ErrInvalidEmailToken
	}
	raw, err := tx.Get(kv.TableTokens, tokenReverseKey(purpose, token))
	if err != nil {
		if errors.Is(err, kv.ErrNotFound) {
			return atp.DID{}, ErrInvalidEmailToken
		}
		return atp.DID{}, err
	}
	did, err := atp.ParseDID(string(raw))
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: email token index: %v", kv.ErrCorrupt, err)
	}
	if err := t.checkTx(tx, purpose, did, token); err != nil {
		return atp.DID{}, err
	}
	return did, nil
}

// deleteTx removes did's token for purpose and its reverse entry.
func (t *EmailTokens) deleteTx(tx *kv.ServerTx, purpose TokenPurpose, did atp.DID) error {
	var rec emailTokenRecord
	if err := tx.GetJSON(kv.TableTokens, tokenKey(purpose, did), &rec); err != nil {
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		return err
	}
	if err := tx.Delete(kv.TableTokens, tokenReverseKey(purpose, rec.Token)); err != nil {
		return err
	}
	return tx.Delete(kv.TableTokens, tokenKey(purpose, did))
}
