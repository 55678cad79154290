package lexicon

import (
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// MethodKind is the kind of an XRPC method.
type MethodKind string

// The kinds of XRPC methods. A query is called with HTTP GET, a procedure
// with POST, and a subscription is a WebSocket opened with GET.
const (
	KindQuery        MethodKind = "query"
	KindProcedure    MethodKind = "procedure"
	KindSubscription MethodKind = "subscription"
)

// Method is the schema of an XRPC method.
type Method struct {
	NSID atp.NSID
	Kind MethodKind
	// Params declares the query parameters; nil when there are none.
	// Each property is a boolean, integer or string, or an array of one
	// of those.
	Params *Object
	// Input is the request body of a procedure; nil when it takes none.
	Input *Body
	// Output is the response body of a query or procedure; nil when it
	// returns none.
	Output *Body
	// Message is the schema of a subscription's messages, a union; nil
	// for other kinds.
	Message *Schema
	// Errors are the error names the method declares, such as
	// "InvalidSwap".
	Errors []string
}

// Body is the request or response body of a method.
type Body struct {
	// Encoding is the MIME type: "application/json",
	// "application/vnd.ipld.car", or a pattern such as "*/*".
	Encoding string
	// Schema describes a JSON body: an object, or a ref or union of
	// objects. It is nil when the body is not described (any JSON, or not
	// JSON at all).
	Schema *Schema
}

// Accepts reports whether a body sent with the given Content-Type matches
// the declared encoding. Parameters such as "; charset=utf-8" are ignored,
// and so is case; the encoding may be "*/*" or "type/*".
func (b *Body) Accepts(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return mimeMatch(b.Encoding, strings.TrimSpace(mt), true)
}

// mimeMatch reports whether the MIME type mt matches pattern: equal, or
// pattern "*/*" (or "*") for any type, or "type/*" for any subtype of
// type. With fold, case is ignored (as HTTP does for Content-Type); without
// it, as the reference validators do for a blob's "accept", it is not. An
// empty mt matches nothing.
func mimeMatch(pattern, mt string, fold bool) bool {
	if mt == "" {
		return false
	}
	if pattern == "*/*" || pattern == "*" {
		return true
	}
	equal := func(a, b string) bool { return a == b || fold && strings.EqualFold(a, b) }
	if prefix, ok := strings.CutSuffix(pattern, "/*"); ok {
		return len(mt) > len(prefix)+1 && mt[len(prefix)] == '/' && equal(mt[:len(prefix)], prefix)
	}
	return equal(pattern, mt)
}
