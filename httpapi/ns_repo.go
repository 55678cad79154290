package httpapi

import "github.com/boltsky/boltsky/account"

// repoEndpoints lists the com.atproto.repo methods this server serves.
func (s *Server) repoEndpoints() []endpoint {
	write := authAccess(account.AccessStandard)
	return []endpoint{
		{nsid: "com.atproto.repo.createRecord", auth: write, handler: s.repoCreateRecord},
		{nsid: "com.atproto.repo.putRecord", auth: write, handler: s.repoPutRecord},
		{nsid: "com.atproto.repo.deleteRecord", auth: write, handler: s.repoDeleteRecord},
		{nsid: "com.atproto.repo.applyWrites", auth: write, handler: s.repoApplyWrites},
		{nsid: "com.atproto.repo.getRecord", handler: s.repoGetRecord},
		{nsid: "com.atproto.repo.listRecords", handler: s.repoListRecords},
		{nsid: "com.atproto.repo.describeRepo", handler: s.repoDescribeRepo},
		{nsid: "com.atproto.repo.uploadBlob", auth: authBlobUpload, handler: s.repoUploadBlob, rawBody: true},
		{nsid: "com.atproto.repo.importRepo", auth: authAccess(account.AccessFull), handler: s.repoImportRepo, rawBody: true},
		{nsid: "com.atproto.repo.listMissingBlobs", auth: authAccess(account.AccessStandard), handler: s.repoListMissingBlobs},
	}
}
