package kv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
)

// Buckets of an account file.
var (
	blocksBucket      = []byte("blocks")        // CID bytes -> rev (13 bytes) + block bytes
	blockRevsBucket   = []byte("block_revs")    // rev + CID bytes -> empty
	recordsBucket     = []byte("records")       // "collection/rkey" -> record CID bytes
	recordCIDsBucket  = []byte("record_cids")   // record CID bytes + 0 + path -> empty
	collectionsBucket = []byte("collections")   // collection NSID -> record count (uint64)
	repoBucket        = []byte("repo")          // "head" -> encoded Head
	stateBucket       = []byte("state")         // "account" -> AccountState JSON, "prefs" -> preferences JSON
	appPassBucket     = []byte("app_passwords") // name -> AppPassword JSON
	blobsBucket       = []byte("blobs")         // blob CID bytes -> BlobMeta JSON
	blobRefsBucket    = []byte("blob_refs")     // blob CID bytes + 0 + record path -> empty
	recordBlobsBucket = []byte("record_blobs")  // record path + 0 + blob CID bytes -> empty
	outboxBucket      = []byte("outbox")        // local seq (uint64) -> event bytes
	takedownsBucket   = []byte("takedowns")     // record path -> takedown reference (schema 2)
)

var (
	metaDIDKey = []byte("did")
	headKey    = []byte("head")
)

var accountSchema = schema{kind: kindAccount, migrations: []migration{
	// 0 → 1: the first layout.
	createBuckets(blocksBucket, blockRevsBucket, recordsBucket, recordCIDsBucket, collectionsBucket, repoBucket, stateBucket,
		appPassBucket, blobsBucket, blobRefsBucket, recordBlobsBucket, outboxBucket),
	// 1 → 2: record takedowns.
	createBuckets(takedownsBucket),
}}

// AccountSchemaVersion is the schema version this build writes to account
// files.
func AccountSchemaVersion() uint64 { return accountSchema.version() }

// AccountPath returns where the account file of did lives under dataDir:
// accounts/ab/<did>.db, where ab is the first two hex digits of
// SHA-256(did), which spreads files over 256 directories.
func AccountPath(dataDir string, did atp.DID) string {
	sum := sha256.Sum256([]byte(did.String()))
	return filepath.Join(dataDir, "accounts", hex.EncodeToString(sum[:1]), did.String()+".db")
}

// Account is an open account file. It is safe for concurrent use: any
// number of View transactions run beside at most one Update at a time.
type Account struct {
	db   *bolt.DB
	did  atp.DID
	path string
	// state is the last account state decoded, kept with its stored
	// bytes: every read of a repository checks the account's status.
	state atomic.Pointer[decodedState]
}

// ReleaseMapped drops the file's mapped pages from the process's resident
// set (they stay in the page cache); see releaseMapped. On a closed file
// it fails with ErrClosed.
func (a *Account) ReleaseMapped() error {
	err := releaseMapped(a.db)
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %s", ErrClosed, a.path)
	}
	return err
}

// CreateAccount creates the account file for did at path, failing with
// ErrExists when one is already there.
func CreateAccount(path string, did atp.DID, opts Options) (*Account, error) {
	if did.IsZero() {
		return nil, errors.New("kv: cannot create an account file without a DID")
	}
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%w: account file %s", ErrExists, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot check %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create account directory: %w", err)
	}
	db, err := openBolt(path, accountSchema, opts, accountMmapSize, accountAllocSize)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(metaBucket).Put(metaDIDKey, []byte(did.String()))
	})
	if err != nil {
		db.Close()
		os.Remove(path)
		return nil, fmt.Errorf("cannot record DID in %s: %w", path, err)
	}
	return &Account{db: db, did: did, path: path}, nil
}

// OpenAccount opens an existing account file, migrating it to the current
// schema. It fails with ErrNotFound when there is no file at path.
func OpenAccount(path string, opts Options) (*Account, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: account file %s", ErrNotFound, path)
	}
	db, err := openBolt(path, accountSchema, opts, accountMmapSize, accountAllocSize)
	if err != nil {
		return nil, err
	}
	var did atp.DID
	err = db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(metaBucket).Get(metaDIDKey)
		var err error
		did, err = atp.ParseDID(string(raw))
		if err != nil {
			return fmt.Errorf("%w: account DID: %v", ErrCorrupt, err)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return &Account{db: db, did: did, path: path}, nil
}

// DID returns the DID of the account this file holds.
func (a *Account) DID() atp.DID { return a.did }

// Path returns the file's path.
func (a *Account) Path() string { return a.path }

// View runs fn in a read-only transaction.
func (a *Account) View(fn func(tx *AccountTx) error) error {
	return a.db.View(func(tx *bolt.Tx) error {
		return fn(&AccountTx{tx: tx, acct: a})
	})
}

// Update runs fn in a read-write transaction, committed (and synced)
// when fn returns nil and rolled back otherwise.
func (a *Account) Update(fn func(tx *AccountTx) error) error {
	return a.db.Update(func(tx *bolt.Tx) error {
		return fn(&AccountTx{tx: tx, acct: a})
	})
}

// Size returns the size of the file in bytes.
func (a *Account) Size() (int64, error) {
	var size int64
	err := a.db.View(func(tx *bolt.Tx) error {
		size = tx.Size()
		return nil
	})
	return size, err
}

// Backup writes a consistent copy of the whole file to w while writers
// go on (a hot backup), and returns the number of bytes written.
func (a *Account) Backup(w io.Writer) (int64, error) {
	var n int64
	err := a.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("cannot back up %s: %w", a.path, err)
	}
	return n, nil
}

// Close closes the file. Transactions in progress finish first.
func (a *Account) Close() error {
	if err := a.db.Close(); err != nil {
		return fmt.Errorf("cannot close %s: %w", a.path, err)
	}
	return nil
}

// AccountDIDs lists the DIDs of every account file under dataDir, by file
// name.
func AccountDIDs(dataDir string) ([]atp.DID, error) {
	root := filepath.Join(dataDir, "accounts")
	shards, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list accounts: %w", err)
	}
	var out []atp.DID
	for _, shard := range shards {
		if !shard.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, shard.Name()))
		if err != nil {
			return nil, fmt.Errorf("cannot list accounts: %w", err)
		}
		for _, f := range files {
			name, ok := strings.CutSuffix(f.Name(), ".db")
			if !ok || f.IsDir() {
				continue
			}
			did, err := atp.ParseDID(name)
			if err != nil {
				continue
			}
			out = append(out, did)
		}
	}
	return out, nil
}
