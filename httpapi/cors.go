package httpapi

import "github.com/valyala/fasthttp"

// setCORS allows any origin, as the reference does for XRPC and
// well-known routes.
func setCORS(rc *fasthttp.RequestCtx) {
	rc.Response.Header.Set("Access-Control-Allow-Origin", "*")
}

// preflight answers an OPTIONS request.
func preflight(rc *fasthttp.RequestCtx) {
	h := &rc.Response.Header
	h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
	if req := rc.Request.Header.Peek("Access-Control-Request-Headers"); len(req) > 0 {
		h.SetBytesV("Access-Control-Allow-Headers", req)
		h.Set("Vary", "Access-Control-Request-Headers")
	}
	h.Set("Access-Control-Max-Age", "86400")
	rc.SetStatusCode(fasthttp.StatusNoContent)
}
