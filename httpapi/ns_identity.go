package httpapi

import "github.com/boltsky/boltsky/account"

// identityEndpoints lists the com.atproto.identity methods this server
// serves, with the reference's auth: handle updates and credential reads
// take any session (app passwords too), requesting and signing PLC
// operations a full login (a taken-down account may still sign its way
// out), and resolution none.
func (s *Server) identityEndpoints() []endpoint {
	plcSigning := authAccess(account.AccessFull.With(account.ScopeTakendown))
	return []endpoint{
		{nsid: "com.atproto.identity.resolveHandle", handler: s.resolveHandle},
		{nsid: "com.atproto.identity.resolveDid", handler: s.resolveDid},
		{nsid: "com.atproto.identity.resolveIdentity", handler: s.resolveIdentity},
		{nsid: "com.atproto.identity.refreshIdentity", handler: s.refreshIdentity},
		{nsid: "com.atproto.identity.updateHandle", auth: authAccess(account.AccessStandard), handler: s.updateHandle},
		{nsid: "com.atproto.identity.getRecommendedDidCredentials", auth: authAccess(account.AccessStandard), handler: s.getRecommendedDidCredentials},
		{nsid: "com.atproto.identity.requestPlcOperationSignature", auth: plcSigning, handler: s.requestPlcOperationSignature},
		{nsid: "com.atproto.identity.signPlcOperation", auth: plcSigning, handler: s.signPlcOperation},
		{nsid: "com.atproto.identity.submitPlcOperation", auth: authAccess(account.AccessStandard), handler: s.submitPlcOperation},
	}
}
