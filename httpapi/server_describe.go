package httpapi

// serverEndpoints lists the com.atproto.server methods.
func (s *Server) serverEndpoints() []endpoint {
	return []endpoint{
		{nsid: "com.atproto.server.describeServer", handler: s.describeServer},
	}
}

// describeServer reports what this server offers for sign-up.
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
		Links                *links   `json:"links,omitempty"`
		Contact              *contact `json:"contact,omitempty"`
	}{
		DID:                  s.cfg.ServiceDID.String(),
		AvailableUserDomains: s.d.Handles.Domains(),
		InviteCodeRequired:   s.cfg.InviteRequired,
	}
	if s.cfg.PrivacyPolicy != "" || s.cfg.TermsOfService != "" {
		out.Links = &links{PrivacyPolicy: s.cfg.PrivacyPolicy, TermsOfService: s.cfg.TermsOfService}
	}
	if s.cfg.ContactEmail != "" {
		out.Contact = &contact{Email: s.cfg.ContactEmail}
	}
	return c.writeJSON(out)
}
