package httpapi

import (
	"github.com/boltsky/boltsky/account"
)

// srvInviteCodeJSON is com.atproto.server.defs#inviteCode with datetimes
// in the reference's form.
type srvInviteCodeJSON struct {
	Code       string             `json:"code"`
	Available  int                `json:"available"`
	Disabled   bool               `json:"disabled"`
	ForAccount string             `json:"forAccount"`
	CreatedBy  string             `json:"createdBy"`
	CreatedAt  string             `json:"createdAt"`
	Uses       []srvInviteUseJSON `json:"uses"`
}

type srvInviteUseJSON struct {
	UsedBy string `json:"usedBy"`
	UsedAt string `json:"usedAt"`
}

func srvInviteCode(ic account.InviteCode) srvInviteCodeJSON {
	out := srvInviteCodeJSON{
		Code: ic.Code, Available: ic.Available, Disabled: ic.Disabled,
		ForAccount: ic.ForAccount, CreatedBy: ic.CreatedBy, CreatedAt: srvTime(ic.CreatedAt),
		Uses: make([]srvInviteUseJSON, 0, len(ic.Uses)),
	}
	for _, u := range ic.Uses {
		out.Uses = append(out.Uses, srvInviteUseJSON{UsedBy: u.UsedBy.String(), UsedAt: srvTime(u.UsedAt)})
	}
	return out
}

// srvCreateInviteCode creates one code (admin).
func (s *Server) srvCreateInviteCode(c *call) error {
	var in struct {
		UseCount   int    `json:"useCount"`
		ForAccount string `json:"forAccount"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	var forAccounts []string
	if in.ForAccount != "" {
		forAccounts = []string{in.ForAccount}
	}
	created, err := s.d.Invites.CreateCodes(forAccounts, 1, in.UseCount)
	if err != nil {
		return err
	}
	if len(created) != 1 || len(created[0].Codes) != 1 {
		return invalidRequest("could not create invite code")
	}
	return c.writeJSON(struct {
		Code string `json:"code"`
	}{created[0].Codes[0]})
}

// srvCreateInviteCodes creates codeCount codes for each account (admin).
func (s *Server) srvCreateInviteCodes(c *call) error {
	in := struct {
		CodeCount   int      `json:"codeCount"`
		UseCount    int      `json:"useCount"`
		ForAccounts []string `json:"forAccounts"`
	}{CodeCount: 1}
	if err := c.decode(&in); err != nil {
		return err
	}
	created, err := s.d.Invites.CreateCodes(in.ForAccounts, in.CodeCount, in.UseCount)
	if err != nil {
		return err
	}
	if created == nil {
		created = []account.AccountCodes{}
	}
	return c.writeJSON(struct {
		Codes []account.AccountCodes `json:"codes"`
	}{created})
}

// srvGetAccountInviteCodes lists the caller's codes, first creating those
// it has earned when asked to.
func (s *Server) srvGetAccountInviteCodes(c *call) error {
	did := c.auth.did
	st, err := s.srvStateOr(c.ctx, did, xerr(400, "NotFound", "Account not found"))
	if err != nil {
		return err
	}
	if _, status := srvStatus(st); status != "" {
		return xerr(400, "NotFound", "Account not found")
	}
	codes, err := s.d.Invites.AccountCodes(did, st.CreatedAt, account.AccountCodesOptions{
		IncludeUsed:     c.params.Bool("includeUsed"),
		CreateAvailable: c.params.Bool("createAvailable"),
	})
	if err != nil {
		return err
	}
	out := struct {
		Codes []srvInviteCodeJSON `json:"codes"`
	}{Codes: make([]srvInviteCodeJSON, 0, len(codes))}
	for _, ic := range codes {
		out.Codes = append(out.Codes, srvInviteCode(ic))
	}
	return c.writeJSON(out)
}
