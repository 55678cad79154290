package account

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// AdminAccount is the forAccount and createdBy of codes the admin creates
// for nobody in particular.
const AdminAccount = "admin"

// MaxOpenAccountCodes is how many unused self-service codes an account may
// hold at once.
const MaxOpenAccountCodes = 5

// InviteConfig configures Invites. Now nil means time.Now; Rand nil
// crypto/rand.
type InviteConfig struct {
	// Hostname is this server's host name; codes start with it, dots
	// replaced by dashes, so a code never reads as a link.
	Hostname string
	// Required makes sign-up need a code.
	Required bool
	// Interval is how often an account earns a self-service code; zero
	// means accounts earn none.
	Interval time.Duration
	// Epoch is when earning starts: only time after it counts.
	Epoch time.Time
	Now   func() time.Time
	Rand  io.Reader
}

// Validate reports what is missing from c.
func (c InviteConfig) Validate() error {
	if c.Hostname == "" {
		return errors.New("account: invite config needs the server's host name")
	}
	if c.Interval < 0 {
		return errors.New("account: invite interval is negative")
	}
	return nil
}

// Invites manages invite codes in server.db.
//
// kv.TableInvites holds each code's record under the code, an index entry
// "\x00a\x00<forAccount>\x00<code>" per code, and "\x00d\x00<did>" for an
// account whose invites are disabled. kv.TableInviteUses holds a use under
// "<code>\x00<did>". Codes never start with a control character, so the
// index keys cannot collide with them.
type Invites struct {
	db  *kv.Server
	cfg InviteConfig
}

// NewInvites returns Invites over server.db.
func NewInvites(db *kv.Server, cfg InviteConfig) (*Invites, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Rand = randomReader(cfg.Rand)
	return &Invites{db: db, cfg: cfg}, nil
}

// InviteCode is an invite code with its uses, in the shape of
// com.atproto.server.defs#inviteCode. Available is the total number of
// uses the code allows.
type InviteCode struct {
	Code       string      `json:"code"`
	Available  int         `json:"available"`
	Disabled   bool        `json:"disabled"`
	ForAccount string      `json:"forAccount"`
	CreatedBy  string      `json:"createdBy"`
	CreatedAt  time.Time   `json:"createdAt"`
	Uses       []InviteUse `json:"uses"`
}

// InviteUse is one account that signed up with a code
// (com.atproto.server.defs#inviteCodeUse).
type InviteUse struct {
	UsedBy atp.DID   `json:"usedBy"`
	UsedAt time.Time `json:"usedAt"`
}

// AccountCodes are the codes created for one account
// (com.atproto.server.createInviteCodes#accountCodes).
type AccountCodes struct {
	Account string   `json:"account"`
	Codes   []string `json:"codes"`
}

