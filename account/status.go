package account

import (
	"net/http"

	"github.com/boltsky/boltsky/kv"
)

// Login and account-status errors, as the reference names them.
var (
	// ErrInvalidLogin reports an unknown identifier or a wrong password;
	// the two must look the same to a client.
	ErrInvalidLogin = authRequired("AuthenticationRequired", "Invalid identifier or password")
	// ErrLoginPasswordTooLong reports a presented password longer than any
	// the server ever accepted.
	ErrLoginPasswordTooLong = authRequired("AuthenticationRequired", "Password too long. Consider resetting your password.")
	// ErrAccountTakedown reports a taken-down or suspended account where
	// the endpoint checks for it.
	ErrAccountTakedown = authRequired("AccountTakedown", "Account has been taken down")
	// ErrAccountDeactivated reports a deactivated account where the
	// endpoint checks for it.
	ErrAccountDeactivated = authRequired("AccountDeactivated", "Account is deactivated")
	// ErrAccountNotFound reports valid credentials of an account this
	// server no longer hosts.
	ErrAccountNotFound = &Error{Name: "AccountNotFound", Message: "Account not found", Status: http.StatusForbidden}
)

// SoftDeleted reports whether the account is taken down or suspended: it
// may still sign in (with its account password only) to migrate away,
// and its sessions get ScopeTakendown.
func SoftDeleted(s kv.AccountState) bool {
	return s.TakedownRef != "" || s.Status == kv.StatusTakendown || s.Status == kv.StatusSuspended
}

// StatusCheck says which account states an endpoint refuses.
type StatusCheck struct {
	// Takedown refuses taken-down and suspended accounts.
	Takedown bool
	// Deactivated refuses deactivated accounts.
	Deactivated bool
}

// CheckStatus returns ErrAccountTakedown or ErrAccountDeactivated when the
// account is in a state c refuses, in the reference's order.
func CheckStatus(s kv.AccountState, c StatusCheck) error {
	if c.Takedown && SoftDeleted(s) {
		return ErrAccountTakedown
	}
	if c.Deactivated && s.Status == kv.StatusDeactivated {
		return ErrAccountDeactivated
	}
	return nil
}

// CheckLogin checks password against the account password and then, for
// an account in good standing, its app passwords, as the reference's
// login does. It returns the options of the session to create. Failures
// are ErrLoginPasswordTooLong and ErrInvalidLogin (and internal errors for
// corrupt stored hashes). A soft-deleted account signs in with its account
// password only, and the options say Takendown: the caller refuses it
// with ErrAccountTakedown unless the client asked to allow that.
//
// CheckLogin costs one or two key derivations; the caller should make
// failed lookups (unknown identifiers) take as long, for instance by
// padding every login to a fixed minimum time as the reference does
// (350 ms).
func CheckLogin(s kv.AccountState, appPasswords []kv.AppPassword, password string) (SessionOptions, error) {
	if utf16Len(password) > maxVerifyLength {
		return SessionOptions{}, ErrLoginPasswordTooLong
	}
	soft := SoftDeleted(s)
	if s.PasswordHash != "" {
		ok, err := VerifyPassword(password, s.PasswordHash)
		if err != nil {
			return SessionOptions{}, err
		}
		if ok {
			return SessionOptions{Takendown: soft}, nil
		}
	}
	if soft {
		return SessionOptions{}, ErrInvalidLogin
	}
	ap, ok, err := CheckAppPassword(password, appPasswords)
	if err != nil {
		return SessionOptions{}, err
	}
	if !ok {
		return SessionOptions{}, ErrInvalidLogin
	}
	return SessionOptions{AppPassword: &ap}, nil
}
