package kv

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
)

// Table names a bucket of server.db. Every table maps a key to a value;
// the package owning each table's records encodes them (JSON through
// GetJSON/PutJSON, or raw bytes).
type Table string

// Tables of server.db. All of them can be rebuilt from the account files
// except sessions, which a rebuild drops (users sign in again).
const (
	// TableHandles maps a normalised handle to a DID.
	TableHandles Table = "handles"
	// TableEmails maps a lower-cased email address to a DID.
	TableEmails Table = "emails"
	// TableSessions holds refresh-token records by token id.
	TableSessions Table = "sessions"
	// TableInvites holds invite codes by code.
	TableInvites Table = "invites"
	// TableInviteUses holds invite uses by code + 0 + DID.
	TableInviteUses Table = "invite_uses"
	// TableTokens holds emailed one-time tokens by purpose + 0 + DID.
	TableTokens Table = "tokens"
	// TableCrawler holds crawler-notice state by relay host.
	TableCrawler Table = "crawler"
	// TableAccounts lists every hosted DID (DID -> empty), so the server
	// can enumerate accounts without scanning the data directory.
	TableAccounts Table = "accounts"
	// TableReserved holds reserved signing keys by DID or key.
	TableReserved Table = "reserved_keys"
)

var serverTables = []Table{TableHandles, TableEmails, TableSessions, TableInvites,
	TableInviteUses, TableTokens, TableCrawler, TableAccounts, TableReserved}

var serverSchema = schema{kind: kindServer, migrations: []migration{
	func(tx *bolt.Tx) error {
		for _, t := range serverTables {
			if _, err := tx.CreateBucketIfNotExists([]byte(t)); err != nil {
				return fmt.Errorf("cannot create bucket %s: %w", t, err)
			}
		}
		return nil
	},
}}

// Server is server.db: the node's indexes.
type Server struct {
	db   *bolt.DB
	path string
}

// OpenServer opens or creates server.db at path.
func OpenServer(path string, opts Options) (*Server, error) {
	db, err := openBolt(path, serverSchema, opts, serverMmapSize, serverAllocSize)
	if err != nil {
		return nil, err
	}
	return &Server{db: db, path: path}, nil
}

// Close closes the file.
func (s *Server) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("cannot close %s: %w", s.path, err)
	}
	return nil
}

// View runs fn in a read-only transaction.
func (s *Server) View(fn func(tx *ServerTx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&ServerTx{tx: tx}) })
}

// Update runs fn in a read-write transaction, committed when fn returns
// nil.
func (s *Server) Update(fn func(tx *ServerTx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&ServerTx{tx: tx}) })
}

// ServerTx is a transaction on server.db, valid only inside its closure.
type ServerTx struct {
	tx *bolt.Tx
}

func (t *ServerTx) bucket(table Table) (*bolt.Bucket, error) {
	b := t.tx.Bucket([]byte(table))
	if b == nil {
		return nil, fmt.Errorf("kv: unknown table %q", table)
	}
	return b, nil
}

// Get returns a copy of the value at key, or ErrNotFound.
func (t *ServerTx) Get(table Table, key string) ([]byte, error) {
	b, err := t.bucket(table)
	if err != nil {
		return nil, err
	}
	v := b.Get([]byte(key))
	if v == nil {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, table, key)
	}
	return clone(v), nil
}

// Put stores value at key.
func (t *ServerTx) Put(table Table, key string, value []byte) error {
	b, err := t.bucket(table)
	if err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	if err := b.Put([]byte(key), value); err != nil {
		return fmt.Errorf("cannot put %s %q: %w", table, key, err)
	}
	return nil
}

// Delete removes key; removing an absent key is not an error.
func (t *ServerTx) Delete(table Table, key string) error {
	b, err := t.bucket(table)
	if err != nil {
		return err
	}
	if err := b.Delete([]byte(key)); err != nil {
		return fmt.Errorf("cannot delete %s %q: %w", table, key, err)
	}
	return nil
}

// GetJSON decodes the JSON value at key into v, or returns ErrNotFound.
func (t *ServerTx) GetJSON(table Table, key string, v any) error {
	raw, err := t.Get(table, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrCorrupt, table, key, err)
	}
	return nil
}

// PutJSON stores v as JSON at key.
func (t *ServerTx) PutJSON(table Table, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cannot encode %s %q: %w", table, key, err)
	}
	return t.Put(table, key, raw)
}

// Scan calls fn for each key with the given prefix that sorts after the
// key after (from the start of the prefix when after is empty), in key
// order, until fn returns false. The value is only valid during the call.
func (t *ServerTx) Scan(table Table, prefix, after string, fn func(key string, value []byte) bool) error {
	b, err := t.bucket(table)
	if err != nil {
		return err
	}
	c := b.Cursor()
	var k, v []byte
	if after != "" {
		k, v = c.Seek([]byte(after))
		if string(k) == after {
			k, v = c.Next()
		}
	} else {
		k, v = c.Seek([]byte(prefix))
	}
	for ; k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		if !fn(string(k), v) {
			return nil
		}
	}
	return nil
}

// Count returns the number of keys in a table.
func (t *ServerTx) Count(table Table) (int, error) {
	b, err := t.bucket(table)
	if err != nil {
		return 0, err
	}
	return b.Stats().KeyN, nil
}

// Clear empties a table, for rebuilding it.
func (t *ServerTx) Clear(table Table) error {
	if err := t.tx.DeleteBucket([]byte(table)); err != nil {
		return fmt.Errorf("cannot clear %s: %w", table, err)
	}
	if _, err := t.tx.CreateBucket([]byte(table)); err != nil {
		return fmt.Errorf("cannot clear %s: %w", table, err)
	}
	return nil
}

// HandleDID returns the DID a handle belongs to, or ErrNotFound.
func (t *ServerTx) HandleDID(h atp.Handle) (atp.DID, error) {
	raw, err := t.Get(TableHandles, h.String())
	if err != nil {
		return atp.DID{}, err
	}
	did, err := atp.ParseDID(string(raw))
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: handle %s: %v", ErrCorrupt, h, err)
	}
	return did, nil
}

// EmailDID returns the DID an email address (already lower-cased) belongs
// to, or ErrNotFound.
func (t *ServerTx) EmailDID(email string) (atp.DID, error) {
	raw, err := t.Get(TableEmails, email)
	if err != nil {
		return atp.DID{}, err
	}
	did, err := atp.ParseDID(string(raw))
	if err != nil {
		return atp.DID{}, fmt.Errorf("%w: email %s: %v", ErrCorrupt, email, err)
	}
	return did, nil
}
