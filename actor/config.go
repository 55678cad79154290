package actor

import (
	"errors"
	"log/slog"
	"time"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// Sequencer takes the events of committed writes and makes them durable
// in the event log. Submit hands over events of one account in commit
// order; done runs once all of them are durable (err nil) or cannot be
// (err non-nil). Events of one account must be appended in the order
// Submit saw them.
type Sequencer interface {
	Submit(events []*Event, done func(error))
}

// Config configures a Registry. Zero fields take the defaults below.
type Config struct {
	// DataDir holds accounts/ab/<did>.db.
	DataDir string
	// MaxOpenFiles caps the account files open at once; default 1,000.
	MaxOpenFiles int
	// IdleTimeout is how long an actor or an open file may stay unused
	// before it is stopped or closed; default one minute.
	IdleTimeout time.Duration
	// MailboxSize bounds each actor's queue of requests; default 1,024.
	MailboxSize int
	// MaxBatch bounds the requests persisted in one transaction;
	// default 256.
	MaxBatch int
	// Storage tunes how account files are opened.
	Storage kv.Options
	// OpenKey unseals an account's stored signing key.
	OpenKey func(sealed []byte) (*crypto.PrivateKey, error)
	// Sequencer receives the events of every committed write.
	Sequencer Sequencer
	// Now reads the clock; default time.Now.
	Now func() time.Time
	// ClockID is stamped into the TIDs actors issue (10 bits).
	ClockID uint
	// Logger receives the registry's logs; default slog.Default().
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultMaxOpenFiles = 1000
	DefaultIdleTimeout  = time.Minute
	DefaultMailboxSize  = 1024
	DefaultMaxBatch     = 256
)

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxOpenFiles <= 0 {
		c.MaxOpenFiles = DefaultMaxOpenFiles
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MailboxSize <= 0 {
		c.MailboxSize = DefaultMailboxSize
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports what is missing from c.
func (c Config) Validate() error {
	switch {
	case c.DataDir == "":
		return errors.New("actor: config needs a data directory")
	case c.OpenKey == nil:
		return errors.New("actor: config needs a way to open signing keys")
	case c.Sequencer == nil:
		return errors.New("actor: config needs a sequencer")
	}
	return nil
}
