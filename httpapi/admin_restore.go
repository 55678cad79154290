package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// Errors of RestoreAccount; callers test with errors.Is.
var (
	// ErrInvalidBackup reports an account file that is refused: damaged
	// or truncated, not an account file, not matching its digest, or
	// holding an account this node cannot verify or sign for.
	ErrInvalidBackup = errors.New("httpapi: backup refused")
	// ErrBackupTooLarge reports an account file over the restore limit.
	ErrBackupTooLarge = errors.New("httpapi: backup too large")
	// ErrAccountHosted reports a restore over an account this node
	// hosts, without RestoreOptions.Replace.
	ErrAccountHosted = errors.New("httpapi: account already hosted")
	// ErrRestoreConflict reports a backup whose handle or email another
	// account of this node holds.
	ErrRestoreConflict = errors.New("httpapi: restore conflict")
)

// RestoreOptions tune RestoreAccount. The zero value refuses to replace a
// hosted account and checks no digest.
type RestoreOptions struct {
	// Replace allows replacing the account file of an account this node
	// hosts; its newer data is lost.
	Replace bool
	// SHA256, when set, is the digest the file must have. It is checked
	// before the storage engine opens the file, which it cannot do safely
	// for every damaged file.
	SHA256 []byte
}

// RestoreResult describes an installed account file.
type RestoreResult struct {
	DID    atp.DID    `json:"did"`
	Handle atp.Handle `json:"handle,omitzero"`
	// Status is "active" or the account's hosting status.
	Status string `json:"status"`
	// Commit and Rev are the repository head, empty for an account
	// without a first commit.
	Commit string  `json:"commit,omitempty"`
	Rev    atp.TID `json:"rev,omitzero"`
	// Records is the number of records in the repository.
	Records int `json:"records"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// Replaced is set when an account file was there before.
	Replaced bool `json:"replaced"`
	// Events names the firehose events emitted, in order.
	Events []string `json:"events"`
}

// replacedSuffix names an account file set aside while a restore
// replaces it; SweepAdminTemps puts back one a crash left.
const replacedSuffix = ".replaced"

// restoreLimit bounds a restored account file: four times the CAR limit,
// since a file holds indexes and older blocks beside the repository.
func (s *Server) restoreLimit() int64 { return 4 * s.cfg.MaxCARSize }

// RestoreAccount installs the account file read from r, as `boltsky
// restore` does through POST /admin/restore. The file is written to a
// temporary file beside the data and checked before anything changes:
// its digest when opts give one; that it is a complete account file
// (kv.InspectAccountFile); that it holds the account's state and a
// signing key this node's seal key opens (a file from a node with another
// seal key is refused); and that its repository is complete and signed by
// that key. Then the account is taken out of service, the file renamed
// into place, the handle, email and account indexes of server.db rebuilt
// for it in one transaction (refusing a handle or email another account
// holds, and putting any replaced file back), and #identity, #account and
// #sync (when active) emitted so relays resync. When a replaced account's
// events already went past the backup's revision, the repository is
// signed again under a new revision instead of #sync of the old one.
// Nothing is installed when any check fails.
func (s *Server) RestoreAccount(ctx context.Context, r io.Reader, opts RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	tmp, err := s.accountTemp(".restore-")
	if err != nil {
		return res, err
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // a no-op once renamed into place
	sum := sha256.New()
	limit := s.restoreLimit()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(r, limit+1))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return res, fmt.Errorf("cannot receive the account file: %w", err)
	case n > limit:
		return res, fmt.Errorf("%w: more than %d bytes", ErrBackupTooLarge, limit)
	case n == 0:
		return res, fmt.Errorf("%w: the file is empty", ErrInvalidBackup)
	}
	res.Size = n
	if len(opts.SHA256) > 0 {
		if got := sum.Sum(nil); !bytes.Equal(got, opts.SHA256) {
			return res, fmt.Errorf("%w: the file's SHA-256 is %x, not the %x expected: it is damaged or truncated",
				ErrInvalidBackup, got, opts.SHA256)
		}
	}
	info, err := kv.InspectAccountFile(tmpPath)
	if err != nil {
		return res, fmt.Errorf("%w: not a complete account file (damaged or truncated?): %v", ErrInvalidBackup, err)
	}
	did := info.DID
	res.DID = did
	if ok, err := s.hostedAccount(did); err != nil {
		return res, err
	} else if ok && !opts.Replace {
		return res, fmt.Errorf("%w: %s is hosted here; replacing it loses its newer data, which needs the replace option",
			ErrAccountHosted, did)
	}
	st, err := s.verifyAccountFile(tmpPath, info)
	if err != nil {
		return res, err
	}
	res.Handle, res.Status = st.Handle, statusName(st.Status)
	if info.HasHead {
		res.Commit, res.Rev = info.Head.Commit.String(), info.Head.Rev
		res.Records = st.records
	}
	if err := s.checkRestoreClaims(did, st.AccountState); err != nil {
		return res, err
	}
	err = s.exclusive(ctx, did, func(path string) error {
		replaced, err := s.installAccountFile(tmpPath, path, st.AccountState, opts.Replace)
		res.Replaced = replaced
		return err
	})
	if err != nil {
		return res, err
	}
	if res.Replaced && s.d.Sessions != nil {
		if err := s.d.Sessions.RevokeAll(did); err != nil {
			s.log.Warn("cannot end the sessions of a restored account", "did", did.String(), "err", err)
		}
	}
	wants := []actor.StateEvent{actor.EmitIdentity, actor.EmitAccount}
	res.Events = []string{"#identity", "#account"}
	if info.HasHead && st.Status.Active() {
		if s.announcedPast(did, info.Head.Rev) {
			wants = append(wants, actor.EmitResign)
		} else {
			wants = append(wants, actor.EmitSync)
		}
		res.Events = append(res.Events, "#sync")
	}
	err = s.d.Registry.UpdateState(ctx, did, func(*kv.AccountState, *kv.AccountTx) ([]actor.StateEvent, error) {
		return wants, nil
	})
	if err != nil {
		return res, fmt.Errorf("%s is installed, but its events could not be emitted: %w", did, err)
	}
	if head, err := s.d.Registry.Head(ctx, did); err == nil {
		res.Commit, res.Rev = head.Commit.String(), head.Rev
	}
	return res, nil
}

