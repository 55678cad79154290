package actor

import "errors"

// Sentinel errors; test with errors.Is.
var (
	// ErrAccountNotFound reports an account with no file on this node.
	ErrAccountNotFound = errors.New("actor: account not found")
	// ErrAccountExists reports creating an account that already exists.
	ErrAccountExists = errors.New("actor: account already exists")
	// ErrInvalidSwap reports a swapCommit or swapRecord that does not
	// match the current state.
	ErrInvalidSwap = errors.New("actor: swap does not match the current state")
	// ErrRecordNotFound reports an update or delete of a missing record.
	ErrRecordNotFound = errors.New("actor: record not found")
	// ErrRecordExists reports a create of a record that exists.
	ErrRecordExists = errors.New("actor: record already exists")
	// ErrBlobNotFound reports a record that references a blob the account
	// has not uploaded.
	ErrBlobNotFound = errors.New("actor: blob not found")
	// ErrInvalidWrite reports a write the repository rules refuse.
	ErrInvalidWrite = errors.New("actor: invalid write")
	// ErrClosed reports use of a closed registry or actor.
	ErrClosed = errors.New("actor: closed")
	// ErrBusy reports a full mailbox when the caller asked not to wait.
	ErrBusy = errors.New("actor: mailbox full")
)
