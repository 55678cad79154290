package lexicons

import "embed"

// FS holds the vendored schema files at their paths below this folder, for
// example "app/bsky/feed/post.json". It holds JSON schema files only. An
// embed.FS is read-only, so sharing it is safe.
//
//go:embed com app chat tools
var FS embed.FS