// announcedPast reports whether the event log already carries a commit
// of did newer than rev, so that #sync of rev would go backwards.
func (s *Server) announcedPast(did atp.DID, rev atp.TID) bool {
	if s.d.EventLog == nil {
		return false
	}
	st, ok, err := s.d.EventLog.DIDState(did)
	return err == nil && ok && !st.Rev.IsZero() && st.Rev.Compare(rev) > 0
}

// restoredState is a checked account file's state and record count.
type restoredState struct {
	kv.AccountState
	records int
}

// verifyAccountFile opens the account file at path (not in service) and
// checks its state, key and repository; it then empties its outbox, whose
// events belong to the node the file came from, and moves the outbox's
// numbering past what this node's event log has seen of the account.
func (s *Server) verifyAccountFile(path string, info kv.BackupInfo) (restoredState, error) {
	var out restoredState
	acct, err := kv.OpenAccount(path, s.d.Registry.Config().Storage)
	if err != nil {
		return out, fmt.Errorf("%w: cannot open the account file: %v", ErrInvalidBackup, err)
	}
	defer acct.Close()
	err = acct.View(func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if err != nil {
			return fmt.Errorf("%w: the file holds no account state: %v", ErrInvalidBackup, err)
		}
		if st.DID != info.DID {
			return fmt.Errorf("%w: the account state is for %s but the file is for %s", ErrInvalidBackup, st.DID, info.DID)
		}
		out.AccountState = st
		if len(st.SigningKey) == 0 {
			return fmt.Errorf("%w: the file holds no signing key", ErrInvalidBackup)
		}
		if s.d.Sealer == nil {
			return errors.New("httpapi: no key sealer to open signing keys with")
		}
		key, err := s.d.Sealer.Open(st.SigningKey)
		if err != nil {
			return fmt.Errorf("%w: its signing key does not open with this node's seal key; restore it on a node "+
				"that uses the source node's seal_key (its secrets.json): %v", ErrInvalidBackup, err)
		}
		if !info.HasHead {
			return nil
		}
		out.records, err = verifyRepo(tx, info, key.Public(), s.restoreLimit())
		return err
	})
	if err != nil {
		return out, err
	}
	var logged uint64
	if s.d.EventLog != nil {
		if st, ok, err := s.d.EventLog.DIDState(info.DID); err != nil {
			return out, err
		} else if ok {
			logged = st.OutboxSeq
		}
	}
	err = acct.Update(func(tx *kv.AccountTx) error {
		// After an unclean stop, the recovery sweep sequences the outbox
		// entries numbered past what the log has seen of the account: the
		// restored file's own entries must not be among them, and the
		// entries this node writes next must be.
		for tx.OutboxSeq() < logged {
			if _, err := tx.AppendOutbox([]byte{}); err != nil {
				return err
			}
		}
		return tx.PruneOutbox(tx.OutboxSeq())
	})
	if err != nil {
		return out, fmt.Errorf("cannot reset the outbox of the restored file: %w", err)
	}
	return out, nil
}

