package httpapi

import "github.com/boltsky/boltsky/account"

// appEndpoints lists the app.bsky and chat.bsky methods the PDS serves
// itself rather than proxying: the account's preferences.
func (s *Server) appEndpoints() []endpoint {
	return []endpoint{
		{nsid: "app.bsky.actor.getPreferences", auth: authAccess(account.AccessStandard.With(account.ScopeTakendown)), handler: s.prefsGet},
		{nsid: "app.bsky.actor.putPreferences", auth: authAccess(account.AccessStandard), handler: s.prefsPut},
	}
}
