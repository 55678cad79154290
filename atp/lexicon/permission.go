package lexicon

import "github.com/boltsky/boltsky/atp"

// PermissionSet is a named bundle of OAuth permissions (a "permission-set"
// schema), which a client requests with an "include:<nsid>" scope.
type PermissionSet struct {
	NSID   atp.NSID
	Title  string
	Detail string
	// TitleLang and DetailLang hold translations by language tag.
	TitleLang   map[string]string
	DetailLang  map[string]string
	Permissions []Permission
}

// Permission is one permission of a set. Resource is "repo" (with
// Collection and Action) or "rpc" (with LXM and either Audience or
// InheritAudience).
type Permission struct {
	Resource        string
	Collection      []string
	Action          []string
	LXM             []string
	Audience        string
	InheritAudience bool
}
