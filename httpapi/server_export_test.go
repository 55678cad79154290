package httpapi

import "github.com/valyala/fasthttp"

// SrvServeAccountDIDDoc exposes serveAccountDIDDoc to the external tests
// until static.go routes /.well-known/did.json through it.
func (s *Server) SrvServeAccountDIDDoc(rc *fasthttp.RequestCtx, host string) bool {
	return s.serveAccountDIDDoc(rc, host)
}
