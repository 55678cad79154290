// Package httpapi is boltsky's only door: a fasthttp server that routes
// XRPC calls (GET for queries, POST for procedures, websocket for
// subscriptions) by their lexicon NSID, authenticates each request into a
// principal, and hands it to a thin handler grouped by namespace
// (server.go for com.atproto.server, repo.go for com.atproto.repo, ...).
//
// # Request flow
//
// A call to /xrpc/<nsid> is matched against the embedded lexicon catalog:
// an unknown NSID answers 501 MethodNotImplemented, a known one called with
// the wrong HTTP method 400 InvalidRequest, as the reference does. Then, in
// the reference's order: query parameters are parsed and checked against
// the lexicon, the request is authenticated by the route's policy, the
// body is read (within the size limit) and checked against the lexicon,
// and the handler runs.
//
// # Errors
//
// Handlers return errors; errors.go maps them, in one table, to an XRPC
// error name, message and status. Anything unmapped is a 500 with a
// generic message, logged once. Every error response has the body
// {"error": name, "message": text}.
//
// # Invariants
//
// Nothing from a *fasthttp.RequestCtx (its byte slices included) outlives
// the handler: values are parsed into domain types or copied first.
package httpapi