// errCheckStopped ends a repository export whose reader stopped.
var errCheckStopped = errors.New("httpapi: repository check stopped")

// verifyRepo exports the repository of tx as a CAR and loads it back
// with the full check (every block present and canonical, the commit
// signed by key for the file's DID), then checks that the head and the
// record index agree with it. It returns the number of records.
func verifyRepo(tx *kv.AccountTx, info kv.BackupInfo, key *crypto.PublicKey, limit int64) (int, error) {
	// The export is written in this goroutine, which owns tx, and read
	// back by the loader in another; a loader that stops early stops the
	// writer through the pipe.
	pr, pw := io.Pipe()
	var loaded *repo.Loaded
	var lerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		loaded, lerr = repo.LoadCAR(pr, repo.LoadOptions{DID: info.DID, Key: key, CAR: car.Options{MaxTotalSize: limit}})
		pr.CloseWithError(errCheckStopped)
	}()
	werr := repo.WriteCAR(pw, txSource{tx}, info.Head.Commit)
	pw.CloseWithError(werr)
	<-done
	switch {
	case werr != nil && !errors.Is(werr, errCheckStopped) && !strings.Contains(werr.Error(), errCheckStopped.Error()):
		return 0, fmt.Errorf("%w: the repository is incomplete: %v", ErrInvalidBackup, werr)
	case lerr != nil:
		return 0, fmt.Errorf("%w: the repository does not verify: %v", ErrInvalidBackup, trimPrefix(lerr))
	case werr != nil:
		return 0, werr
	}
	c := loaded.Commit
	if !loaded.CID.Equals(info.Head.Commit) || c.Rev != info.Head.Rev || !c.Data.Equals(info.Head.Data) {
		return 0, fmt.Errorf("%w: the stored head does not match its commit", ErrInvalidBackup)
	}
	i := 0
	err := tx.ForEachRecord(func(path string, id cid.Cid) error {
		if i >= len(loaded.Records) || loaded.Records[i].Path != path || !loaded.Records[i].CID.Equals(id) {
			return fmt.Errorf("%w: the record index does not match the repository at %s", ErrInvalidBackup, path)
		}
		i++
		return nil
	})
	if err != nil {
		return 0, err
	}
	if i != len(loaded.Records) {
		return 0, fmt.Errorf("%w: the record index lacks %d of the repository's records", ErrInvalidBackup, len(loaded.Records)-i)
	}
	return len(loaded.Records), nil
}

