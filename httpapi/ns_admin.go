package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// adminEndpoints lists the com.atproto.admin methods: moderation of
// accounts, records and blobs, and account management, all behind the
// admin password.
func (s *Server) adminEndpoints() []endpoint {
	return []endpoint{
		{nsid: "com.atproto.admin.getSubjectStatus", auth: authAdmin, handler: s.adminGetSubjectStatus},
		{nsid: "com.atproto.admin.updateSubjectStatus", auth: authAdmin, handler: s.adminUpdateSubjectStatus},
		{nsid: "com.atproto.admin.getAccountInfo", auth: authAdmin, handler: s.adminGetAccountInfo},
		{nsid: "com.atproto.admin.getAccountInfos", auth: authAdmin, handler: s.adminGetAccountInfos},
		{nsid: "com.atproto.admin.searchAccounts", auth: authAdmin, handler: s.adminSearchAccounts},
		{nsid: "com.atproto.admin.updateAccountHandle", auth: authAdmin, handler: s.adminUpdateAccountHandle},
		{nsid: "com.atproto.admin.updateAccountEmail", auth: authAdmin, handler: s.adminUpdateAccountEmail},
		{nsid: "com.atproto.admin.updateAccountPassword", auth: authAdmin, handler: s.adminUpdateAccountPassword},
		{nsid: "com.atproto.admin.deleteAccount", auth: authAdmin, handler: s.adminDeleteAccount},
		{nsid: "com.atproto.admin.disableAccountInvites", auth: authAdmin, handler: s.adminAccountInvites(true)},
		{nsid: "com.atproto.admin.enableAccountInvites", auth: authAdmin, handler: s.adminAccountInvites(false)},
		{nsid: "com.atproto.admin.getInviteCodes", auth: authAdmin, handler: s.adminGetInviteCodes},
		{nsid: "com.atproto.admin.disableInviteCodes", auth: authAdmin, handler: s.adminDisableInviteCodes},
		{nsid: "com.atproto.admin.sendEmail", auth: authAdmin, handler: s.adminSendEmail},
	}
}

// statusAttr is com.atproto.admin.defs#statusAttr.
type statusAttr struct {
	Applied bool   `json:"applied"`
	Ref     string `json:"ref,omitempty"`
}

// subjectRef is the union of moderation subjects.
type subjectRef struct {
	Type      string `json:"$type"`
	DID       string `json:"did,omitempty"`
	URI       string `json:"uri,omitempty"`
	CID       string `json:"cid,omitempty"`
	RecordURI string `json:"recordUri,omitempty"`
}

const (
	repoRefType     = "com.atproto.admin.defs#repoRef"
	strongRefType   = "com.atproto.repo.strongRef"
	repoBlobRefType = "com.atproto.admin.defs#repoBlobRef"
)

// adminState returns a hosted account's state or the reference's
// "Account not found".
func (s *Server) adminState(c *call, did atp.DID) (kv.AccountState, error) {
	return s.srvStateOr(c.ctx, did, xerr(http.StatusBadRequest, "AccountNotFound", "Account not found"))
}