// inviteRecord is a code's record in kv.TableInvites.
type inviteRecord struct {
	Available  int       `json:"available"`
	Used       int       `json:"used"`
	Disabled   bool      `json:"disabled,omitempty"`
	ForAccount string    `json:"forAccount"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
}

type inviteUseRecord struct {
	UsedAt time.Time `json:"usedAt"`
}

func inviteAccountKey(account, code string) string { return "\x00a\x00" + account + "\x00" + code }
func inviteAccountPrefix(account string) string    { return "\x00a\x00" + account + "\x00" }
func inviteDisabledKey(did atp.DID) string         { return "\x00d\x00" + did.String() }
func inviteUsePrefix(code string) string           { return code + "\x00" }

// Required reports whether sign-up needs a code.
func (iv *Invites) Required() bool { return iv.cfg.Required }

// NewCode returns a fresh code "<hostname-with-dashes>-xxxxx-xxxxx".
func (iv *Invites) NewCode() (string, error) {
	suffix, err := randomGroups(iv.cfg.Rand, 2, 5)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(iv.cfg.Hostname, ".", "-") + "-" + suffix, nil
}

// validCode reports whether code could be a stored code: non-empty, with
// no control characters (so no index key is ever read as a code).
func validCode(code string) bool {
	if code == "" || len(code) > 256 {
		return false
	}
	for i := range len(code) {
		if code[i] < ' ' || code[i] == 0x7f {
			return false
		}
	}
	return true
}

// CreateCodes creates codeCount codes for each of forAccounts (the admin's
// createInviteCodes; createInviteCode is one account and one code), each
// usable useCount times. No accounts means AdminAccount.
func (iv *Invites) CreateCodes(forAccounts []string, codeCount, useCount int) ([]AccountCodes, error) {
	if codeCount < 1 || useCount < 1 {
		return nil, invalidRequest("InvalidRequest", "codeCount and useCount must be at least 1")
	}
	if len(forAccounts) == 0 {
		forAccounts = []string{AdminAccount}
	}
	out := make([]AccountCodes, 0, len(forAccounts))
	for _, account := range forAccounts {
		if !validCode(account) {
			return nil, invalidRequest("InvalidRequest", "invalid forAccount")
		}
		ac := AccountCodes{Account: account}
		for range codeCount {
			code, err := iv.NewCode()
			if err != nil {
				return nil, err
			}
			ac.Codes = append(ac.Codes, code)
		}
		out = append(out, ac)
	}
	now := iv.cfg.Now().UTC()
	err := iv.db.Update(func(tx *kv.ServerTx) error {
		for _, ac := range out {
			for _, code := range ac.Codes {
				rec := inviteRecord{Available: useCount, ForAccount: ac.Account, CreatedBy: AdminAccount, CreatedAt: now}
				if err := iv.putTx(tx, code, rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot create invite codes: %w", err)
	}
	return out, nil
}

func (iv *Invites) putTx(tx *kv.ServerTx, code string, rec inviteRecord) error {
	if err := tx.PutJSON(kv.TableInvites, code, rec); err != nil {
		return err
	}
	return tx.Put(kv.TableInvites, inviteAccountKey(rec.ForAccount, code), nil)
}

// getTx reads a code's record; an unknown or malformed code is
// ErrInvalidInviteCode.
func (iv *Invites) getTx(tx *kv.ServerTx, code string) (inviteRecord, error) {
	var rec inviteRecord
	if !validCode(code) {
		return rec, ErrInvalidInviteCode
	}
	if err := tx.GetJSON(kv.TableInvites, code, &rec); err != nil {
		if errors.Is(err, kv.ErrNotFound) {
			return rec, ErrInvalidInviteCode
		}
		return rec, err
	}
	return rec, nil
}

// EnsureAvailable reports ErrInvalidInviteCode unless code exists, is
// enabled and has uses left; sign-up checks it early, before creating
// anything, and UseTx checks again when it commits.
func (iv *Invites) EnsureAvailable(code string) error {
	return iv.db.View(func(tx *kv.ServerTx) error {
		rec, err := iv.getTx(tx, code)
		if err != nil {
			return err
		}
		if rec.Disabled || rec.Used >= rec.Available {
			return ErrInvalidInviteCode
		}
		return nil
	})
}

// UseTx records that did signed up with code, inside the caller's
// transaction, so that checking the remaining uses and taking one are
// atomic. An empty code is ErrInviteCodeRequired where invites are
// required, and nothing to record where they are not; a code given is
// used even where none is required, as the reference uses it, and an
// unknown, disabled or used-up one is ErrInvalidInviteCode.
func (iv *Invites) UseTx(tx *kv.ServerTx, code string, did atp.DID) error {
	if code == "" {
		if iv.cfg.Required {
			return ErrInviteCodeRequired
		}
		return nil
	}
	rec, err := iv.getTx(tx, code)
	if err != nil {
		return err
	}
	useKey := inviteUsePrefix(code) + did.String()
	if _, err := tx.Get(kv.TableInviteUses, useKey); err == nil {
		return nil // the same account signing up again (a retry)
	} else if !errors.Is(err, kv.ErrNotFound) {
		return err
	}
	if rec.Disabled || rec.Used >= rec.Available {
		return ErrInvalidInviteCode
	}
	rec.Used++
	if err := tx.PutJSON(kv.TableInvites, code, rec); err != nil {
		return err
	}
	return tx.PutJSON(kv.TableInviteUses, useKey, inviteUseRecord{UsedAt: iv.cfg.Now().UTC()})
}

// Use is UseTx in a transaction of its own.
func (iv *Invites) Use(code string, did atp.DID) error {
	return iv.db.Update(func(tx *kv.ServerTx) error { return iv.UseTx(tx, code, did) })
}

// Get returns a code with its uses, or ErrInvalidInviteCode.
func (iv *Invites) Get(code string) (InviteCode, error) {
	var out InviteCode
	err := iv.db.View(func(tx *kv.ServerTx) error {
		rec, err := iv.getTx(tx, code)
		if err != nil {
			return err
		}
		out, err = iv.detailTx(tx, code, rec)
		return err
	})
	return out, err
}

func (iv *Invites) detailTx(tx *kv.ServerTx, code string, rec inviteRecord) (InviteCode, error) {
	ic := InviteCode{
		Code:       code,
		Available:  rec.Available,
		Disabled:   rec.Disabled,
		ForAccount: rec.ForAccount,
		CreatedBy:  rec.CreatedBy,
		CreatedAt:  rec.CreatedAt,
		Uses:       []InviteUse{},
	}
	prefix := inviteUsePrefix(code)
	var scanErr error
	err := tx.Scan(kv.TableInviteUses, prefix, "", func(key string, value []byte) bool {
		did, err := atp.ParseDID(strings.TrimPrefix(key, prefix))
		if err != nil {
			scanErr = fmt.Errorf("%w: invite use %q: %v", kv.ErrCorrupt, key, err)
			return false
		}
		var u inviteUseRecord
		if err := json.Unmarshal(value, &u); err != nil {
			scanErr = fmt.Errorf("%w: invite use %q: %v", kv.ErrCorrupt, key, err)
			return false
		}
		ic.Uses = append(ic.Uses, InviteUse{UsedBy: did, UsedAt: u.UsedAt})
		return true
	})
	if err == nil {
		err = scanErr
	}
	// Most recent first, as the reference lists them.
	slices.SortStableFunc(ic.Uses, func(a, b InviteUse) int { return b.UsedAt.Compare(a.UsedAt) })
	return ic, err
}

// Disable disables the given codes and every code for the given accounts
// (com.atproto.admin.disableInviteCodes). Unknown codes are skipped.
func (iv *Invites) Disable(codes, accounts []string) error {
	return iv.db.Update(func(tx *kv.ServerTx) error {
		for _, account := range accounts {
			found, err := iv.accountCodeNamesTx(tx, account)
			if err != nil {
				return err
			}
			codes = append(codes, found...)
		}
		for _, code := range codes {
			rec, err := iv.getTx(tx, code)
			if errors.Is(err, ErrInvalidInviteCode) {
				continue
			} else if err != nil {
				return err
			}
			if rec.Disabled {
				continue
			}
			rec.Disabled = true
			if err := tx.PutJSON(kv.TableInvites, code, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetAccountDisabled sets whether did may earn usable invite codes
// (com.atproto.admin.disable/enableAccountInvites). Codes it earns while
// disabled are created disabled, as the reference does for bookkeeping.
func (iv *Invites) SetAccountDisabled(did atp.DID, disabled bool) error {
	return iv.db.Update(func(tx *kv.ServerTx) error {
		if disabled {
			return tx.Put(kv.TableInvites, inviteDisabledKey(did), []byte{1})
		}
		return tx.Delete(kv.TableInvites, inviteDisabledKey(did))
	})
}

// AccountDisabled reports whether did's invites are disabled.
func (iv *Invites) AccountDisabled(did atp.DID) (bool, error) {
	var disabled bool
	err := iv.db.View(func(tx *kv.ServerTx) error {
		var err error
		disabled, err = accountDisabledTx(tx, did)
		return err
	})
	return disabled, err
}

func accountDisabledTx(tx *kv.ServerTx, did atp.DID) (bool, error) {
	_, err := tx.Get(kv.TableInvites, inviteDisabledKey(did))
	if errors.Is(err, kv.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (iv *Invites) accountCodeNamesTx(tx *kv.ServerTx, account string) ([]string, error) {
	prefix := inviteAccountPrefix(account)
	var codes []string
	err := tx.Scan(kv.TableInvites, prefix, "", func(key string, _ []byte) bool {
		codes = append(codes, strings.TrimPrefix(key, prefix))
		return true
	})
	return codes, err
}

// accountCodesTx returns every code for account, oldest first.
func (iv *Invites) accountCodesTx(tx *kv.ServerTx, account string) ([]InviteCode, error) {
	names, err := iv.accountCodeNamesTx(tx, account)
	if err != nil {
		return nil, err
	}
	out := make([]InviteCode, 0, len(names))
	for _, code := range names {
		rec, err := iv.getTx(tx, code)
		if errors.Is(err, ErrInvalidInviteCode) {
			continue
		} else if err != nil {
			return nil, err
		}
		ic, err := iv.detailTx(tx, code, rec)
		if err != nil {
			return nil, err
		}
		out = append(out, ic)
	}
	slices.SortStableFunc(out, func(a, b InviteCode) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// AccountCodesOptions are the parameters of getAccountInviteCodes.
type AccountCodesOptions struct {
	// IncludeUsed keeps codes with no uses left.
	IncludeUsed bool
	// CreateAvailable creates the codes the account has earned since it
	// last asked (only when invites are required and Interval is set).
	CreateAvailable bool
	// IncludeDisabled keeps disabled codes (the admin's account view).
	IncludeDisabled bool
}

// AccountCodes returns did's codes for com.atproto.server.getAccountInviteCodes:
// those created for it (self-service and admin gifts), less disabled
// ones unless opts.IncludeDisabled, and less used-up ones unless
// opts.IncludeUsed. With
// opts.CreateAvailable it first creates, in the same transaction, the
// single-use codes the account has earned: one per Interval of its life
// since Epoch, less those already created since Epoch, and never more
// than MaxOpenAccountCodes unused at once. Admin gifts do not count.
func (iv *Invites) AccountCodes(did atp.DID, accountCreatedAt time.Time, opts AccountCodesOptions) ([]InviteCode, error) {
	earn := opts.CreateAvailable && iv.cfg.Required && iv.cfg.Interval > 0
	var all []InviteCode
	run := iv.db.View
	if earn {
		run = iv.db.Update
	}
	err := run(func(tx *kv.ServerTx) error {
		var err error
		if all, err = iv.accountCodesTx(tx, did.String()); err != nil {
			return err
		}
		if !earn {
			return nil
		}
		now := iv.cfg.Now()
		toCreate := iv.codesToCreate(all, accountCreatedAt, now)
		if toCreate <= 0 {
			return nil
		}
		disabled, err := accountDisabledTx(tx, did)
		if err != nil {
			return err
		}
		for range toCreate {
			code, err := iv.NewCode()
			if err != nil {
				return err
			}
			rec := inviteRecord{Available: 1, Disabled: disabled, ForAccount: did.String(), CreatedBy: did.String(), CreatedAt: now.UTC()}
			if err := iv.putTx(tx, code, rec); err != nil {
				return err
			}
			all = append(all, InviteCode{Code: code, Available: 1, Disabled: disabled, ForAccount: rec.ForAccount,
				CreatedBy: rec.CreatedBy, CreatedAt: rec.CreatedAt, Uses: []InviteUse{}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if (c.Disabled && !opts.IncludeDisabled) || (!opts.IncludeUsed && len(c.Uses) >= c.Available) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// codesToCreate is the reference's calculation of earned codes.
func (iv *Invites) codesToCreate(codes []InviteCode, createdAt, now time.Time) int {
	var routine, unused, sinceEpoch int
	for _, c := range codes {
		if c.CreatedBy == AdminAccount {
			continue
		}
		routine++
		if !c.Disabled && c.Available > len(c.Uses) {
			unused++
		}
		if c.CreatedAt.After(iv.cfg.Epoch) {
			sinceEpoch++
		}
	}
	interval := iv.cfg.Interval
	var couldCreate int
	if !createdAt.Before(iv.cfg.Epoch) {
		couldCreate = int(now.Sub(createdAt) / interval)
	} else {
		couldCreate = int(now.Sub(createdAt)/interval) - int(iv.cfg.Epoch.Sub(createdAt)/interval)
	}
	return min(MaxOpenAccountCodes-unused, couldCreate-sinceEpoch)
}

// List returns up to limit codes in code order, starting after the code
// after ("" for the start), with their uses (for admin listings).
func (iv *Invites) List(after string, limit int) ([]InviteCode, error) {
	var out []InviteCode
	err := iv.db.View(func(tx *kv.ServerTx) error {
		var codes []string
		if after == "" {
			after = "\x01" // past the index entries, which start with "\x00"
		}
		err := tx.Scan(kv.TableInvites, "", after, func(key string, _ []byte) bool {
			if len(codes) >= limit {
				return false
			}
			codes = append(codes, key)
			return true
		})
		if err != nil {
			return err
		}
		for _, code := range codes {
			rec, err := iv.getTx(tx, code)
			if err != nil {
				return err
			}
			ic, err := iv.detailTx(tx, code, rec)
			if err != nil {
				return err
			}
			out = append(out, ic)
		}
		return nil
	})
	return out, err
}