// checkRestoreClaims refuses a backup whose handle or email another
// account holds here.
func (s *Server) checkRestoreClaims(did atp.DID, st kv.AccountState) error {
	return s.d.ServerDB.View(func(tx *kv.ServerTx) error {
		if !st.Handle.IsZero() {
			if owner, err := tx.HandleDID(st.Handle); err == nil && owner != did {
				return fmt.Errorf("%w: handle %s belongs to %s here", ErrRestoreConflict, st.Handle, owner)
			} else if err != nil && !errors.Is(err, kv.ErrNotFound) {
				return err
			}
		}
		if st.Email != "" {
			if owner, err := tx.EmailDID(strings.ToLower(st.Email)); err == nil && owner != did {
				return fmt.Errorf("%w: email %s belongs to %s here", ErrRestoreConflict, st.Email, owner)
			} else if err != nil && !errors.Is(err, kv.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// installAccountFile moves the checked file at tmp to path (the account
// is out of service) and rebuilds the account's server.db entries. A file
// already at path is set aside and put back if the index update fails.
func (s *Server) installAccountFile(tmp, path string, st kv.AccountState, replace bool) (replaced bool, err error) {
	var old kv.AccountState
	aside := ""
	if _, err := os.Stat(path); err == nil {
		if !replace {
			return false, fmt.Errorf("%w: %s", ErrAccountHosted, st.DID)
		}
		if prev, err := kv.OpenAccount(path, kv.Options{ReadOnly: true}); err == nil {
			prev.View(func(tx *kv.AccountTx) error {
				old, _ = tx.AccountState()
				return nil
			})
			prev.Close()
		}
		aside = path + replacedSuffix
		if err := os.Rename(path, aside); err != nil {
			return false, fmt.Errorf("cannot set the current account file aside: %w", err)
		}
	}
	putBack := func() {
		if aside != "" {
			if err := os.Rename(aside, path); err != nil {
				s.log.Error("cannot put a replaced account file back", "path", path, "aside", aside, "err", err)
			}
		} else {
			os.Remove(path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		putBack()
		return false, fmt.Errorf("cannot create %s: %w", filepath.Dir(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		putBack()
		return false, fmt.Errorf("cannot install the account file: %w", err)
	}
	if err := s.indexRestored(st, old); err != nil {
		putBack()
		return false, err
	}
	if aside != "" {
		os.Remove(aside)
	}
	return aside != "", syncDir(filepath.Dir(path))
}

// indexRestored points the handle, email and account tables of server.db
// at a restored account in one transaction, dropping what a replaced
// file of the same account held.
func (s *Server) indexRestored(st, old kv.AccountState) error {
	email := strings.ToLower(st.Email)
	err := s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		var oldHandle atp.Handle
		oldEmail := strings.ToLower(old.Email)
		if old.Handle != st.Handle {
			oldHandle = old.Handle
		}
		if oldEmail == email {
			oldEmail = ""
		}
		if err := s.d.Index.ReleaseTx(tx, st.DID, oldHandle, oldEmail); err != nil {
			return err
		}
		if err := s.d.Index.ClaimTx(tx, st.DID, st.Handle, email); err != nil {
			return fmt.Errorf("%w: %v", ErrRestoreConflict, err)
		}
		return tx.Put(kv.TableAccounts, st.DID.String(), nil)
	})
	if err != nil {
		return fmt.Errorf("cannot index the restored account: %w", err)
	}
	return nil
}

// SweepAdminTemps cleans up after operator requests a crash cut short,
// in the data directory of a node that is not running yet: it removes
// the temporary files of backups, restores and compactions, and puts
// back an account file a restore had set aside but not replaced (one
// that was replaced is removed). It returns the account files put back.
func SweepAdminTemps(dataDir string) (putBack []string, err error) {
	accounts := filepath.Join(dataDir, "accounts")
	var errs []error
	for _, pattern := range []string{".backup-*.tmp", ".restore-*.tmp", filepath.Join("*", "*.db.compact.tmp")} {
		matches, _ := filepath.Glob(filepath.Join(accounts, pattern))
		for _, m := range matches {
			errs = append(errs, os.Remove(m))
		}
	}
	aside, _ := filepath.Glob(filepath.Join(accounts, "*", "*.db"+replacedSuffix))
	for _, a := range aside {
		path := strings.TrimSuffix(a, replacedSuffix)
		if _, err := os.Stat(path); err == nil {
			errs = append(errs, os.Remove(a))
			continue
		}
		if err := os.Rename(a, path); err != nil {
			errs = append(errs, err)
			continue
		}
		putBack = append(putBack, path)
	}
	return putBack, errors.Join(errs...)
}