func (s *Server) adminGetSubjectStatus(c *call) error {
	did, uri, blob := c.params.String("did"), c.params.String("uri"), c.params.String("blob")
	switch {
	case uri != "":
		u, err := atp.ParseATURI(uri)
		if err != nil {
			return invalidRequest("invalid uri: %s", uri)
		}
		var out struct {
			Subject  subjectRef  `json:"subject"`
			Takedown *statusAttr `json:"takedown,omitempty"`
		}
		err = s.d.Registry.View(c.ctx, u.Authority().DID(), func(tx *kv.AccountTx) error {
			c, err := tx.RecordCID(u.Path())
			if err != nil {
				return err
			}
			out.Subject = subjectRef{Type: strongRefType, URI: u.String(), CID: c.String()}
			ref, taken := tx.RecordTakedown(u.Path())
			out.Takedown = &statusAttr{Applied: taken, Ref: ref}
			return nil
		})
		if isAccountMissing(err) || errors.Is(err, kv.ErrNotFound) {
			return xerr(http.StatusBadRequest, "NotFound", "Subject not found")
		}
		if err != nil {
			return err
		}
		return c.writeJSON(out)
	case blob != "":
		d, err := atp.ParseDID(did)
		if err != nil {
			return invalidRequest("Must provide a did to request blob state")
		}
		id, err := dagcbor.ParseCIDString(blob)
		if err != nil {
			return invalidRequest("invalid blob: %s", blob)
		}
		var meta kv.BlobMeta
		err = s.d.Registry.View(c.ctx, d, func(tx *kv.AccountTx) error {
			meta, err = tx.Blob(id)
			return err
		})
		if isAccountMissing(err) || errors.Is(err, kv.ErrNotFound) {
			return xerr(http.StatusBadRequest, "NotFound", "Subject not found")
		}
		if err != nil {
			return err
		}
		return c.writeJSON(map[string]any{
			"subject":  subjectRef{Type: repoBlobRefType, DID: d.String(), CID: id.String()},
			"takedown": statusAttr{Applied: meta.Takedown != "", Ref: meta.Takedown},
		})
	case did != "":
		d, err := atp.ParseDID(did)
		if err != nil {
			return invalidRequest("invalid did: %s", did)
		}
		st, err := s.srvStateOr(c.ctx, d, xerr(http.StatusBadRequest, "NotFound", "Subject not found"))
		if err != nil {
			return err
		}
		return c.writeJSON(map[string]any{
			"subject":     subjectRef{Type: repoRefType, DID: d.String()},
			"takedown":    statusAttr{Applied: st.Status == kv.StatusTakendown, Ref: st.TakedownRef},
			"deactivated": statusAttr{Applied: st.Status == kv.StatusDeactivated || !st.DeactivatedAt.IsZero()},
		})
	}
	return invalidRequest("No provided subject")
}

