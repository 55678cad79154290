package httpapi

import "github.com/boltsky/boltsky/account"

// serverEndpoints lists the com.atproto.server methods.
func (s *Server) serverEndpoints() []endpoint {
	// Scope sets and status checks as the reference declares them.
	full, standard := account.AccessFull, account.AccessStandard
	takedown := account.StatusCheck{Takedown: true}
	return []endpoint{
		{nsid: "com.atproto.server.describeServer", handler: s.describeServer},

		{nsid: "com.atproto.server.createAccount", auth: authServiceOptional, handler: s.srvCreateAccount},
		{nsid: "com.atproto.server.reserveSigningKey", handler: s.srvReserveSigningKey},

		{nsid: "com.atproto.server.createSession", handler: s.srvCreateSession},
		{nsid: "com.atproto.server.getSession", auth: authAccess(standard.With(account.ScopeSignupQueued)), handler: s.srvGetSession},
		{nsid: "com.atproto.server.refreshSession", auth: authRefresh, handler: s.srvRefreshSession},
		{nsid: "com.atproto.server.deleteSession", auth: srvAuthRefreshAllowExpired, handler: s.srvDeleteSession},

		{nsid: "com.atproto.server.createAppPassword", auth: srvAuthChecked(full, takedown), handler: s.srvCreateAppPassword},
		{nsid: "com.atproto.server.listAppPasswords", auth: authAccess(standard), handler: s.srvListAppPasswords},
		{nsid: "com.atproto.server.revokeAppPassword", auth: authAccess(standard), handler: s.srvRevokeAppPassword},

		{nsid: "com.atproto.server.activateAccount", auth: authAccess(full), handler: s.srvActivateAccount},
		{nsid: "com.atproto.server.deactivateAccount", auth: authAccess(full.With(account.ScopeTakendown)), handler: s.srvDeactivateAccount},
		{nsid: "com.atproto.server.checkAccountStatus", auth: authAccess(standard), handler: s.srvCheckAccountStatus},
		{nsid: "com.atproto.server.getServiceAuth", auth: authAccess(standard.With(account.ScopeTakendown)), handler: s.srvGetServiceAuth},

		{nsid: "com.atproto.server.createInviteCode", auth: authAdmin, handler: s.srvCreateInviteCode},
		{nsid: "com.atproto.server.createInviteCodes", auth: authAdmin, handler: s.srvCreateInviteCodes},
		{nsid: "com.atproto.server.getAccountInviteCodes", auth: srvAuthChecked(full, takedown), handler: s.srvGetAccountInviteCodes},

		{nsid: "com.atproto.server.requestEmailConfirmation", auth: srvAuthChecked(standard, takedown), handler: s.srvRequestEmailConfirmation},
		{nsid: "com.atproto.server.confirmEmail", auth: srvAuthChecked(standard, takedown), handler: s.srvConfirmEmail},
		{nsid: "com.atproto.server.requestEmailUpdate", auth: srvAuthChecked(full, takedown), handler: s.srvRequestEmailUpdate},
		{nsid: "com.atproto.server.updateEmail", auth: srvAuthChecked(full, takedown), handler: s.srvUpdateEmail},
		{nsid: "com.atproto.server.requestPasswordReset", handler: s.srvRequestPasswordReset},
		{nsid: "com.atproto.server.resetPassword", handler: s.srvResetPassword},
		{nsid: "com.atproto.server.requestAccountDelete", auth: srvAuthChecked(full, takedown), handler: s.srvRequestAccountDelete},
		{nsid: "com.atproto.server.deleteAccount", handler: s.srvDeleteAccount},
	}
}

// describeServer reports what this server offers for sign-up, and the
// largest blob it takes (blobUploadLimit, in the current lexicon though
// not yet in the vendored one, which allows properties it does not
// declare).
func (s *Server) describeServer(c *call) error {
	type links struct {
		PrivacyPolicy  string `json:"privacyPolicy,omitempty"`
		TermsOfService string `json:"termsOfService,omitempty"`
	}
	type contact struct {
		Email string `json:"email,omitempty"`
	}
	out := struct {
		DID                  string   `json:"did"`
		AvailableUserDomains []string `json:"availableUserDomains"`
		InviteCodeRequired   bool     `json:"inviteCodeRequired"`
		PhoneVerification    bool     `json:"phoneVerificationRequired"`
		BlobUploadLimit      int64    `json:"blobUploadLimit"`
		Links                *links   `json:"links,omitempty"`
		Contact              *contact `json:"contact,omitempty"`
	}{
		DID:                  s.cfg.ServiceDID.String(),
		AvailableUserDomains: s.d.Handles.Domains(),
		InviteCodeRequired:   s.cfg.InviteRequired,
		BlobUploadLimit:      s.cfg.BlobUploadLimit,
	}
	if s.cfg.PrivacyPolicy != "" || s.cfg.TermsOfService != "" {
		out.Links = &links{PrivacyPolicy: s.cfg.PrivacyPolicy, TermsOfService: s.cfg.TermsOfService}
	}
	if s.cfg.ContactEmail != "" {
		out.Contact = &contact{Email: s.cfg.ContactEmail}
	}
	return c.writeJSON(out)
}
