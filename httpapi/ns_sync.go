package httpapi

import (
	"github.com/boltsky/boltsky/account"
)

// syncEndpoints lists the com.atproto.sync methods this server serves.
// They need no authentication; an account's own session or the admin may
// read its repository while it is deactivated or taken down.
func (s *Server) syncEndpoints() []endpoint {
	owner := authOptional(account.AccessStandard.With(account.ScopeTakendown))
	return []endpoint{
		{nsid: "com.atproto.sync.getRepo", auth: owner, handler: s.getRepo},
		{nsid: "com.atproto.sync.getCheckout", auth: owner, handler: s.getCheckout},
		{nsid: "com.atproto.sync.getLatestCommit", auth: owner, handler: s.getLatestCommit},
		{nsid: "com.atproto.sync.getHead", auth: owner, handler: s.getHead},
		{nsid: "com.atproto.sync.getRecord", auth: owner, handler: s.getSyncRecord},
		{nsid: "com.atproto.sync.getBlocks", auth: owner, handler: s.getBlocks},
		{nsid: "com.atproto.sync.getBlob", auth: owner, handler: s.getBlob},
		{nsid: "com.atproto.sync.listBlobs", auth: owner, handler: s.listBlobs},
		{nsid: "com.atproto.sync.listRepos", handler: s.listRepos},
		{nsid: "com.atproto.sync.getRepoStatus", handler: s.getRepoStatus},
		{nsid: "com.atproto.sync.subscribeRepos", handler: s.subscribeRepos},
	}
}