// adminUpdateSubjectStatus applies or reverses a takedown of an account,
// a record or a blob, and deactivates or activates an account, answering
// as the reference does: a takedown of an account not hosted here is
// acknowledged (a moderation service may act on accounts that left);
// its deactivation or activation is refused as the account's own would be.
func (s *Server) adminUpdateSubjectStatus(c *call) error {
	var in struct {
		Subject     subjectRef  `json:"subject"`
		Takedown    *statusAttr `json:"takedown"`
		Deactivated *statusAttr `json:"deactivated"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Takedown != nil && in.Takedown.Applied && in.Deactivated != nil && !in.Deactivated.Applied {
		return invalidRequest("Cannot activate and takedown an account at the same time")
	}
	out := map[string]any{"subject": in.Subject}
	switch in.Subject.Type {
	case repoRefType:
		did, err := atp.ParseDID(in.Subject.DID)
		if err != nil {
			return invalidRequest("invalid did: %s", in.Subject.DID)
		}
		hosted := true
		if _, err := s.srvState(c.ctx, did); errors.Is(err, errSrvNoAccount) {
			hosted = false
		} else if err != nil {
			return err
		}
		if in.Takedown != nil {
			if hosted {
				if err := s.adminTakedownAccount(c.ctx, did, *in.Takedown); err != nil {
					return err
				}
			}
			out["takedown"] = in.Takedown
		}
		switch {
		case in.Deactivated != nil && in.Deactivated.Applied:
			err = s.srvDeactivate(c.ctx, did, time.Time{})
		case in.Deactivated != nil:
			err = s.srvActivate(c.ctx, did)
		case in.Takedown == nil && hosted:
			// Without a change the reference announces the status
			// again.
			err = s.d.Registry.UpdateState(c.ctx, did, func(*kv.AccountState, *kv.AccountTx) ([]actor.StateEvent, error) {
				return []actor.StateEvent{actor.EmitAccount}, nil
			})
		}
		if err != nil {
			return err
		}
	case strongRefType:
		u, err := atp.ParseATURI(in.Subject.URI)
		if err != nil {
			return invalidRequest("invalid uri: %s", in.Subject.URI)
		}
		if in.Takedown != nil {
			t := *in.Takedown
			ref := s.takedownRef(t)
			err := s.d.Registry.UpdateState(c.ctx, u.Authority().DID(), func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
				if _, err := tx.RecordCID(u.Path()); err != nil {
					return nil, xerr(http.StatusBadRequest, "NotFound", "Record not found")
				}
				return nil, tx.SetRecordTakedown(u.Path(), ref, t.Applied)
			})
			if isAccountMissing(err) {
				return xerr(http.StatusBadRequest, "NotFound", "Record not found")
			}
			if err != nil {
				return err
			}
			out["takedown"] = in.Takedown
		}
	case repoBlobRefType:
		did, err := atp.ParseDID(in.Subject.DID)
		if err != nil {
			return invalidRequest("invalid did: %s", in.Subject.DID)
		}
		id, err := dagcbor.ParseCIDString(in.Subject.CID)
		if err != nil {
			return invalidRequest("invalid cid: %s", in.Subject.CID)
		}
		if in.Takedown != nil {
			t := *in.Takedown
			ref := s.takedownRef(t)
			err := s.d.Registry.UpdateState(c.ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
				meta, err := tx.Blob(id)
				if err != nil {
					return nil, xerr(http.StatusBadRequest, "NotFound", "Blob not found")
				}
				meta.Takedown = ""
				if t.Applied {
					meta.Takedown = ref
				}
				return nil, tx.PutBlob(meta)
			})
			if isAccountMissing(err) {
				return xerr(http.StatusBadRequest, "NotFound", "Blob not found")
			}
			if err != nil {
				return err
			}
			out["takedown"] = in.Takedown
		}
	default:
		return invalidRequest("Invalid subject")
	}
	return c.writeJSON(out)
}

// takedownRef is the moderation reference a takedown is stored with: the
// one given, else, as the reference does, the time it was applied.
func (s *Server) takedownRef(t statusAttr) string {
	if t.Ref != "" {
		return t.Ref
	}
	return srvTime(s.d.Now())
}

// adminTakedownAccount takes an account down (or restores it): its
// status changes, its sessions end, and #account is announced.
func (s *Server) adminTakedownAccount(ctx context.Context, did atp.DID, t statusAttr) error {
	ref := s.takedownRef(t)
	err := s.d.Registry.UpdateState(ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		switch {
		case t.Applied:
			st.Status, st.TakedownRef = kv.StatusTakendown, ref
		case st.Status == kv.StatusTakendown:
			st.Status, st.TakedownRef = kv.StatusActive, ""
			if !st.DeactivatedAt.IsZero() {
				st.Status = kv.StatusDeactivated
			}
		default:
			return nil, nil
		}
		return []actor.StateEvent{actor.EmitAccount}, nil
	})
	if err != nil {
		return err
	}
	if t.Applied {
		return s.d.Sessions.RevokeAll(did)
	}
	return nil
}

// accountView is com.atproto.admin.defs#accountView.
type accountView struct {
	DID              string     `json:"did"`
	Handle           string     `json:"handle"`
	Email            string     `json:"email,omitempty"`
	IndexedAt        string     `json:"indexedAt"`
	InvitedBy        any        `json:"invitedBy,omitempty"`
	Invites          []any      `json:"invites"`
	InvitesDisabled  bool       `json:"invitesDisabled"`
	EmailConfirmedAt string     `json:"emailConfirmedAt,omitempty"`
	DeactivatedAt    string     `json:"deactivatedAt,omitempty"`
	RelatedRecords   []dataJSON `json:"relatedRecords,omitempty"`
	ThreatSignatures []any      `json:"threatSignatures,omitempty"`
}

func (s *Server) accountView(c *call, st kv.AccountState) (accountView, error) {
	v := accountView{DID: st.DID.String(), Handle: st.Handle.String(), Email: st.Email,
		IndexedAt: srvTime(st.CreatedAt)}
	if v.Handle == "" {
		v.Handle = atp.HandleInvalid.String()
	}
	if !st.EmailConfirmedAt.IsZero() {
		v.EmailConfirmedAt = srvTime(st.EmailConfirmedAt)
	}
	if !st.DeactivatedAt.IsZero() {
		v.DeactivatedAt = srvTime(st.DeactivatedAt)
	}
	disabled, err := s.d.Invites.AccountDisabled(st.DID)
	if err != nil {
		return v, err
	}
	v.InvitesDisabled = disabled
	if st.InviteCode != "" {
		if ic, err := s.d.Invites.Get(st.InviteCode); err == nil {
			v.InvitedBy = srvInviteCode(ic)
		}
	}
	// As the reference: every code made for the account, used up and
	// disabled ones too.
	codes, err := s.d.Invites.AccountCodes(st.DID, st.CreatedAt, account.AccountCodesOptions{IncludeUsed: true, IncludeDisabled: true})
	if err != nil {
		return v, err
	}
	v.Invites = []any{}
	for _, ic := range codes {
		v.Invites = append(v.Invites, srvInviteCode(ic))
	}
	err = s.d.Registry.View(c.ctx, st.DID, func(tx *kv.AccountTx) error {
		cid, err := tx.RecordCID("app.bsky.actor.profile/self")
		if err != nil {
			return nil
		}
		data, err := tx.Block(cid)
		if err != nil {
			return nil
		}
		if rec, err := dagcbor.Unmarshal(data); err == nil {
			v.RelatedRecords = append(v.RelatedRecords, dataJSON{rec})
		}
		return nil
	})
	return v, err
}

func (s *Server) adminGetAccountInfo(c *call) error {
	did, err := atp.ParseDID(c.params.String("did"))
	if err != nil {
		return invalidRequest("invalid did")
	}
	st, err := s.srvStateOr(c.ctx, did, xerr(http.StatusBadRequest, "NotFound", "Account not found"))
	if err != nil {
		return err
	}
	v, err := s.accountView(c, st)
	if err != nil {
		return err
	}
	return c.writeJSON(v)
}

func (s *Server) adminGetAccountInfos(c *call) error {
	infos := []accountView{}
	for _, raw := range c.params.Strings("dids") {
		did, err := atp.ParseDID(raw)
		if err != nil {
			return invalidRequest("invalid did: %s", raw)
		}
		st, err := s.srvState(c.ctx, did)
		if errors.Is(err, errSrvNoAccount) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := s.accountView(c, st)
		if err != nil {
			return err
		}
		infos = append(infos, v)
	}
	return c.writeJSON(map[string]any{"infos": infos})
}

// adminSearchAccounts finds accounts whose email contains the query, in
// email order; without a query it lists accounts.
func (s *Server) adminSearchAccounts(c *call) error {
	query := strings.ToLower(c.params.String("email"))
	limit, _ := c.params.Int("limit")
	after := c.params.String("cursor")
	type hit struct{ email, did string }
	var hits []hit
	err := s.d.ServerDB.View(func(tx *kv.ServerTx) error {
		return tx.Scan(kv.TableEmails, "", after, func(email string, did []byte) bool {
			if query == "" || strings.Contains(email, query) {
				hits = append(hits, hit{email, string(did)})
			}
			return int64(len(hits)) < limit
		})
	})
	if err != nil {
		return err
	}
	accounts := []accountView{}
	for _, h := range hits {
		did, err := atp.ParseDID(h.did)
		if err != nil {
			continue
		}
		st, err := s.srvState(c.ctx, did)
		if errors.Is(err, errSrvNoAccount) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := s.accountView(c, st)
		if err != nil {
			return err
		}
		accounts = append(accounts, v)
	}
	out := map[string]any{"accounts": accounts}
	if int64(len(hits)) == limit && limit > 0 {
		out["cursor"] = hits[len(hits)-1].email
	}
	return c.writeJSON(out)
}

func (s *Server) adminUpdateAccountHandle(c *call) error {
	var in struct {
		DID    string `json:"did"`
		Handle string `json:"handle"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did, err := atp.ParseDID(in.DID)
	if err != nil {
		return invalidRequest("invalid did")
	}
	if _, err := s.adminState(c, did); err != nil {
		return err
	}
	h, _, err := s.d.Handles.Check(in.Handle, account.HandleCheck{AllowExternal: true, AllowReserved: true})
	if err != nil {
		return err
	}
	if err := s.changeHandle(c, did, h); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) adminUpdateAccountEmail(c *call) error {
	var in struct {
		Account string `json:"account"`
		Email   string `json:"email"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	notFound := invalidRequest("Account does not exist: %s", in.Account)
	did, ok, err := s.repoLocalDID(in.Account)
	if err != nil {
		return err
	}
	if !ok {
		return notFound
	}
	if _, err := s.srvStateOr(c.ctx, did, notFound); err != nil {
		return err
	}
	email, err := account.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	// As the reference: the new address is not confirmed, and tokens
	// mailed to the old one are void.
	err = s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		if err := s.d.Index.MoveEmail(did, st.Email, email); err != nil {
			return nil, err
		}
		st.Email, st.EmailConfirmedAt = email, time.Time{}
		return nil, nil
	})
	if err != nil {
		return err
	}
	if err := s.d.EmailTokens.DeleteAll(did); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) adminUpdateAccountPassword(c *call) error {
	var in struct {
		DID      string `json:"did"`
		Password string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did, err := atp.ParseDID(in.DID)
	if err != nil {
		return invalidRequest("invalid did")
	}
	if err := account.CheckNewPassword(in.Password); err != nil {
		return err
	}
	if _, err := s.adminState(c, did); err != nil {
		return err
	}
	var hash string
	err = s.kdf.run(c.ctx, func() (err error) {
		hash, err = account.HashPassword(in.Password)
		return err
	})
	if err != nil {
		return err
	}
	err = s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.PasswordHash = hash
		return nil, nil
	})
	if err != nil {
		return err
	}
	if err := s.d.Sessions.RevokeAll(did); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) adminDeleteAccount(c *call) error {
	var in struct {
		DID string `json:"did"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did, err := atp.ParseDID(in.DID)
	if err != nil {
		return invalidRequest("invalid did")
	}
	st, err := s.srvState(c.ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return c.writeEmpty()
	}
	if err != nil {
		return err
	}
	if err := s.deleteAccount(c.ctx, did, st); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) adminAccountInvites(disable bool) handler {
	return func(c *call) error {
		var in struct {
			Account string `json:"account"`
		}
		if err := c.decode(&in); err != nil {
			return err
		}
		did, err := atp.ParseDID(in.Account)
		if err != nil {
			return invalidRequest("invalid account")
		}
		if _, err := s.adminState(c, did); err != nil {
			return err
		}
		if err := s.d.Invites.SetAccountDisabled(did, disable); err != nil {
			return err
		}
		return c.writeEmpty()
	}
}

func (s *Server) adminGetInviteCodes(c *call) error {
	limit, _ := c.params.Int("limit")
	codes, err := s.d.Invites.List(c.params.String("cursor"), int(limit))
	if err != nil {
		return err
	}
	if c.params.String("sort") == "usage" {
		sort.SliceStable(codes, func(i, j int) bool { return len(codes[i].Uses) > len(codes[j].Uses) })
	}
	out := map[string]any{"codes": []any{}}
	list := make([]any, 0, len(codes))
	for _, ic := range codes {
		list = append(list, srvInviteCode(ic))
	}
	out["codes"] = list
	if int64(len(codes)) == limit && limit > 0 {
		out["cursor"] = codes[len(codes)-1].Code
	}
	return c.writeJSON(out)
}

func (s *Server) adminDisableInviteCodes(c *call) error {
	var in struct {
		Codes    []string `json:"codes"`
		Accounts []string `json:"accounts"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	for _, a := range in.Accounts {
		if a == "admin" {
			return invalidRequest("cannot disable admin invite codes")
		}
	}
	if err := s.d.Invites.Disable(in.Codes, in.Accounts); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) adminSendEmail(c *call) error {
	var in struct {
		RecipientDID string `json:"recipientDid"`
		Content      string `json:"content"`
		Subject      string `json:"subject"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did, err := atp.ParseDID(in.RecipientDID)
	if err != nil {
		return invalidRequest("invalid recipientDid")
	}
	st, err := s.srvStateOr(c.ctx, did, invalidRequest("Recipient not found"))
	if err != nil {
		return err
	}
	if st.Email == "" {
		return invalidRequest("account does not have an email address")
	}
	subject := in.Subject
	if subject == "" {
		subject = "Message via your PDS"
	}
	if err := s.d.Mailer.Send(c.ctx, account.Message{To: st.Email, Subject: subject, Text: in.Content}); err != nil {
		return err
	}
	return c.writeJSON(map[string]bool{"sent": true})
}
